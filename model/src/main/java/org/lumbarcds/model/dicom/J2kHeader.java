package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomException.Reason.LIMIT_EXCEEDED;
import static org.lumbarcds.model.dicom.DicomException.Reason.MALFORMED;
import static org.lumbarcds.model.dicom.DicomException.Reason.UNSUPPORTED_TRANSFER_SYNTAX;

/**
 * The marker segments of a JPEG 2000 codestream's main and tile-part headers (ITU T.800 A), walked
 * only to refuse what the JPEG 2000 codec cannot decode safely before it tries: anything that is
 * not a raw codestream (PS3.5 A.4.4 requires one); packed packet headers (PPM, PPT), which
 * jai-imageio reads from a buffer whose end it does not notice; and two 0xFF bytes in a row, which
 * no valid codestream holds (bit stuffing and the arithmetic coder both rule it out) and on which
 * jai-imageio's packet-header reader loops forever without reading further (found by the fuzzer).
 * The SIZ marker is checked against the dataset first, since jai-imageio sizes its tables from it
 * before decoding anything (a fuzzed tile count kept it busy for a minute).
 */
final class J2kHeader {

  private static final int SOC = 0xFF4F;
  private static final int SIZ = 0xFF51;

  /** jj2000 sizes per-tile tables from SIZ before reading any data; more tiles take minutes. */
  private static final long MAX_TILES = 4096;

  private static final int SOT = 0xFF90;
  private static final int SOD = 0xFF93;
  private static final int EOC = 0xFFD9;
  private static final int PPM = 0xFF60;
  private static final int PPT = 0xFF61;

  private J2kHeader() {}

  static void check(byte[] frame, PixelFormat format) throws DicomException {
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
      refusePackedHeaders(marker);
      int length = segmentLength(frame, pos);
      if (marker == SIZ) {
        checkSize(frame, pos + 4, length, format);
      }
      if (marker == SOT) {
        if (length < 10 || pos + 12 > frame.length) {
          return; // left to the codec, which reports the broken tile
        }
        long tilePart = uint32(frame, pos + 6); // Psot
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

  /**
   * The image and tile size (SIZ, T.800 A.5.1) against the dataset, before the codec allocates
   * anything from them.
   */
  private static void checkSize(byte[] frame, int body, int length, PixelFormat format)
      throws DicomException {
    if (length < 41 || body + length - 2 > frame.length) {
      throw new DicomException(MALFORMED, "JPEG 2000 SIZ marker segment too short");
    }
    long width = uint32(frame, body + 2) - uint32(frame, body + 10);
    long height = uint32(frame, body + 6) - uint32(frame, body + 14);
    long tileWidth = uint32(frame, body + 18);
    long tileHeight = uint32(frame, body + 22);
    long tileX = uint32(frame, body + 26);
    long tileY = uint32(frame, body + 30);
    int components = (frame[body + 34] & 0xff) << 8 | (frame[body + 35] & 0xff);
    format.checkCodestreamSize("JPEG 2000", width, height);
    if (components != format.samplesPerPixel()) {
      throw new DicomException(
          MALFORMED,
          "JPEG 2000 frame has "
              + components
              + " components, the dataset says "
              + format.samplesPerPixel());
    }
    long xEnd = uint32(frame, body + 2);
    long yEnd = uint32(frame, body + 6);
    if (tileWidth == 0 || tileHeight == 0 || tileX >= xEnd || tileY >= yEnd) {
      throw new DicomException(MALFORMED, "JPEG 2000 tiling invalid");
    }
    long tiles =
        ((xEnd - tileX + tileWidth - 1) / tileWidth)
            * ((yEnd - tileY + tileHeight - 1) / tileHeight);
    if (tiles > MAX_TILES) {
      throw new DicomException(
          LIMIT_EXCEEDED, "JPEG 2000 frame of " + tiles + " tiles (at most " + MAX_TILES + ")");
    }
  }

  private static long uint32(byte[] b, int at) {
    return (b[at] & 0xffL) << 24
        | (b[at + 1] & 0xffL) << 16
        | (b[at + 2] & 0xffL) << 8
        | (b[at + 3] & 0xffL);
  }

  /** Checks a tile-part header's markers up to SOD; returns where its data start, or -1. */
  private static int checkTileHeader(byte[] frame, int pos) throws DicomException {
    while (pos + 2 <= frame.length) {
      int marker = marker(frame, pos);
      if (marker == SOD) {
        return pos + 2;
      }
      refusePackedHeaders(marker);
      if (pos + 4 > frame.length) {
        return -1;
      }
      pos += 2 + segmentLength(frame, pos);
    }
    return -1;
  }

  private static void refusePackedHeaders(int marker) throws DicomException {
    if (marker == PPM || marker == PPT) {
      throw new DicomException(
          UNSUPPORTED_TRANSFER_SYNTAX, "JPEG 2000 with packed packet headers (PPM/PPT)");
    }
  }

  /** The length of the marker segment at {@code pos} (its Lxxx field, at least 2). */
  private static int segmentLength(byte[] frame, int pos) throws DicomException {
    int length = marker(frame, pos + 2);
    if (length < 2) {
      throw new DicomException(MALFORMED, "JPEG 2000 marker segment of length " + length);
    }
    return length;
  }

  private static int marker(byte[] b, int at) {
    return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
  }
}
