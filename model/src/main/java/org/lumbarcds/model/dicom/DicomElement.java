package org.lumbarcds.model.dicom;

import java.util.List;

/**
 * One data element: its tag, VR and either a value (as stored, in the file's byte order), the items
 * of a sequence, or the fragments of encapsulated pixel data.
 *
 * @param tag group in the high 16 bits, element in the low 16 bits
 * @param vr the value representation (from the file, or the dictionary for implicit VR)
 * @param value the raw value bytes; empty for sequences and encapsulated pixel data
 * @param items the items of a sequence, else empty
 * @param fragments the fragments of encapsulated pixel data (the first is the basic offset table),
 *     else empty
 */
public record DicomElement(
    int tag, Vr vr, byte[] value, List<DicomDataset> items, List<byte[]> fragments) {

  public boolean isSequence() {
    return vr == Vr.SQ;
  }

  public boolean isEncapsulated() {
    return !fragments.isEmpty();
  }
}
