/**
 * DICOM to pixels, preprocessing and ONNX inference for the three-posture model. Knows nothing of
 * FHIR or HTTP. {@link org.lumbarcds.model.dicom} holds the DICOM Part 10 reader; pixel decoding,
 * the model contract and inference follow (issues 3 and 4).
 */
package org.lumbarcds.model;
