package org.lumbarcds.model.dicom;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The data elements of a dataset or a sequence item, read by tag. Values keep the byte order they
 * were encoded in; text is decoded with the Specific Character Set (0008,0005) in force.
 */
public final class DicomDataset {

  private final Map<Integer, DicomElement> elements = new TreeMap<>(Integer::compareUnsigned);
  private final ByteOrder byteOrder;
  private Charset charset;

  DicomDataset(ByteOrder byteOrder, Charset charset) {
    this.byteOrder = byteOrder;
    this.charset = charset;
  }

  void put(DicomElement element) {
    elements.put(element.tag(), element);
    if (element.tag() == Tags.SPECIFIC_CHARACTER_SET) {
      charset = CharacterSets.forTerms(asciiValue(element.value()));
    }
  }

  Charset charset() {
    return charset;
  }

  /** For datasets built from text that is already Unicode (DICOM JSON): decode as UTF-8. */
  void useCharset(Charset value) {
    charset = value;
  }

  ByteOrder byteOrder() {
    return byteOrder;
  }

  /** All elements in ascending tag order. */
  public Map<Integer, DicomElement> elements() {
    return Collections.unmodifiableMap(elements);
  }

  public Optional<DicomElement> get(int tag) {
    return Optional.ofNullable(elements.get(tag));
  }

  public boolean contains(int tag) {
    return elements.containsKey(tag);
  }

  /** All values of a text element, split at backslashes, trailing padding removed. */
  public List<String> getStrings(int tag) {
    DicomElement element = elements.get(tag);
    if (element == null || element.value().length == 0) {
      return List.of();
    }
    Charset decode =
        element.vr().usesSpecificCharacterSet() || element.vr() == Vr.UN
            ? charset
            : StandardCharsets.ISO_8859_1;
    String text = new String(element.value(), decode);
    if (element.vr() == Vr.LT
        || element.vr() == Vr.ST
        || element.vr() == Vr.UT
        || element.vr() == Vr.UR) {
      // single-valued; leading spaces are significant (PS3.5 6.2)
      return List.of(stripTrailing(text));
    }
    return Arrays.stream(text.split("\\\\", -1)).map(DicomDataset::stripPadding).toList();
  }

  /** The first value of a text element. */
  public Optional<String> getString(int tag) {
    List<String> values = getStrings(tag);
    return values.isEmpty() || values.get(0).isEmpty()
        ? Optional.empty()
        : Optional.of(values.get(0));
  }

  /**
   * The first value of a binary integer (US, SS, UL, SL) or integer string (IS) element.
   *
   * @throws DicomException when an integer string is not a number
   */
  public OptionalInt getInt(int tag) throws DicomException {
    int[] values = getInts(tag);
    return values.length == 0 ? OptionalInt.empty() : OptionalInt.of(values[0]);
  }

  /**
   * All values of a binary integer (US, SS, UL, SL) or integer string (IS) element; US and UL
   * values beyond {@code int} are refused.
   */
  public int[] getInts(int tag) throws DicomException {
    DicomElement element = elements.get(tag);
    if (element == null) {
      return new int[0];
    }
    ByteBuffer buffer = ByteBuffer.wrap(element.value()).order(byteOrder);
    return switch (element.vr()) {
      case US -> {
        int[] values = new int[buffer.remaining() / 2];
        Arrays.setAll(values, i -> buffer.getShort() & 0xffff);
        yield values;
      }
      case SS -> {
        int[] values = new int[buffer.remaining() / 2];
        Arrays.setAll(values, i -> buffer.getShort());
        yield values;
      }
      case UL, SL -> {
        int[] values = new int[buffer.remaining() / 4];
        for (int i = 0; i < values.length; i++) {
          values[i] = buffer.getInt();
          if (element.vr() == Vr.UL && values[i] < 0) {
            throw malformedNumber(tag, Integer.toUnsignedString(values[i]));
          }
        }
        yield values;
      }
      case IS -> {
        List<String> text = getStrings(tag).stream().filter(v -> !v.isEmpty()).toList();
        int[] values = new int[text.size()];
        for (int i = 0; i < values.length; i++) {
          try {
            values[i] = Integer.parseInt(text.get(i));
          } catch (NumberFormatException e) {
            throw malformedNumber(tag, text.get(i));
          }
        }
        yield values;
      }
      default -> new int[0];
    };
  }

  /**
   * The first value of a decimal string (DS), integer string (IS) or binary float (FL, FD) element.
   *
   * @throws DicomException when a string is not a finite number
   */
  public OptionalDouble getDouble(int tag) throws DicomException {
    double[] values = getDoubles(tag);
    return values.length == 0 ? OptionalDouble.empty() : OptionalDouble.of(values[0]);
  }

  /** All values of a decimal string (DS), integer string (IS) or binary float (FL, FD) element. */
  public double[] getDoubles(int tag) throws DicomException {
    DicomElement element = elements.get(tag);
    if (element == null) {
      return new double[0];
    }
    ByteBuffer buffer = ByteBuffer.wrap(element.value()).order(byteOrder);
    return switch (element.vr()) {
      case FL -> {
        double[] values = new double[buffer.remaining() / 4];
        Arrays.setAll(values, i -> buffer.getFloat());
        yield values;
      }
      case FD -> {
        double[] values = new double[buffer.remaining() / 8];
        Arrays.setAll(values, i -> buffer.getDouble());
        yield values;
      }
      case DS, IS -> {
        List<String> text = getStrings(tag).stream().filter(v -> !v.isEmpty()).toList();
        double[] values = new double[text.size()];
        for (int i = 0; i < values.length; i++) {
          try {
            values[i] = Double.parseDouble(text.get(i));
          } catch (NumberFormatException e) {
            throw malformedNumber(tag, text.get(i));
          }
          if (!Double.isFinite(values[i])) {
            throw malformedNumber(tag, text.get(i));
          }
        }
        yield values;
      }
      default -> new double[0];
    };
  }

  private static DicomException malformedNumber(int tag, String text) {
    String shown = text.length() > 20 ? text.substring(0, 20) + "..." : text;
    return new DicomException(
        DicomException.Reason.MALFORMED, Tags.format(tag) + " is not a valid number: " + shown);
  }

  /** The items of a sequence element; empty when absent. */
  public List<DicomDataset> getSequence(int tag) {
    DicomElement element = elements.get(tag);
    return element == null ? List.of() : element.items();
  }

  private static String stripTrailing(String value) {
    int end = value.length();
    while (end > 0 && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\0')) {
      end--;
    }
    return value.substring(0, end);
  }

  private static String stripPadding(String value) {
    String trimmed = stripTrailing(value);
    int start = 0;
    while (start < trimmed.length() && trimmed.charAt(start) == ' ') {
      start++;
    }
    return trimmed.substring(start);
  }

  private static String asciiValue(byte[] value) {
    return new String(value, StandardCharsets.US_ASCII);
  }
}
