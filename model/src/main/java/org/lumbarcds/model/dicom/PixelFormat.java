package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomException.Reason.LIMIT_EXCEEDED;
import static org.lumbarcds.model.dicom.DicomException.Reason.MALFORMED;
import static org.lumbarcds.model.dicom.DicomException.Reason.UNSUPPORTED_IMAGE;

import java.util.Set;

/**
 * How an image's pixels are laid out (PS3.3 C.7.6.3, the Image Pixel module).
 *
 * @param rows rows (0028,0010)
 * @param columns columns (0028,0011)
 * @param samplesPerPixel 1 for greyscale, 3 for colour (0028,0002)
 * @param bitsAllocated bits each sample occupies: 8, 16 or 32 (0028,0100)
 * @param bitsStored bits of each sample that hold the value (0028,0101)
 * @param highBit the most significant bit of the value (0028,0102)
 * @param signed whether samples are two's complement (Pixel Representation 1)
 * @param photometric the Photometric Interpretation (0028,0004)
 * @param planarConfiguration 0 colour-by-pixel, 1 colour-by-plane (0028,0006)
 * @param frames Number of Frames (0028,0008), 1 when absent
 */
public record PixelFormat(
    int rows,
    int columns,
    int samplesPerPixel,
    int bitsAllocated,
    int bitsStored,
    int highBit,
    boolean signed,
    String photometric,
    int planarConfiguration,
    int frames) {

  private static final Set<String> GREYSCALE = Set.of("MONOCHROME1", "MONOCHROME2");
  private static final Set<String> COLOUR =
      Set.of("RGB", "YBR_FULL", "YBR_FULL_422", "YBR_RCT", "YBR_ICT");

  /** The format an image dataset declares, checked for consistency and against the limits. */
  public static PixelFormat of(DicomDataset dataset, DicomLimits limits) throws DicomException {
    int rows = required(dataset, Tags.ROWS, "Rows");
    int columns = required(dataset, Tags.COLUMNS, "Columns");
    int samples = required(dataset, Tags.SAMPLES_PER_PIXEL, "Samples per Pixel");
    int allocated = required(dataset, Tags.BITS_ALLOCATED, "Bits Allocated");
    int stored = required(dataset, Tags.BITS_STORED, "Bits Stored");
    int highBit = dataset.getInt(Tags.HIGH_BIT).orElse(stored - 1);
    int representation = dataset.getInt(Tags.PIXEL_REPRESENTATION).orElse(0);
    String photometric =
        dataset
            .getString(Tags.PHOTOMETRIC_INTERPRETATION)
            .orElseThrow(() -> new DicomException(MALFORMED, "No Photometric Interpretation"));
    int planar = samples > 1 ? dataset.getInt(Tags.PLANAR_CONFIGURATION).orElse(0) : 0;
    int frames = dataset.getInt(Tags.NUMBER_OF_FRAMES).orElse(1);

    if (rows < 1 || columns < 1 || frames < 1) {
      throw new DicomException(
          MALFORMED, "Image of " + rows + " × " + columns + " × " + frames + " frames");
    }
    if (allocated != 8 && allocated != 16 && allocated != 32) {
      throw new DicomException(UNSUPPORTED_IMAGE, "Bits Allocated " + allocated + " unsupported");
    }
    if (stored < 1 || stored > allocated || highBit < stored - 1 || highBit >= allocated) {
      throw new DicomException(
          MALFORMED,
          "Bits Stored " + stored + " / High Bit " + highBit + " in " + allocated + " bits");
    }
    if (stored == 32 && representation == 0) {
      throw new DicomException(UNSUPPORTED_IMAGE, "Unsigned 32-bit samples unsupported");
    }
    if (representation != 0 && representation != 1) {
      throw new DicomException(MALFORMED, "Pixel Representation " + representation);
    }
    if (planar != 0 && planar != 1) {
      throw new DicomException(MALFORMED, "Planar Configuration " + planar);
    }
    boolean greyscale = GREYSCALE.contains(photometric);
    if (!(samples == 1 && greyscale) && !(samples == 3 && COLOUR.contains(photometric))) {
      throw new DicomException(
          UNSUPPORTED_IMAGE, photometric + " with " + samples + " samples per pixel unsupported");
    }
    long count = (long) rows * columns * samples * frames;
    if (count > limits.maxPixels()) {
      throw new DicomException(
          LIMIT_EXCEEDED,
          "Image of "
              + rows
              + " × "
              + columns
              + " × "
              + samples
              + " samples × "
              + frames
              + " frames exceeds "
              + limits.maxPixels()
              + " samples");
    }
    return new PixelFormat(
        rows,
        columns,
        samples,
        allocated,
        stored,
        highBit,
        representation == 1,
        photometric,
        planar,
        frames);
  }

  /** Samples in one frame. */
  public int samplesPerFrame() {
    return rows * columns * samplesPerPixel;
  }

  /** Bytes one frame occupies in native (uncompressed) encoding. */
  public int nativeFrameBytes() {
    return samplesPerFrame() * (bitsAllocated / 8);
  }

  public boolean isGreyscale() {
    return GREYSCALE.contains(photometric);
  }

  /** Smallest value a sample can hold. */
  public int minValue() {
    return signed ? -(1 << (bitsStored - 1)) : 0;
  }

  /** Largest value a sample can hold. */
  public int maxValue() {
    return signed ? (1 << (bitsStored - 1)) - 1 : (int) ((1L << bitsStored) - 1);
  }

  /** Refuses a codestream whose own size differs from Rows and Columns, before it is decoded. */
  void checkCodestreamSize(String codec, long width, long height) throws DicomException {
    if (width != columns || height != rows) {
      throw new DicomException(
          MALFORMED,
          codec
              + " frame is "
              + width
              + " × "
              + height
              + ", the dataset says "
              + columns
              + " × "
              + rows);
    }
  }

  /**
   * The layout of {@code frameCount} decoded frames: samples interleaved (planar configuration 0)
   * and colour as RGB, as {@link DicomImage} holds them.
   */
  PixelFormat decoded(int frameCount) {
    return new PixelFormat(
        rows,
        columns,
        samplesPerPixel,
        bitsAllocated,
        bitsStored,
        highBit,
        signed,
        samplesPerPixel == 3 ? "RGB" : photometric,
        0,
        frameCount);
  }

  private static int required(DicomDataset dataset, int tag, String name) throws DicomException {
    return dataset
        .getInt(tag)
        .orElseThrow(() -> new DicomException(MALFORMED, "No " + name + " " + Tags.format(tag)));
  }
}
