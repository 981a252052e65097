package org.lumbarcds.model.dicom;

import java.nio.ByteOrder;
import java.util.Map;

/**
 * The transfer syntaxes whose datasets the reader parses. Encapsulated (compressed) syntaxes share
 * the explicit VR little endian dataset encoding; whether their pixels can be decoded is the pixel
 * decoder's concern.
 *
 * @param uid the transfer syntax UID
 * @param explicitVr whether elements carry their VR
 * @param byteOrder the dataset's byte order
 * @param deflated whether the dataset after the file meta is deflate-compressed
 * @param encapsulated whether pixel data are encapsulated in fragments
 */
public record TransferSyntax(
    String uid, boolean explicitVr, ByteOrder byteOrder, boolean deflated, boolean encapsulated) {

  public static final TransferSyntax IMPLICIT_VR_LITTLE_ENDIAN =
      new TransferSyntax("1.2.840.10008.1.2", false, ByteOrder.LITTLE_ENDIAN, false, false);
  public static final TransferSyntax EXPLICIT_VR_LITTLE_ENDIAN =
      new TransferSyntax("1.2.840.10008.1.2.1", true, ByteOrder.LITTLE_ENDIAN, false, false);
  public static final TransferSyntax DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN =
      new TransferSyntax("1.2.840.10008.1.2.1.99", true, ByteOrder.LITTLE_ENDIAN, true, false);
  public static final TransferSyntax EXPLICIT_VR_BIG_ENDIAN =
      new TransferSyntax("1.2.840.10008.1.2.2", true, ByteOrder.BIG_ENDIAN, false, false);

  private static final Map<String, TransferSyntax> NATIVE =
      Map.of(
          IMPLICIT_VR_LITTLE_ENDIAN.uid, IMPLICIT_VR_LITTLE_ENDIAN,
          EXPLICIT_VR_LITTLE_ENDIAN.uid, EXPLICIT_VR_LITTLE_ENDIAN,
          DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN.uid, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
          EXPLICIT_VR_BIG_ENDIAN.uid, EXPLICIT_VR_BIG_ENDIAN);

  /**
   * The syntax for a UID. Every other standard syntax (1.2.840.10008.1.2.4.*, .5 RLE, ...) is an
   * encapsulated one with an explicit VR little endian dataset.
   */
  public static TransferSyntax forUid(String uid) throws DicomException {
    TransferSyntax known = NATIVE.get(uid);
    if (known != null) {
      return known;
    }
    if (uid.startsWith("1.2.840.10008.1.2.4.") || uid.equals("1.2.840.10008.1.2.5")) {
      return new TransferSyntax(uid, true, ByteOrder.LITTLE_ENDIAN, false, true);
    }
    throw new DicomException(
        DicomException.Reason.UNSUPPORTED_TRANSFER_SYNTAX, "Unsupported transfer syntax " + uid);
  }
}
