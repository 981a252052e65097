package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomJsonModel.MAX_NUMBER_TEXT;
import static org.lumbarcds.model.dicom.DicomJsonModel.NAME_GROUPS;
import static org.lumbarcds.model.dicom.DicomJsonModel.encapsulated;
import static org.lumbarcds.model.dicom.DicomJsonModel.key;
import static org.lumbarcds.model.dicom.DicomJsonModel.malformed;
import static org.lumbarcds.model.dicom.DicomJsonModel.shown;
import static org.lumbarcds.model.dicom.DicomJsonModel.size;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Optional;

/**
 * Writes a dataset as the DICOM JSON Model (PS3.18 Annex F.2), as pydicom does: keys are tags as 8
 * uppercase hex digits in ascending order; text is as {@link DicomDataset#getStrings} decodes it;
 * IS and DS become JSON numbers keeping their decimal text; binary values and encapsulated pixel
 * data (item tags, lengths and fragments, without the sequence delimiter, as pydicom writes them)
 * are inline base64 in little endian byte order, or a BulkDataURI where {@link BulkData} gives one.
 * Empty elements have no "Value"; empty values of a multi-valued element are {@code null}. Group
 * lengths and file meta (group 0002) are left out. {@link DicomJsonReader} reads it back.
 * Thread-safe.
 */
public final class DicomJsonWriter {

  /** Decides which binary elements are written as a BulkDataURI rather than inline. */
  @FunctionalInterface
  public interface BulkData {

    /** Every binary value inline. */
    BulkData INLINE = (tag, element) -> Optional.empty();

    /**
     * The URI to write for a non-empty OB, OD, OF, OL, OV, OW or UN element (or encapsulated pixel
     * data) in place of its value; empty to write the value inline.
     */
    Optional<String> uri(int tag, DicomElement element);
  }

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private DicomJsonWriter() {}

  /** The dataset as a DICOM JSON object, every binary value inline. */
  public static ObjectNode write(DicomDataset dataset) throws DicomException {
    return write(dataset, BulkData.INLINE);
  }

  /**
   * The dataset as a DICOM JSON object.
   *
   * @throws DicomException when an IS or DS value is not a number, a PN has more than three
   *     component groups, or a binary value's length does not fit its VR
   */
  public static ObjectNode write(DicomDataset dataset, BulkData bulkData) throws DicomException {
    ObjectNode out = NODES.objectNode();
    for (DicomElement element : dataset.elements().values()) {
      int tag = element.tag();
      if ((tag & 0xffff) == 0 || (tag >>> 16) == 0x0002) {
        continue; // group length, file meta
      }
      ObjectNode json = out.putObject(key(tag));
      json.put("vr", element.vr().name());
      writeValue(json, dataset, element, bulkData);
    }
    return out;
  }

  private static void writeValue(
      ObjectNode json, DicomDataset dataset, DicomElement element, BulkData bulk)
      throws DicomException {
    int tag = element.tag();
    Vr vr = element.vr();
    if (element.isEncapsulated() || vr.isBinary()) {
      if (element.isEncapsulated() || element.value().length > 0) {
        Optional<String> uri = bulk.uri(tag, element);
        if (uri.isPresent()) {
          json.put("BulkDataURI", uri.get());
        } else {
          byte[] bytes =
              element.isEncapsulated()
                  ? encapsulated(element)
                  : littleEndian(element.value(), vr, dataset.byteOrder());
          json.put("InlineBinary", Base64.getEncoder().encodeToString(bytes));
        }
      }
      return;
    }
    ArrayNode values = NODES.arrayNode();
    switch (vr) {
      case SQ -> {
        for (DicomDataset item : element.items()) {
          values.add(write(item, bulk));
        }
      }
      case AT, US, SS, UL, SL, FL, FD, SV, UV -> binaryNumbers(values, dataset, element);
      default -> {
        for (String text : dataset.getStrings(tag)) {
          values.add(
              text.isEmpty()
                  ? NODES.nullNode()
                  : switch (vr) {
                    case PN -> personName(tag, text);
                    case IS, DS -> number(tag, vr, text);
                    default -> TextNode.valueOf(text);
                  });
        }
      }
    }
    // A value that is only padding is as empty as no value at all.
    if (!values.isEmpty() && !(values.size() == 1 && values.get(0).isNull())) {
      json.set("Value", values);
    }
  }

  private static JsonNode personName(int tag, String name) throws DicomException {
    String[] groups = name.split("=", -1);
    if (groups.length > 3) {
      throw malformed(tag, "has a person name with more than three component groups");
    }
    ObjectNode json = NODES.objectNode();
    for (int i = 0; i < groups.length; i++) {
      if (!groups[i].isEmpty()) {
        json.put(NAME_GROUPS.get(i), groups[i]);
      }
    }
    return json.isEmpty() ? NODES.nullNode() : json;
  }

  /** An IS or DS value as a JSON number with the same decimal digits. */
  private static JsonNode number(int tag, Vr vr, String text) throws DicomException {
    if (text.length() > MAX_NUMBER_TEXT) {
      throw malformed(tag, "has a " + vr + " value of " + text.length() + " characters");
    }
    try {
      if (vr == Vr.IS) {
        BigInteger value = new BigInteger(text);
        return value.bitLength() < 32
            ? IntNode.valueOf(value.intValue())
            : value.bitLength() < 64
                ? LongNode.valueOf(value.longValue())
                : BigIntegerNode.valueOf(value);
      }
      BigDecimal value = new BigDecimal(text);
      if (!Double.isFinite(value.doubleValue())) {
        throw notANumber(tag, text);
      }
      return DecimalNode.valueOf(value);
    } catch (NumberFormatException e) {
      throw notANumber(tag, text);
    }
  }

  private static void binaryNumbers(ArrayNode values, DicomDataset dataset, DicomElement element)
      throws DicomException {
    Vr vr = element.vr();
    int tag = element.tag();
    byte[] value = element.value();
    if (value.length % size(vr) != 0) {
      throw malformed(
          tag, "has " + value.length + " bytes, not a multiple of " + size(vr) + " for " + vr);
    }
    switch (vr) {
      case US, SS, SL -> {
        for (int v : dataset.getInts(tag)) {
          values.add(v);
        }
      }
      case FL, FD -> {
        for (double v : dataset.getDoubles(tag)) {
          values.add(floating(v));
        }
      }
      default -> {
        ByteBuffer buffer = ByteBuffer.wrap(value).order(dataset.byteOrder());
        while (buffer.hasRemaining()) {
          switch (vr) {
            case AT ->
                values.add(key((buffer.getShort() & 0xffff) << 16 | buffer.getShort() & 0xffff));
            case UL -> values.add(buffer.getInt() & 0xffffffffL);
            case SV -> values.add(buffer.getLong());
            default -> {
              long unsigned = buffer.getLong();
              values.add(
                  unsigned >= 0
                      ? LongNode.valueOf(unsigned)
                      : BigIntegerNode.valueOf(new BigInteger(Long.toUnsignedString(unsigned))));
            }
          }
        }
      }
    }
  }

  /** JSON has no NaN or infinities: they are written as the strings Java and JavaScript use. */
  private static JsonNode floating(double value) {
    return Double.isFinite(value) ? DoubleNode.valueOf(value) : TextNode.valueOf("" + value);
  }

  /** Words of OW, OF, OL, OD and OV in little endian order; OB and UN are bytes as they are. */
  private static byte[] littleEndian(byte[] value, Vr vr, ByteOrder order) {
    int size = size(vr);
    if (size == 1 || order == ByteOrder.LITTLE_ENDIAN) {
      return value;
    }
    byte[] swapped = new byte[value.length];
    int whole = value.length - value.length % size;
    for (int i = 0; i < whole; i += size) {
      for (int j = 0; j < size; j++) {
        swapped[i + j] = value[i + size - 1 - j];
      }
    }
    System.arraycopy(value, whole, swapped, whole, value.length - whole);
    return swapped;
  }

  private static DicomException notANumber(int tag, String text) {
    return malformed(tag, "is not a valid number: " + shown(text));
  }
}
