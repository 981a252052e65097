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

  private static final Map<String, String> NAMES =
      Map.ofEntries(
          Map.entry("1.2.840.10008.1.2", "Implicit VR Little Endian"),
          Map.entry("1.2.840.10008.1.2.1", "Explicit VR Little Endian"),
          Map.entry("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian"),
          Map.entry("1.2.840.10008.1.2.2", "Explicit VR Big Endian"),
          Map.entry("1.2.840.10008.1.2.5", "RLE Lossless"),
          Map.entry("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)"),
          Map.entry("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)"),
          Map.entry("1.2.840.10008.1.2.4.57", "JPEG Lossless (Process 14)"),
          Map.entry("1.2.840.10008.1.2.4.70", "JPEG Lossless, First-Order Prediction (SV1)"),
          Map.entry("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"),
          Map.entry("1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless"),
          Map.entry("1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless"),
          Map.entry("1.2.840.10008.1.2.4.91", "JPEG 2000"),
          Map.entry("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Lossless"),
          Map.entry("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component"),
          Map.entry("1.2.840.10008.1.2.4.94", "JPIP Referenced"),
          Map.entry("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile"),
          Map.entry("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264"),
          Map.entry("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Lossless"),
          Map.entry("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 RPCL Lossless"),
          Map.entry("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000"));

  /** The standard name and UID of a transfer syntax, for messages: "JPEG-LS Lossless (1.2…80)". */
  public static String describe(String uid) {
    String name = NAMES.get(uid);
    return name == null ? uid : name + " (" + uid + ")";
  }

  /** This syntax's name and UID, for messages. */
  public String describe() {
    return describe(uid);
  }

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
        DicomException.Reason.UNSUPPORTED_TRANSFER_SYNTAX,
        "Unsupported transfer syntax " + describe(uid));
  }
}
