package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomException.Reason.MALFORMED;
import static org.lumbarcds.model.dicom.DicomException.Reason.NO_PIXEL_DATA;
import static org.lumbarcds.model.dicom.DicomException.Reason.TRUNCATED;
import static org.lumbarcds.model.dicom.DicomException.Reason.UNSUPPORTED_IMAGE;
import static org.lumbarcds.model.dicom.DicomException.Reason.UNSUPPORTED_TRANSFER_SYNTAX;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a file's Pixel Data into a {@link DicomImage}: native pixels in any byte order, and
 * encapsulated frames (basic or extended offset table, one or many fragments per frame) decoded
 * with RLE Lossless, JPEG baseline / extended / lossless or JPEG 2000. Every other encapsulated
 * syntax, JPEG-LS included, is refused with {@link
 * DicomException.Reason#UNSUPPORTED_TRANSFER_SYNTAX} naming it. The image size is checked against
 * {@link DicomLimits#maxPixels()} before anything is decoded. Thread-safe.
 */
public final class PixelDecoder {

  private static final String RLE = "1.2.840.10008.1.2.5";

  private final DicomLimits limits;

  public PixelDecoder(DicomLimits limits) {
    this.limits = limits;
  }

  public PixelDecoder() {
    this(DicomLimits.DEFAULT);
  }

  /** Every frame of the file's image. */
  public DicomImage decode(DicomFile file) throws DicomException {
    Frames frames = frames(file);
    List<int[]> decoded = new ArrayList<>(frames.format.frames());
    for (int i = 0; i < frames.format.frames(); i++) {
      decoded.add(frames.decode(i));
    }
    return new DicomImage(frames.format.decoded(frames.format.frames()), decoded);
  }

  /** One frame (0-based) of the file's image; the returned image's format says 1 frame. */
  public DicomImage decodeFrame(DicomFile file, int index) throws DicomException {
    Frames frames = frames(file);
    if (index < 0 || index >= frames.format.frames()) {
      throw new IndexOutOfBoundsException(
          "Frame " + index + " of " + frames.format.frames() + " frames");
    }
    return new DicomImage(frames.format.decoded(1), List.of(frames.decode(index)));
  }

  private Frames frames(DicomFile file) throws DicomException {
    DicomDataset dataset = file.dataset();
    DicomElement pixels = dataset.get(Tags.PIXEL_DATA).orElse(null);
    if (pixels == null) {
      if (dataset.contains(Tags.FLOAT_PIXEL_DATA)
          || dataset.contains(Tags.DOUBLE_FLOAT_PIXEL_DATA)) {
        throw new DicomException(UNSUPPORTED_IMAGE, "Float pixel data unsupported");
      }
      throw new DicomException(NO_PIXEL_DATA, "The dataset has no Pixel Data (7FE0,0010)");
    }
    TransferSyntax syntax = file.transferSyntax();
    PixelFormat format = PixelFormat.of(dataset, limits);
    if (!syntax.encapsulated()) {
      if (pixels.isEncapsulated()) {
        throw new DicomException(
            MALFORMED, "Encapsulated pixel data in native " + syntax.describe());
      }
      return new NativeFrames(format, pixels, dataset.byteOrder());
    }
    if (!pixels.isEncapsulated()) {
      throw new DicomException(MALFORMED, "Native pixel data in encapsulated " + syntax.describe());
    }
    FrameCodec codec = codec(syntax);
    return new EncapsulatedFrames(format, codec, split(pixels.fragments(), format, dataset));
  }

  @FunctionalInterface
  private interface FrameCodec {
    int[] decode(byte[] frame, PixelFormat format) throws DicomException;
  }

  private static FrameCodec codec(TransferSyntax syntax) throws DicomException {
    return switch (syntax.uid()) {
      case RLE -> RleDecoder::decode;
      case "1.2.840.10008.1.2.4.50",
          "1.2.840.10008.1.2.4.51",
          "1.2.840.10008.1.2.4.57",
          "1.2.840.10008.1.2.4.70" ->
          ImageIoDecoder.JPEG::decode;
      case "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91" -> ImageIoDecoder.JPEG_2000::decode;
      default ->
          throw new DicomException(
              UNSUPPORTED_TRANSFER_SYNTAX,
              "Pixel data in " + syntax.describe() + " cannot be decoded");
    };
  }

  /** A source of frames and the format they come out in. */
  private abstract static class Frames {
    final PixelFormat format;

    Frames(PixelFormat format) {
      this.format = format;
    }

    abstract int[] decode(int index) throws DicomException;

    /** Keeps the stored bits (below the high bit) and sign-extends them where signed. */
    void normalise(int[] samples, int shift) {
      int unused = 32 - format.bitsStored();
      for (int i = 0; i < samples.length; i++) {
        int value = samples[i] >>> shift << unused;
        samples[i] = format.signed() ? value >> unused : value >>> unused;
      }
    }

    /** YBR_FULL (PS3.3 C.7.6.3.1.2) to RGB; the other colour encodings decode to RGB already. */
    void toRgb(int[] samples, String photometric) {
      if (!photometric.startsWith("YBR_FULL")) {
        return;
      }
      int max = format.maxValue();
      double half = (max + 1) / 2.0;
      for (int i = 0; i + 2 < samples.length; i += 3) {
        double y = samples[i];
        double cb = samples[i + 1] - half;
        double cr = samples[i + 2] - half;
        samples[i] = clamp(y + 1.402 * cr, max);
        samples[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr, max);
        samples[i + 2] = clamp(y + 1.772 * cb, max);
      }
    }

    private static int clamp(double value, int max) {
      return (int) Math.max(0, Math.min(max, Math.round(value)));
    }
  }

  private static final class NativeFrames extends Frames {
    private final DicomElement pixels;
    private final ByteOrder order;

    NativeFrames(PixelFormat format, DicomElement pixels, ByteOrder order) throws DicomException {
      super(format);
      this.pixels = pixels;
      this.order = order;
      if (format.photometric().equals("YBR_FULL_422")) {
        throw new DicomException(UNSUPPORTED_IMAGE, "Native YBR_FULL_422 unsupported");
      }
      long needed = (long) format.nativeFrameBytes() * format.frames();
      if (pixels.value().length < needed) {
        throw new DicomException(
            TRUNCATED,
            "Pixel Data holds " + pixels.value().length + " bytes, the image needs " + needed);
      }
    }

    @Override
    int[] decode(int index) {
      int count = format.samplesPerFrame();
      int offset = index * format.nativeFrameBytes();
      int[] out = new int[count];
      ByteBuffer buffer =
          ByteBuffer.wrap(pixels.value(), offset, format.nativeFrameBytes()).order(order);
      switch (format.bitsAllocated()) {
        case 8 -> {
          if (order == ByteOrder.BIG_ENDIAN && pixels.vr() == Vr.OW) {
            // OW in big endian swaps each pair of 8-bit samples (PS3.5 Annex D).
            for (int i = 0; i < count; i++) {
              out[i] = pixels.value()[offset + (i ^ 1)] & 0xff;
            }
          } else {
            for (int i = 0; i < count; i++) {
              out[i] = pixels.value()[offset + i] & 0xff;
            }
          }
        }
        case 16 -> {
          var shorts = buffer.asShortBuffer();
          for (int i = 0; i < count; i++) {
            out[i] = shorts.get(i) & 0xffff;
          }
        }
        default -> buffer.asIntBuffer().get(out);
      }
      normalise(out, format.highBit() + 1 - format.bitsStored());
      if (format.samplesPerPixel() == 3) {
        out = interleave(out);
        toRgb(out, format.photometric());
      }
      return out;
    }

    private int[] interleave(int[] samples) {
      if (format.planarConfiguration() == 0) {
        return samples;
      }
      int plane = format.rows() * format.columns();
      int[] out = new int[samples.length];
      for (int p = 0; p < plane; p++) {
        out[3 * p] = samples[p];
        out[3 * p + 1] = samples[plane + p];
        out[3 * p + 2] = samples[2 * plane + p];
      }
      return out;
    }
  }

  private static final class EncapsulatedFrames extends Frames {
    private final FrameCodec codec;
    private final List<byte[]> frames;

    EncapsulatedFrames(PixelFormat format, FrameCodec codec, List<byte[]> frames) {
      super(format);
      this.codec = codec;
      this.frames = frames;
    }

    @Override
    int[] decode(int index) throws DicomException {
      int[] out = codec.decode(frames.get(index), format);
      if (out.length != format.samplesPerFrame()) {
        throw new DicomException(
            MALFORMED, "Frame " + index + " decodes to " + out.length + " samples");
      }
      normalise(out, 0);
      if (format.samplesPerPixel() == 3) {
        toRgb(out, format.photometric());
      }
      return out;
    }
  }

  /**
   * Groups fragments into frames (PS3.5 A.4): all fragments for a single frame; else by the Basic
   * Offset Table, or the Extended Offset Table, or one fragment per frame, or — for a JPEG family
   * codestream without any table — by where each frame's start-of-image marker lies.
   */
  static List<byte[]> split(List<byte[]> fragments, PixelFormat format, DicomDataset dataset)
      throws DicomException {
    List<byte[]> items = fragments.subList(1, fragments.size());
    int frames = format.frames();
    if (items.isEmpty()) {
      throw new DicomException(MALFORMED, "Encapsulated pixel data has no fragments");
    }
    if (frames == 1) {
      return List.of(concat(items, 0, items.size()));
    }
    long[] offsets = offsets(fragments.get(0), dataset);
    if (offsets.length > 0) {
      return byOffsets(items, offsets, frames);
    }
    if (items.size() == frames) {
      return items;
    }
    List<Integer> starts = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      byte[] item = items.get(i);
      // FFD8 starts a JPEG image, FF4F a JPEG 2000 codestream
      if (item.length >= 2
          && (item[0] & 0xff) == 0xFF
          && ((item[1] & 0xff) == 0xD8 || (item[1] & 0xff) == 0x4F)) {
        starts.add(i);
      }
    }
    if (starts.size() != frames || starts.get(0) != 0) {
      throw new DicomException(
          MALFORMED,
          items.size()
              + " fragments without an offset table cannot be split into "
              + frames
              + " frames");
    }
    starts.add(items.size());
    List<byte[]> out = new ArrayList<>(frames);
    for (int f = 0; f < frames; f++) {
      out.add(concat(items, starts.get(f), starts.get(f + 1)));
    }
    return out;
  }

  /** The frame offsets of the Basic Offset Table or, when that is empty, the Extended one. */
  private static long[] offsets(byte[] basic, DicomDataset dataset) throws DicomException {
    if (basic.length > 0) {
      if (basic.length % 4 != 0) {
        throw new DicomException(MALFORMED, "Basic Offset Table of " + basic.length + " bytes");
      }
      ByteBuffer buffer = ByteBuffer.wrap(basic).order(ByteOrder.LITTLE_ENDIAN);
      long[] offsets = new long[basic.length / 4];
      Arrays.setAll(offsets, i -> buffer.getInt() & 0xffffffffL);
      return offsets;
    }
    byte[] extended =
        dataset.get(Tags.EXTENDED_OFFSET_TABLE).map(DicomElement::value).orElse(new byte[0]);
    if (extended.length % 8 != 0) {
      throw new DicomException(MALFORMED, "Extended Offset Table of " + extended.length + " bytes");
    }
    ByteBuffer buffer = ByteBuffer.wrap(extended).order(dataset.byteOrder());
    long[] offsets = new long[extended.length / 8];
    Arrays.setAll(offsets, i -> buffer.getLong());
    return offsets;
  }

  private static List<byte[]> byOffsets(List<byte[]> items, long[] offsets, int frames)
      throws DicomException {
    if (offsets.length != frames || offsets[0] != 0) {
      throw new DicomException(
          MALFORMED, "Offset table lists " + offsets.length + " frames, the image has " + frames);
    }
    // where each fragment's item header starts, counted from the first fragment's
    long[] positions = new long[items.size() + 1];
    for (int i = 0; i < items.size(); i++) {
      positions[i + 1] = positions[i] + 8 + items.get(i).length;
    }
    int[] starts = new int[frames + 1];
    for (int f = 0; f < frames; f++) {
      int index = Arrays.binarySearch(positions, 0, items.size(), offsets[f]);
      if (index < 0 || (f > 0 && index <= starts[f - 1])) {
        throw new DicomException(
            MALFORMED, "Offset " + offsets[f] + " of frame " + f + " is not a fragment start");
      }
      starts[f] = index;
    }
    starts[frames] = items.size();
    List<byte[]> out = new ArrayList<>(frames);
    for (int f = 0; f < frames; f++) {
      out.add(concat(items, starts[f], starts[f + 1]));
    }
    return out;
  }

  private static byte[] concat(List<byte[]> items, int from, int to) {
    if (to - from == 1) {
      return items.get(from);
    }
    int length = 0;
    for (int i = from; i < to; i++) {
      length += items.get(i).length;
    }
    byte[] out = new byte[length];
    int at = 0;
    for (int i = from; i < to; i++) {
      System.arraycopy(items.get(i), 0, out, at, items.get(i).length);
      at += items.get(i).length;
    }
    return out;
  }
}
