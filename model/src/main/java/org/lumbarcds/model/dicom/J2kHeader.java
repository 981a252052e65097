package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomException.Reason.MALFORMED;
import static org.lumbarcds.model.dicom.DicomException.Reason.UNSUPPORTED_TRANSFER_SYNTAX;

/**
 * The marker segments of a JPEG 2000 codestream's main and tile-part headers (ITU T.800 A), walked
 * only to refuse what the JPEG 2000 codec cannot decode safely before it tries: anything that is
 * not a raw codestream (PS3.5 A.4.4 requires one); packed packet headers (PPM, PPT), which
 * jai-imageio reads from a buffer whose end it does not notice; and two 0xFF bytes in a row, which
 * no valid codestream holds (bit stuffing and the arithmetic coder both rule it out) and on which
 * jai-imageio's packet-header reader loops forever without reading further (found by the fuzzer).
 */
final class J2kHeader {

  private static final int SOC = 0xFF4F;
  private static final int SOT = 0xFF90;
  private static final int SOD = 0xFF93;
  private static final int EOC = 0xFFD9;
  private static final int PPM = 0xFF60;
  private static final int PPT = 0xFF61;

  private J2kHeader() {}

  static void check(byte[] frame) throws DicomException {
    if (frame.length < 2 || marker(frame, 0) != SOC) {
      throw new DicomException(MALFORMED, "JPEG 2000 frame is not a codestream (no SOC marker)");
    }
    for (int i = 0; i + 1 < frame.length; i++) {
      if (frame[i] == (byte) 0xFF && frame[i + 1] == (byte) 0xFF) {
        throw new DicomException(MALFORMED, "JPEG 2000 frame corrupt: 0xFFFF at byte " + i);
      }
    }
    int pos = 2;
    while (pos + 4 <= frame.length) {
      int marker = marker(frame, pos);
      if (marker == EOC) {
        return;
      }
      if ((marker & 0xFF00) != 0xFF00) {
        throw new DicomException(MALFORMED, "JPEG 2000 header broken at byte " + pos);
      }
      int length = (frame[pos + 2] & 0xff) << 8 | (frame[pos + 3] & 0xff);
      if (length < 2) {
        throw new DicomException(MALFORMED, "JPEG 2000 marker segment of length " + length);
      }
      if (marker == PPM || marker == PPT) {
        throw new DicomException(
            UNSUPPORTED_TRANSFER_SYNTAX, "JPEG 2000 with packed packet headers (PPM/PPT)");
      }
      if (marker == SOT) {
        if (length < 10 || pos + 12 > frame.length) {
          return; // left to the codec, which reports the broken tile
        }
        long tilePart =
            (frame[pos + 6] & 0xffL) << 24
                | (frame[pos + 7] & 0xffL) << 16
                | (frame[pos + 8] & 0xffL) << 8
                | (frame[pos + 9] & 0xffL);
        int headerEnd = checkTileHeader(frame, pos + 2 + length);
        if (tilePart == 0 || headerEnd < 0) {
          return; // the last tile-part runs to the end of the codestream
        }
        pos = (int) Math.min(frame.length, pos + Math.max(tilePart, headerEnd - pos));
        continue;
      }
      pos += 2 + length;
    }
  }

  /** Checks a tile-part header's markers up to SOD; returns where its data start, or -1. */
  private static int checkTileHeader(byte[] frame, int pos) throws DicomException {
    while (pos + 2 <= frame.length) {
      int marker = marker(frame, pos);
      if (marker == SOD) {
        return pos + 2;
      }
      if (marker == PPT || marker == PPM) {
        throw new DicomException(
            UNSUPPORTED_TRANSFER_SYNTAX, "JPEG 2000 with packed packet headers (PPM/PPT)");
      }
      if (pos + 4 > frame.length) {
        return -1;
      }
      int length = (frame[pos + 2] & 0xff) << 8 | (frame[pos + 3] & 0xff);
      if (length < 2) {
        throw new DicomException(MALFORMED, "JPEG 2000 marker segment of length " + length);
      }
      pos += 2 + length;
    }
    return -1;
  }

  private static int marker(byte[] b, int at) {
    return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
  }
}
