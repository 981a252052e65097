package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomException.Reason.UNSUPPORTED_TRANSFER_SYNTAX;

/**
 * The frame and scan header of a JPEG codestream (ITU T.81 B.2), read only to refuse the kinds the
 * JPEG codec cannot decode correctly before it tries: 12-bit lossy JPEG (the JDK decoder that
 * TwelveMonkeys delegates to is 8-bit only) and lossless colour with predictor 3 or 6, which
 * TwelveMonkeys 3.14 decodes to wrong values. Unparseable headers are left to the codec.
 *
 * @param sof the start-of-frame marker (0xC0 baseline, 0xC1 extended, 0xC3 lossless, …)
 * @param precision bits per sample
 * @param components components in the frame
 * @param predictor the lossless predictor (Ss of the first scan), 0 for lossy
 */
record JpegHeader(int sof, int precision, int components, int predictor) {

  /** The header, or null when the codestream does not reach a scan header in the expected way. */
  static JpegHeader parse(byte[] jpeg) {
    if (jpeg.length < 4 || (jpeg[0] & 0xff) != 0xFF || (jpeg[1] & 0xff) != 0xD8) {
      return null;
    }
    int sof = -1;
    int precision = 0;
    int components = 0;
    int pos = 2;
    while (pos + 4 <= jpeg.length) {
      if ((jpeg[pos] & 0xff) != 0xFF) {
        return null;
      }
      int marker = jpeg[pos + 1] & 0xff;
      if (marker == 0xFF) {
        pos++; // fill byte
        continue;
      }
      int length = (jpeg[pos + 2] & 0xff) << 8 | (jpeg[pos + 3] & 0xff);
      int body = pos + 4;
      if (length < 2 || pos + 2 + length > jpeg.length) {
        return null;
      }
      if (isStartOfFrame(marker) && length >= 8) {
        sof = marker;
        precision = jpeg[body] & 0xff;
        components = jpeg[body + 5] & 0xff;
      } else if (marker == 0xDA) {
        int scanComponents = jpeg[body] & 0xff;
        int ss = body + 1 + 2 * scanComponents;
        return sof < 0 || ss >= jpeg.length
            ? null
            : new JpegHeader(sof, precision, components, jpeg[ss] & 0xff);
      }
      pos += 2 + length;
    }
    return null;
  }

  private static boolean isStartOfFrame(int marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
  }

  /** Refuses what the codec would decode wrongly or not at all; see the class comment. */
  void checkDecodable() throws DicomException {
    boolean lossless = sof == 0xC3 || sof == 0xC7 || sof == 0xCB || sof == 0xCF;
    if (!lossless && precision > 8) {
      throw new DicomException(
          UNSUPPORTED_TRANSFER_SYNTAX,
          precision + "-bit lossy JPEG (Extended, Process 4) cannot be decoded");
    }
    if (lossless && components > 1 && (predictor == 3 || predictor == 6)) {
      throw new DicomException(
          UNSUPPORTED_TRANSFER_SYNTAX,
          "Lossless colour JPEG with predictor " + predictor + " cannot be decoded");
    }
  }
}
