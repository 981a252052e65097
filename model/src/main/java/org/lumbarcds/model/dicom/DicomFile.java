package org.lumbarcds.model.dicom;

/**
 * A parsed DICOM Part 10 file.
 *
 * @param fileMeta the group 0002 elements
 * @param dataset the dataset that follows them
 * @param transferSyntax the syntax the dataset was encoded in
 */
public record DicomFile(
    DicomDataset fileMeta, DicomDataset dataset, TransferSyntax transferSyntax) {}
