/**
 * DICOM to pixels, preprocessing and ONNX inference for the three-posture model. Knows nothing of
 * FHIR or HTTP. The DICOM reader, the model contract and inference land here (issues 3 and 4).
 */
package org.lumbarcds.model;
