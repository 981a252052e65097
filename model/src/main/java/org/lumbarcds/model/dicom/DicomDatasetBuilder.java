package org.lumbarcds.model.dicom;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A dataset made in memory rather than read from a file, for answers written as DICOM JSON with
 * {@link DicomJsonWriter} (a STOW-RS response, QIDO-RS matches). Little endian; text is UTF-8 where
 * the VR takes the Specific Character Set, ISO 8859-1 elsewhere, as {@link DicomDataset#getStrings}
 * decodes it. An element added again replaces the earlier one.
 */
public final class DicomDatasetBuilder {

  private final DicomDataset dataset =
      new DicomDataset(ByteOrder.LITTLE_ENDIAN, StandardCharsets.UTF_8);

  /**
   * A text element (any text VR: PN, IS and DS included) with the values given in order; null
   * values are left out, and none leaves the element empty. A value must not hold a backslash, the
   * separator of values.
   */
  public DicomDatasetBuilder text(int tag, Vr vr, String... values) {
    if (!vr.isText()) {
      throw new IllegalArgumentException(vr + " is not a text VR");
    }
    List<String> present = Arrays.stream(values).filter(Objects::nonNull).toList();
    if (present.stream().anyMatch(v -> v.indexOf('\\') >= 0)) {
      throw new IllegalArgumentException(Tags.format(tag) + " value holds a backslash");
    }
    Charset charset =
        vr.usesSpecificCharacterSet() ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
    return put(
        new DicomElement(
            tag, vr, String.join("\\", present).getBytes(charset), List.of(), List.of()));
  }

  /** An integer string (IS) element with one value. */
  public DicomDatasetBuilder integerString(int tag, long value) {
    return text(tag, Vr.IS, Long.toString(value));
  }

  /** An unsigned short (US) element with one value. */
  public DicomDatasetBuilder unsignedShort(int tag, int value) {
    if (value < 0 || value > 0xffff) {
      throw new IllegalArgumentException(value + " is not an unsigned short");
    }
    byte[] bytes =
        ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) value).array();
    return put(new DicomElement(tag, Vr.US, bytes, List.of(), List.of()));
  }

  /** A sequence element of these items, in order; none makes an empty sequence. */
  public DicomDatasetBuilder sequence(int tag, List<DicomDataset> items) {
    return put(new DicomElement(tag, Vr.SQ, new byte[0], List.copyOf(items), List.of()));
  }

  /** The dataset as built so far; later additions to this builder do not change it. */
  public DicomDataset build() {
    DicomDataset built = new DicomDataset(ByteOrder.LITTLE_ENDIAN, StandardCharsets.UTF_8);
    dataset.elements().values().forEach(built::put);
    built.useCharset(StandardCharsets.UTF_8); // after put, which follows (0008,0005)
    return built;
  }

  private DicomDatasetBuilder put(DicomElement element) {
    if ((element.tag() >>> 16) == 0xFFFE) {
      throw new IllegalArgumentException(Tags.format(element.tag()) + " is not a data element");
    }
    dataset.put(element);
    return this;
  }
}
