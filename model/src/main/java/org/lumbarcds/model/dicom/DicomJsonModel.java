package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomException.Reason.LIMIT_EXCEEDED;
import static org.lumbarcds.model.dicom.DicomException.Reason.MALFORMED;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What {@link DicomJsonReader} and {@link DicomJsonWriter} share about the DICOM JSON Model (PS3.18
 * Annex F.2): tags as keys, the person name groups, the longest IS or DS text, the bytes of a
 * binary number or word per VR, pydicom's inline form of encapsulated pixel data, and the errors.
 */
final class DicomJsonModel {

  static final List<String> NAME_GROUPS = List.of("Alphabetic", "Ideographic", "Phonetic");

  /** Longest IS or DS value accepted: far beyond the 12 and 16 characters the VRs allow. */
  static final int MAX_NUMBER_TEXT = 256;

  private DicomJsonModel() {}

  /** A tag as a DICOM JSON key: 8 uppercase hex digits. */
  static String key(int tag) {
    return String.format("%08X", tag);
  }

  /** Bytes in a value of a binary number VR, or in a word of OW, OF, OL, OD, OV; 1 otherwise. */
  static int size(Vr vr) {
    return switch (vr) {
      case US, SS, OW -> 2;
      case AT, UL, SL, FL, OF, OL -> 4;
      case SV, UV, FD, OD, OV -> 8;
      default -> 1;
    };
  }

  /** Eight hex digits, as a tag is written. */
  static boolean isTagHex(String text) {
    return text.length() == 8 && text.chars().allMatch(HexFormat::isHexDigit);
  }

  /** Item tag, 32-bit length and bytes of each fragment, little endian, as pydicom writes them. */
  static byte[] encapsulated(DicomElement element) throws DicomException {
    long total = 0;
    for (byte[] fragment : element.fragments()) {
      total += 8L + fragment.length;
    }
    if (total > Integer.MAX_VALUE - 16) {
      throw new DicomException(LIMIT_EXCEEDED, "Encapsulated pixel data too large for JSON");
    }
    ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] fragment : element.fragments()) {
      out.putShort((short) 0xFFFE).putShort((short) 0xE000).putInt(fragment.length).put(fragment);
    }
    return out.array();
  }

  /**
   * The fragments of an encapsulated pixel data stream (PS3.5 A.4) with or without its sequence
   * delimiter; null when the bytes are not one, and so native pixel data.
   */
  static List<byte[]> fragments(byte[] bytes) {
    List<byte[]> fragments = new ArrayList<>();
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    while (in.hasRemaining()) {
      if (in.remaining() < 8) {
        return null;
      }
      int tag = (in.getShort() & 0xffff) << 16 | (in.getShort() & 0xffff);
      long length = in.getInt() & 0xffffffffL;
      if (tag == Tags.SEQUENCE_DELIMITATION) {
        return length == 0 && !in.hasRemaining() && !fragments.isEmpty() ? fragments : null;
      }
      if (tag != Tags.ITEM || length > in.remaining()) {
        return null;
      }
      byte[] fragment = new byte[(int) length];
      in.get(fragment);
      fragments.add(fragment);
    }
    return fragments.isEmpty() ? null : List.copyOf(fragments);
  }

  /** Text as an error message quotes it: at most 20 characters. */
  static String shown(String text) {
    return text.length() > 20 ? "\"" + text.substring(0, 20) + "...\"" : "\"" + text + "\"";
  }

  static DicomException malformed(int tag, String message) {
    return new DicomException(MALFORMED, "DICOM JSON " + Tags.format(tag) + " " + message);
  }
}
