package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomException.Reason.MALFORMED;
import static org.lumbarcds.model.dicom.DicomException.Reason.TRUNCATED;

import java.util.Arrays;

/**
 * RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits segment per
 * byte of each sample, most significant byte first. Every read is bounds-checked and every run
 * consumes input, so a corrupt frame ends in a {@link DicomException} after at most one pass.
 */
final class RleDecoder {

  private static final int HEADER = 64;
  private static final int MAX_SEGMENTS = 15;

  private RleDecoder() {}

  /** One frame's samples, interleaved by pixel, as unsigned values of {@code bitsAllocated}. */
  static int[] decode(byte[] frame, PixelFormat format) throws DicomException {
    int bytesPerSample = format.bitsAllocated() / 8;
    int samples = format.samplesPerPixel();
    int segments = samples * bytesPerSample;
    if (frame.length < HEADER) {
      throw new DicomException(TRUNCATED, "RLE frame shorter than its 64-byte header");
    }
    long declared = uint32(frame, 0);
    if (declared != segments || segments > MAX_SEGMENTS) {
      throw new DicomException(
          MALFORMED, "RLE frame has " + declared + " segments, the image needs " + segments);
    }
    int[] offsets = new int[segments + 1];
    for (int i = 0; i < segments; i++) {
      long offset = uint32(frame, 4 + 4 * i);
      if (offset < HEADER || offset > frame.length || (i > 0 && offset < offsets[i - 1])) {
        throw new DicomException(MALFORMED, "RLE segment " + i + " offset " + offset + " invalid");
      }
      offsets[i] = (int) offset;
    }
    offsets[segments] = frame.length;

    int pixels = format.rows() * format.columns();
    int[] out = new int[pixels * samples];
    byte[] segment = new byte[pixels];
    for (int sample = 0; sample < samples; sample++) {
      for (int b = 0; b < bytesPerSample; b++) {
        int index = sample * bytesPerSample + b;
        unpack(frame, offsets[index], offsets[index + 1], segment, index);
        int shift = 8 * (bytesPerSample - 1 - b);
        for (int p = 0, o = sample; p < pixels; p++, o += samples) {
          out[o] |= (segment[p] & 0xff) << shift;
        }
      }
    }
    return out;
  }

  /** PackBits: n ≥ 0 copies n + 1 bytes, −127 ≤ n ≤ −1 repeats one byte 1 − n times. */
  private static void unpack(byte[] in, int from, int to, byte[] out, int segment)
      throws DicomException {
    int pos = from;
    int written = 0;
    while (written < out.length) {
      if (pos >= to) {
        throw new DicomException(
            TRUNCATED,
            "RLE segment " + segment + " holds " + written + " of " + out.length + " bytes");
      }
      int n = in[pos++];
      if (n >= 0) {
        int count = Math.min(n + 1, out.length - written);
        if (to - pos < n + 1) {
          throw new DicomException(TRUNCATED, "RLE literal run overruns segment " + segment);
        }
        System.arraycopy(in, pos, out, written, count);
        pos += n + 1;
        written += count;
      } else if (n != -128) {
        if (pos >= to) {
          throw new DicomException(TRUNCATED, "RLE replicate run overruns segment " + segment);
        }
        byte value = in[pos++];
        int end = Math.min(written + 1 - n, out.length);
        Arrays.fill(out, written, end, value);
        written = end;
      }
    }
  }

  private static long uint32(byte[] b, int at) {
    return (b[at] & 0xffL)
        | (b[at + 1] & 0xffL) << 8
        | (b[at + 2] & 0xffL) << 16
        | (b[at + 3] & 0xffL) << 24;
  }
}
