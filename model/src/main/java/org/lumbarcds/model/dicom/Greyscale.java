package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomException.Reason.MALFORMED;
import static org.lumbarcds.model.dicom.DicomException.Reason.UNSUPPORTED_IMAGE;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * The greyscale pipeline of PS3.4 N.2 for one frame of a radiograph: stored values → modality LUT
 * or rescale (0028,1052/1053) → VOI window (0028,1050/1051/1056) or VOI LUT → polarity
 * (MONOCHROME1, Presentation LUT Shape) → {@link GreyImage} values in [0, 1].
 *
 * <p>When the bits stored are 16 or fewer, the whole pipeline is folded into one table indexed by
 * stored value, so rendering costs one lookup per pixel.
 */
public final class Greyscale {

  /** Which VOI transformation to apply. */
  public sealed interface Voi {

    /**
     * The first valid window in the dataset, else its first VOI LUT, else the frame's full range;
     * what a viewer shows by default.
     */
    static Voi auto() {
      return new Auto();
    }

    /** The window at {@code index} of Window Center / Width (0-based). */
    static Voi window(int index) {
      return new Window(index);
    }

    /** The VOI LUT at {@code index} of the VOI LUT Sequence (0-based). */
    static Voi lut(int index) {
      return new Lut(index);
    }

    /** A window chosen by the caller; function LINEAR, LINEAR_EXACT or SIGMOID. */
    static Voi explicit(double center, double width, String function) {
      return new Explicit(center, width, function);
    }

    /** The frame's minimum to maximum modality value. */
    static Voi fullRange() {
      return new FullRange();
    }

    /** See {@link #auto()}. */
    record Auto() implements Voi {}

    /** See {@link #window(int)}. */
    record Window(int index) implements Voi {}

    /** See {@link #lut(int)}. */
    record Lut(int index) implements Voi {}

    /** See {@link #explicit(double, double, String)}. */
    record Explicit(double center, double width, String function) implements Voi {}

    /** See {@link #fullRange()}. */
    record FullRange() implements Voi {}
  }

  private Greyscale() {}

  /**
   * Renders one frame (0-based) of a decoded greyscale image with the dataset's modality, VOI and
   * presentation attributes.
   *
   * @throws DicomException UNSUPPORTED_IMAGE for colour images; MALFORMED for LUTs, windows or
   *     rescale values that cannot be applied
   * @throws IllegalArgumentException for a window or LUT index the dataset does not have
   */
  public static GreyImage render(DicomImage image, DicomDataset dataset, int frame, Voi voi)
      throws DicomException {
    PixelFormat format = image.format();
    if (!format.isGreyscale()) {
      throw new DicomException(
          UNSUPPORTED_IMAGE, format.photometric() + " is not a greyscale image");
    }
    int[] stored = image.frames().get(frame);
    Modality modality = Modality.of(dataset, format);
    Stage stage = voiStage(dataset, modality, stored, voi);
    boolean inverted =
        dataset
            .getString(Tags.PRESENTATION_LUT_SHAPE)
            .map(shape -> shape.equals("INVERSE"))
            .orElse(format.photometric().equals("MONOCHROME1"));

    float[] out = new float[stored.length];
    if (format.bitsStored() <= 16) {
      int min = format.minValue();
      float[] table = new float[format.maxValue() - min + 1];
      for (int i = 0; i < table.length; i++) {
        table[i] = output(stage, modality.apply(min + i), inverted);
      }
      for (int i = 0; i < stored.length; i++) {
        out[i] = table[stored[i] - min];
      }
    } else {
      for (int i = 0; i < stored.length; i++) {
        out[i] = output(stage, modality.apply(stored[i]), inverted);
      }
    }
    String intent = dataset.getString(Tags.PRESENTATION_INTENT_TYPE).orElse("");
    return new GreyImage(
        format.rows(), format.columns(), out, stage.description(), inverted, intent);
  }

  private static float output(Stage stage, double value, boolean inverted) {
    double y = Math.max(0, Math.min(1, stage.apply(value)));
    return (float) (inverted ? 1 - y : y);
  }

  /**
   * A value-of-interest transformation onto [0, 1], and what it is in words.
   *
   * @param function modality value to [0, 1]
   * @param description for {@link GreyImage#voi()}
   */
  private record Stage(DoubleUnaryOperator function, String description) {
    double apply(double modalityValue) {
      return function.applyAsDouble(modalityValue);
    }
  }

  private static Stage voiStage(DicomDataset dataset, Modality modality, int[] stored, Voi voi)
      throws DicomException {
    double[] centers = dataset.getDoubles(Tags.WINDOW_CENTER);
    double[] widths = dataset.getDoubles(Tags.WINDOW_WIDTH);
    int windows = Math.min(centers.length, widths.length);
    String function =
        dataset
            .getString(Tags.VOI_LUT_FUNCTION)
            .map(f -> f.toUpperCase(Locale.ROOT))
            .orElse("LINEAR");
    List<DicomDataset> luts = dataset.getSequence(Tags.VOI_LUT_SEQUENCE);
    if (voi instanceof Voi.Window w) {
      if (w.index() < 0 || w.index() >= windows) {
        throw new IllegalArgumentException(
            "Window " + w.index() + " requested, the dataset has " + windows);
      }
      return window(centers[w.index()], widths[w.index()], function);
    }
    if (voi instanceof Voi.Lut l) {
      if (l.index() < 0 || l.index() >= luts.size()) {
        throw new IllegalArgumentException(
            "VOI LUT " + l.index() + " requested, the dataset has " + luts.size());
      }
      return voiLut(luts.get(l.index()), l.index(), modality);
    }
    if (voi instanceof Voi.Explicit e) {
      return window(e.center(), e.width(), e.function());
    }
    if (voi instanceof Voi.FullRange) {
      return fullRange(modality, stored);
    }
    for (int i = 0; i < windows; i++) {
      if (validWidth(widths[i], function)) {
        return window(centers[i], widths[i], function);
      }
    }
    return luts.isEmpty() ? fullRange(modality, stored) : voiLut(luts.get(0), 0, modality);
  }

  private static boolean validWidth(double width, String function) {
    return function.equals("LINEAR") ? width >= 1 : width > 0;
  }

  /** PS3.3 C.11.2.1.2 (LINEAR), C.11.2.1.3.2 (LINEAR_EXACT) and C.11.2.1.3.1 (SIGMOID). */
  private static Stage window(double center, double width, String requested) throws DicomException {
    String function = requested.strip().toUpperCase(Locale.ROOT);
    if (!validWidth(width, function)) {
      throw new DicomException(MALFORMED, "Window width " + width + " invalid for " + function);
    }
    String description = "window " + center + "/" + width + " " + function;
    DoubleUnaryOperator curve =
        switch (function) {
          case "LINEAR" -> {
            double low = center - 0.5 - (width - 1) / 2;
            double high = center - 0.5 + (width - 1) / 2;
            yield x -> x <= low ? 0 : x > high ? 1 : (x - (center - 0.5)) / (width - 1) + 0.5;
          }
          case "LINEAR_EXACT" ->
              x ->
                  x <= center - width / 2
                      ? 0
                      : x > center + width / 2 ? 1 : (x - center) / width + 0.5;
          case "SIGMOID" -> x -> 1 / (1 + Math.exp(-4 * (x - center) / width));
          default ->
              throw new DicomException(MALFORMED, "VOI LUT Function " + function + " unknown");
        };
    return new Stage(curve, description);
  }

  private static Stage voiLut(DicomDataset item, int index, Modality modality)
      throws DicomException {
    // A VOI LUT's input is the modality value; its first-mapped value is signed when they can be.
    Lut lut = Lut.of(item, modality.canBeNegative(), "VOI LUT " + index);
    double max = (1L << lut.bits) - 1;
    return new Stage(x -> lut.apply(x) / max, "VOI LUT " + index + lut.explanation);
  }

  private static Stage fullRange(Modality modality, int[] stored) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int value : stored) {
      double y = modality.apply(value);
      min = Math.min(min, y);
      max = Math.max(max, y);
    }
    double low = min;
    double range = max - min;
    return new Stage(x -> range > 0 ? (x - low) / range : 0, "full range " + min + " to " + max);
  }

  /** Stored value → modality value: the first Modality LUT, else rescale slope and intercept. */
  private record Modality(Lut lut, double slope, double intercept, boolean signedInput) {

    static Modality of(DicomDataset dataset, PixelFormat format) throws DicomException {
      List<DicomDataset> luts = dataset.getSequence(Tags.MODALITY_LUT_SEQUENCE);
      if (!luts.isEmpty()) {
        return new Modality(
            Lut.of(luts.get(0), format.signed(), "Modality LUT"), 1, 0, format.signed());
      }
      double slope = dataset.getDouble(Tags.RESCALE_SLOPE).orElse(1);
      double intercept = dataset.getDouble(Tags.RESCALE_INTERCEPT).orElse(0);
      if (slope == 0) {
        throw new DicomException(MALFORMED, "Rescale Slope is 0");
      }
      return new Modality(null, slope, intercept, format.signed());
    }

    double apply(int stored) {
      return lut != null ? lut.apply(stored) : stored * slope + intercept;
    }

    boolean canBeNegative() {
      return lut == null && (signedInput || intercept < 0 || slope < 0);
    }
  }

  /**
   * A LUT (PS3.3 C.11.1.1): descriptor = entries (0 meaning 65536), first value mapped, bits per
   * entry; inputs below or above the mapped range take the first or last entry.
   */
  private record Lut(int first, int[] entries, int bits, String explanation) {

    static Lut of(DicomDataset item, boolean signedFirst, String name) throws DicomException {
      DicomElement descriptorElement =
          item.get(Tags.LUT_DESCRIPTOR)
              .orElseThrow(() -> new DicomException(MALFORMED, name + " has no LUT Descriptor"));
      if (descriptorElement.value().length != 6) {
        throw new DicomException(MALFORMED, name + " descriptor is not three 16-bit values");
      }
      ByteBuffer descriptor = ByteBuffer.wrap(descriptorElement.value()).order(item.byteOrder());
      int count = descriptor.getShort() & 0xffff;
      int first = signedFirst ? descriptor.getShort() : descriptor.getShort() & 0xffff;
      int bits = descriptor.getShort() & 0xffff;
      if (count == 0) {
        count = 65536;
      }
      if (bits < 1 || bits > 16) {
        throw new DicomException(MALFORMED, name + " has " + bits + " bits per entry");
      }
      byte[] data = item.get(Tags.LUT_DATA).map(DicomElement::value).orElse(new byte[0]);
      int[] entries = new int[count];
      if (data.length == 2 * count) {
        ByteBuffer words = ByteBuffer.wrap(data).order(item.byteOrder());
        for (int i = 0; i < count; i++) {
          entries[i] = words.getShort() & 0xffff & (int) ((1L << bits) - 1);
        }
      } else if (bits <= 8 && (data.length == count || data.length == count + 1)) {
        for (int i = 0; i < count; i++) {
          entries[i] = data[i] & 0xff; // 8-bit entries packed two to a word
        }
      } else {
        throw new DicomException(
            MALFORMED, name + " holds " + data.length + " bytes for " + count + " entries");
      }
      String explanation = item.getString(Tags.LUT_EXPLANATION).map(e -> " (" + e + ")").orElse("");
      return new Lut(first, entries, bits, explanation);
    }

    double apply(double value) {
      double index = Math.floor(value) - first;
      int i = index <= 0 ? 0 : index >= entries.length - 1 ? entries.length - 1 : (int) index;
      return entries[i];
    }
  }
}
