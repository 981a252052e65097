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
    if (element.vr() == Vr.LT || element.vr() == Vr.ST || element.vr() == Vr.UT) {
      return List.of(stripPadding(text));
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

  /** The first value of a binary integer (US, SS, UL, SL) or integer string (IS) element. */
  public OptionalInt getInt(int tag) {
    DicomElement element = elements.get(tag);
    if (element == null) {
      return OptionalInt.empty();
    }
    ByteBuffer buffer = ByteBuffer.wrap(element.value()).order(byteOrder);
    return switch (element.vr()) {
      case US ->
          buffer.remaining() >= 2
              ? OptionalInt.of(buffer.getShort() & 0xffff)
              : OptionalInt.empty();
      case SS -> buffer.remaining() >= 2 ? OptionalInt.of(buffer.getShort()) : OptionalInt.empty();
      case UL, SL ->
          buffer.remaining() >= 4 ? OptionalInt.of(buffer.getInt()) : OptionalInt.empty();
      case IS ->
          getString(tag)
              .map(s -> OptionalInt.of(Integer.parseInt(s.strip())))
              .orElse(OptionalInt.empty());
      default -> OptionalInt.empty();
    };
  }

  /** The first value of a decimal string (DS) or binary float (FL, FD) element. */
  public OptionalDouble getDouble(int tag) {
    DicomElement element = elements.get(tag);
    if (element == null) {
      return OptionalDouble.empty();
    }
    ByteBuffer buffer = ByteBuffer.wrap(element.value()).order(byteOrder);
    return switch (element.vr()) {
      case FL ->
          buffer.remaining() >= 4 ? OptionalDouble.of(buffer.getFloat()) : OptionalDouble.empty();
      case FD ->
          buffer.remaining() >= 8 ? OptionalDouble.of(buffer.getDouble()) : OptionalDouble.empty();
      case DS, IS ->
          getString(tag)
              .map(s -> OptionalDouble.of(Double.parseDouble(s.strip())))
              .orElse(OptionalDouble.empty());
      default -> OptionalDouble.empty();
    };
  }

  /** The items of a sequence element; empty when absent. */
  public List<DicomDataset> getSequence(int tag) {
    DicomElement element = elements.get(tag);
    return element == null ? List.of() : element.items();
  }

  private static String stripPadding(String value) {
    int end = value.length();
    while (end > 0 && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\0')) {
      end--;
    }
    int start = 0;
    while (start < end && value.charAt(start) == ' ') {
      start++;
    }
    return value.substring(start, end);
  }

  private static String asciiValue(byte[] value) {
    return new String(value, StandardCharsets.US_ASCII);
  }
}
