package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomException.Reason.LIMIT_EXCEEDED;
import static org.lumbarcds.model.dicom.DicomException.Reason.MALFORMED;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The DICOM JSON Model (PS3.18 Annex F.2): a dataset to a JSON object and back.
 *
 * <p>Writing follows F.2 and pydicom: keys are tags as 8 uppercase hex digits in ascending order;
 * text is as {@link DicomDataset#getStrings} decodes it; IS and DS become JSON numbers keeping
 * their decimal text; binary values and encapsulated pixel data (item tags, lengths and fragments,
 * without the sequence delimiter, as pydicom writes them) are inline base64 in little endian byte
 * order, or a BulkDataURI where {@link BulkData} gives one. Empty elements have no "Value"; empty
 * values of a multi-valued element are {@code null}. Group lengths and file meta (group 0002) are
 * left out.
 *
 * <p>Reading builds a little endian dataset whose text is UTF-8, since JSON text is Unicode; a
 * (0008,0005) Specific Character Set is kept as the JSON gives it. IS values become integer text,
 * DS values the shortest text that parses to the same double (a {@code DecimalNode}'s own digits
 * when they fit 16 characters), PN objects "Alphabetic=Ideographic=Phonetic". InlineBinary Pixel
 * Data (OB) that parses as an encapsulated stream becomes fragments again. BulkDataURI elements are
 * empty; {@link #parse} returns their URIs. Input that is not valid DICOM JSON, or nests sequences
 * deeper than {@link DicomLimits#DEFAULT}, ends in a {@link DicomException} ({@link
 * DicomException.Reason#MALFORMED}). Thread-safe.
 */
public final class DicomJson {

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

  /**
   * A dataset read from DICOM JSON, with the BulkDataURI of each element that had one (those
   * elements are in the dataset with an empty value).
   *
   * @param dataset the elements read, little endian, text UTF-8
   * @param bulkDataUris URI by element path: the key ("7FE00010") at the top level, and for an
   *     element in a sequence item the sequence's path, the item's index from 0 and its key, joined
   *     by slashes ("00880200/0/7FE00010")
   */
  public record Parsed(DicomDataset dataset, Map<String, String> bulkDataUris) {}

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Set<String> ELEMENT_KEYS =
      Set.of("vr", "Value", "InlineBinary", "BulkDataURI");
  private static final List<String> NAME_GROUPS = List.of("Alphabetic", "Ideographic", "Phonetic");

  /** Longest IS or DS value accepted: far beyond the 12 and 16 characters the VRs allow. */
  private static final int MAX_NUMBER_TEXT = 256;

  /** Longest DS text written when reading; longer JSON numbers are shortened to round-trip. */
  private static final int DS_LENGTH = 16;

  /**
   * Base64 of the largest file DicomReader accepts fits one string and the document; the token
   * count bounds the tree (20 tokens for each element DicomReader accepts, values included).
   */
  private static final long MAX_JSON_CHARS = DicomLimits.DEFAULT.maxFileBytes() / 3 * 4 + (1 << 20);

  private static final ObjectMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxStringLength((int) Math.min(Integer.MAX_VALUE - 16, MAX_JSON_CHARS))
                          .maxDocumentLength(MAX_JSON_CHARS)
                          .maxTokenCount(20L * DicomLimits.DEFAULT.maxElements())
                          .build())
                  .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .build())
          .build();

  private DicomJson() {}

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

  /** Reads a DICOM JSON object; BulkDataURI elements are left empty (see {@link #parse}). */
  public static DicomDataset read(JsonNode json) throws DicomException {
    return parse(json).dataset();
  }

  /**
   * Reads a DICOM JSON object from a stream (UTF-8 JSON), and closes it. JSON that does not parse,
   * nests deeper than Jackson's default limit (1000) or is larger than base64 of the largest file
   * {@link DicomReader} accepts is {@link DicomException.Reason#MALFORMED}.
   *
   * @throws IOException when the stream cannot be read
   */
  public static DicomDataset read(InputStream in) throws IOException {
    JsonNode json;
    try {
      json = MAPPER.readTree(in);
    } catch (JsonProcessingException e) {
      throw new DicomException(MALFORMED, "Not valid JSON: " + e.getOriginalMessage());
    }
    return read(json);
  }

  /** Reads a DICOM JSON object, keeping the BulkDataURIs. */
  public static Parsed parse(JsonNode json) throws DicomException {
    Map<String, String> uris = new LinkedHashMap<>();
    DicomDataset dataset = readDataset(json, 0, "", uris);
    return new Parsed(dataset, Collections.unmodifiableMap(uris));
  }

  // ---------------------------------------------------------------- writing

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

  /** Item tag, 32-bit length and bytes of each fragment, little endian, as pydicom writes them. */
  private static byte[] encapsulated(DicomElement element) throws DicomException {
    long total = 0;
    for (byte[] fragment : element.fragments()) {
      total += 8L + fragment.length;
    }
    if (total > Integer.MAX_VALUE - 16) {
      throw new DicomException(LIMIT_EXCEEDED, "Encapsulated pixel data too large for JSON");
    }
    ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] fragment : element.fragments()) {
      out.putShort((short) 0xFFFE).putShort((short) 0xE000).putInt(fragment.length).put(fragment);
    }
    return out.array();
  }

  private static String key(int tag) {
    return String.format("%08X", tag);
  }

  /** Bytes in a value of a binary number VR, or in a word of OW, OF, OL, OD, OV; 1 otherwise. */
  private static int size(Vr vr) {
    return switch (vr) {
      case US, SS, OW -> 2;
      case AT, UL, SL, FL, OF, OL -> 4;
      case SV, UV, FD, OD, OV -> 8;
      default -> 1;
    };
  }

  // ---------------------------------------------------------------- reading

  private static DicomDataset readDataset(
      JsonNode json, int depth, String path, Map<String, String> uris) throws DicomException {
    if (json == null || !json.isObject()) {
      throw new DicomException(
          MALFORMED,
          "DICOM JSON " + (path.isEmpty() ? "dataset" : "item " + path) + " is not an object");
    }
    DicomDataset dataset = new DicomDataset(ByteOrder.LITTLE_ENDIAN, StandardCharsets.UTF_8);
    for (Map.Entry<String, JsonNode> field : json.properties()) {
      int tag = parseTag(field.getKey());
      if ((tag & 0xffff) == 0) {
        continue; // group lengths are not part of the model
      }
      if (dataset.contains(tag)) {
        throw malformed(tag, "appears twice");
      }
      dataset.put(readElement(tag, field.getValue(), depth, path + key(tag), uris));
    }
    dataset.useCharset(StandardCharsets.UTF_8); // after put, which sets (0008,0005)'s charset
    return dataset;
  }

  private static int parseTag(String key) throws DicomException {
    if (!isTagHex(key)) {
      throw new DicomException(
          MALFORMED, "DICOM JSON key is not a tag (8 hex digits): " + shown(key));
    }
    int tag = Integer.parseUnsignedInt(key, 16);
    if ((tag >>> 16) == 0xFFFE) {
      throw malformed(tag, "is an item or delimitation tag, not a data element");
    }
    return tag;
  }

  private static DicomElement readElement(
      int tag, JsonNode json, int depth, String path, Map<String, String> uris)
      throws DicomException {
    if (!json.isObject()) {
      throw malformed(tag, "is not a JSON object");
    }
    int valueKeys = 0;
    for (Map.Entry<String, JsonNode> field : json.properties()) {
      if (!ELEMENT_KEYS.contains(field.getKey())) {
        throw malformed(tag, "has an unknown key " + shown(field.getKey()));
      }
      if (!field.getKey().equals("vr")) {
        valueKeys++;
      }
    }
    if (valueKeys > 1) {
      throw malformed(tag, "has more than one of Value, InlineBinary and BulkDataURI");
    }
    Vr vr = parseVr(tag, json.get("vr"));
    JsonNode uri = json.get("BulkDataURI");
    if (uri != null) {
      if (!uri.isTextual() || vr == Vr.SQ) {
        throw malformed(tag, "has a BulkDataURI that is not a string, or is a sequence");
      }
      uris.put(path, uri.textValue());
      return element(tag, vr, new byte[0]);
    }
    JsonNode inline = json.get("InlineBinary");
    if (inline != null) {
      if (!vr.isBinary() || !inline.isTextual()) {
        throw malformed(tag, "has an InlineBinary that is not a string, or its VR is " + vr);
      }
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(inline.textValue());
      } catch (IllegalArgumentException e) {
        throw malformed(tag, "has invalid base64 in InlineBinary");
      }
      if (tag == Tags.PIXEL_DATA && vr == Vr.OB) {
        List<byte[]> fragments = fragments(bytes);
        if (fragments != null) {
          return new DicomElement(tag, vr, new byte[0], List.of(), fragments);
        }
      }
      return element(tag, vr, bytes);
    }
    JsonNode value = json.get("Value");
    if (value == null) {
      return vr == Vr.SQ
          ? new DicomElement(tag, vr, new byte[0], List.of(), List.of())
          : element(tag, vr, new byte[0]);
    }
    if (!value.isArray()) {
      throw malformed(tag, "has a Value that is not an array");
    }
    if (vr.isBinary()) {
      throw malformed(tag, "is " + vr + ", which needs InlineBinary or BulkDataURI, not Value");
    }
    if (vr == Vr.SQ) {
      if (depth + 1 > DicomLimits.DEFAULT.maxDepth()) {
        throw new DicomException(
            MALFORMED, "DICOM JSON sequences nested deeper than " + DicomLimits.DEFAULT.maxDepth());
      }
      List<DicomDataset> items = new ArrayList<>();
      for (int i = 0; i < value.size(); i++) {
        items.add(readDataset(value.get(i), depth + 1, path + "/" + i + "/", uris));
      }
      return new DicomElement(tag, vr, new byte[0], List.copyOf(items), List.of());
    }
    return element(tag, vr, encodeValues(tag, vr, value));
  }

  private static DicomElement element(int tag, Vr vr, byte[] value) {
    return new DicomElement(tag, vr, value, List.of(), List.of());
  }

  private static Vr parseVr(int tag, JsonNode vr) throws DicomException {
    if (vr == null || !vr.isTextual()) {
      throw malformed(tag, "has no vr string");
    }
    String name = vr.textValue();
    if (name.length() == 2) {
      Vr parsed = Vr.parse((byte) name.charAt(0), (byte) name.charAt(1));
      if (parsed != null && parsed.name().equals(name)) {
        return parsed;
      }
    }
    throw malformed(tag, "has an unknown VR " + shown(name));
  }

  private static byte[] encodeValues(int tag, Vr vr, JsonNode values) throws DicomException {
    return switch (vr) {
      case AT, US, SS, UL, SL, FL, FD, SV, UV -> encodeBinaryNumbers(tag, vr, values);
      default -> {
        if ((vr == Vr.LT || vr == Vr.ST || vr == Vr.UT || vr == Vr.UR) && values.size() > 1) {
          throw malformed(tag, "is " + vr + ", which has one value, but has " + values.size());
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode value : values) {
          String text = value.isNull() ? "" : text(tag, vr, value);
          if (values.size() > 1 && text.indexOf('\\') >= 0) {
            throw malformed(tag, "has a backslash in one of several values");
          }
          texts.add(text);
        }
        Charset charset =
            vr.usesSpecificCharacterSet() ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
        yield encode(tag, String.join("\\", texts), charset);
      }
    };
  }

  /** One non-null value of a text VR (PN, IS, DS included) as its DICOM text. */
  private static String text(int tag, Vr vr, JsonNode value) throws DicomException {
    return switch (vr) {
      case PN -> personNameText(tag, value);
      case IS -> integral(tag, value, MAX_NUMBER_TEXT).toString();
      case DS -> decimalText(tag, value);
      default -> {
        if (!value.isTextual()) {
          throw malformed(tag, "has a " + vr + " value that is not a string");
        }
        yield value.textValue();
      }
    };
  }

  private static String personNameText(int tag, JsonNode value) throws DicomException {
    if (!value.isObject()) {
      throw malformed(tag, "has a person name that is not an object");
    }
    String[] groups = {"", "", ""};
    for (Map.Entry<String, JsonNode> field : value.properties()) {
      if (!NAME_GROUPS.contains(field.getKey()) || !field.getValue().isTextual()) {
        throw malformed(tag, "has a person name with an unknown or non-string group");
      }
    }
    int last = 0;
    for (int i = 0; i < 3; i++) {
      JsonNode group = value.get(NAME_GROUPS.get(i));
      if (group != null) {
        groups[i] = group.textValue();
        if (groups[i].indexOf('=') >= 0 || groups[i].indexOf('\\') >= 0) {
          throw malformed(tag, "has '=' or '\\' in a person name group");
        }
        if (!groups[i].isEmpty()) {
          last = i;
        }
      }
    }
    return String.join("=", List.of(groups).subList(0, last + 1));
  }

  /** A DS value: a DecimalNode's own digits where they fit, else the shortest round-trip text. */
  private static String decimalText(int tag, JsonNode value) throws DicomException {
    if (!value.isNumber()) {
      throw malformed(tag, "has a DS value that is not a number");
    }
    double approximate = value.doubleValue();
    if (!Double.isFinite(approximate)) {
      throw malformed(tag, "has a DS value that is not a finite number");
    }
    String text;
    if (value.isFloat() || value.isDouble()) {
      text = shortest(approximate);
    } else if (value.isBigDecimal()) {
      text = value.decimalValue().toString();
    } else {
      text = value.bigIntegerValue().toString();
    }
    return text.length() <= DS_LENGTH ? text : shortest(approximate);
  }

  /** The shortest decimal text that parses back to {@code value}. */
  private static String shortest(double value) {
    if (value == 0) {
      return "0";
    }
    BigDecimal exact = new BigDecimal(value);
    BigDecimal rounded = exact;
    for (int digits = 1; digits <= 17; digits++) {
      BigDecimal candidate = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
      if (candidate.doubleValue() == value) {
        rounded = candidate;
        break;
      }
    }
    BigDecimal stripped = rounded.stripTrailingZeros();
    String plain = stripped.toPlainString();
    String scientific = stripped.toString();
    return plain.length() <= scientific.length() ? plain : scientific;
  }

  /** An integer JSON number (or integral decimal) of at most {@code maxDigits} digits. */
  private static BigInteger integral(int tag, JsonNode value, int maxDigits) throws DicomException {
    if (!value.isNumber()) {
      throw malformed(tag, "has a value that is not a number");
    }
    if (value.isFloat() || value.isDouble()) {
      double d = value.doubleValue();
      if (!Double.isFinite(d) || d != Math.rint(d)) {
        throw malformed(tag, "has a value that is not an integer");
      }
    }
    BigDecimal decimal = value.isIntegralNumber() ? null : value.decimalValue();
    BigInteger integer;
    if (decimal == null) {
      integer = value.bigIntegerValue();
    } else if (decimal.signum() == 0) {
      integer = BigInteger.ZERO;
    } else {
      long digits = (long) decimal.precision() - decimal.scale();
      if (digits <= 0) {
        throw malformed(tag, "has a value that is not an integer");
      }
      if (digits > maxDigits) {
        throw malformed(tag, "has an integer of more than " + maxDigits + " digits");
      }
      try {
        integer = decimal.toBigIntegerExact();
      } catch (ArithmeticException e) {
        throw malformed(tag, "has a value that is not an integer");
      }
    }
    if (integer.abs().toString().length() > maxDigits) {
      throw malformed(tag, "has an integer of more than " + maxDigits + " digits");
    }
    return integer;
  }

  private static byte[] encodeBinaryNumbers(int tag, Vr vr, JsonNode values) throws DicomException {
    int size = size(vr);
    ByteBuffer out = ByteBuffer.allocate(values.size() * size).order(ByteOrder.LITTLE_ENDIAN);
    for (JsonNode value : values) {
      switch (vr) {
        case AT -> {
          if (!value.isTextual() || !isTagHex(value.textValue())) {
            throw malformed(tag, "has an AT value that is not 8 hex digits");
          }
          int at = Integer.parseUnsignedInt(value.textValue(), 16);
          out.putShort((short) (at >>> 16)).putShort((short) at);
        }
        case FL, FD -> {
          double d = floatingValue(tag, value);
          if (vr == Vr.FL) {
            if (Double.isFinite(d) && Float.isInfinite((float) d)) {
              throw malformed(tag, "has an FL value beyond the float range");
            }
            out.putFloat((float) d);
          } else {
            out.putDouble(d);
          }
        }
        default -> {
          JsonNode number = value;
          if ((vr == Vr.SV || vr == Vr.UV) && value.isTextual()) {
            number = integerText(tag, value.textValue()); // 64-bit values as strings
          }
          BigInteger integer = integral(tag, number, 20);
          long v = inRange(tag, vr, integer);
          switch (size) {
            case 2 -> out.putShort((short) v);
            case 4 -> out.putInt((int) v);
            default -> out.putLong(v);
          }
        }
      }
    }
    return out.array();
  }

  private static JsonNode integerText(int tag, String text) throws DicomException {
    if (text.isEmpty() || text.length() > 21) {
      throw malformed(tag, "has a value that is not an integer");
    }
    try {
      return BigIntegerNode.valueOf(new BigInteger(text));
    } catch (NumberFormatException e) {
      throw malformed(tag, "has a value that is not an integer");
    }
  }

  private static long inRange(int tag, Vr vr, BigInteger value) throws DicomException {
    int bits = size(vr) * 8;
    boolean unsigned = vr == Vr.US || vr == Vr.UL || vr == Vr.UV;
    if (unsigned ? value.signum() < 0 || value.bitLength() > bits : value.bitLength() >= bits) {
      throw malformed(tag, "has " + value + ", out of range for " + vr);
    }
    return value.longValue(); // two's complement: the low 64 bits, as UV's unsigned value
  }

  private static double floatingValue(int tag, JsonNode value) throws DicomException {
    if (value.isNumber()) {
      double d = value.doubleValue();
      if (!Double.isFinite(d)) {
        throw malformed(tag, "has a number beyond the double range");
      }
      return d;
    }
    if (value.isTextual()) {
      switch (value.textValue()) {
        case "NaN" -> {
          return Double.NaN;
        }
        case "Infinity" -> {
          return Double.POSITIVE_INFINITY;
        }
        case "-Infinity" -> {
          return Double.NEGATIVE_INFINITY;
        }
        default -> {}
      }
    }
    throw malformed(tag, "has a floating point value that is not a number");
  }

  /**
   * The fragments of an encapsulated pixel data stream (PS3.5 A.4) with or without its sequence
   * delimiter; null when the bytes are not one, and so native pixel data.
   */
  private static List<byte[]> fragments(byte[] bytes) {
    List<byte[]> fragments = new ArrayList<>();
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    while (in.hasRemaining()) {
      if (in.remaining() < 8) {
        return null;
      }
      int tag = (in.getShort() & 0xffff) << 16 | (in.getShort() & 0xffff);
      long length = in.getInt() & 0xffffffffL;
      if (tag == Tags.SEQUENCE_DELIMITATION) {
        return length == 0 && !in.hasRemaining() && !fragments.isEmpty() ? fragments : null;
      }
      if (tag != Tags.ITEM || length > in.remaining()) {
        return null;
      }
      byte[] fragment = new byte[(int) length];
      in.get(fragment);
      fragments.add(fragment);
    }
    return fragments.isEmpty() ? null : List.copyOf(fragments);
  }

  private static byte[] encode(int tag, String text, Charset charset) throws DicomException {
    try {
      ByteBuffer bytes =
          charset
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(text));
      byte[] out = new byte[bytes.remaining()];
      bytes.get(out);
      return out;
    } catch (CharacterCodingException e) {
      throw malformed(tag, "has text " + charset.name() + " cannot encode");
    }
  }

  /** Eight hex digits, as a tag is written. */
  private static boolean isTagHex(String text) {
    return text.length() == 8 && text.chars().allMatch(HexFormat::isHexDigit);
  }

  private static String shown(String text) {
    return text.length() > 20 ? "\"" + text.substring(0, 20) + "...\"" : "\"" + text + "\"";
  }

  private static DicomException notANumber(int tag, String text) {
    return malformed(tag, "is not a valid number: " + shown(text));
  }

  private static DicomException malformed(int tag, String message) {
    return new DicomException(MALFORMED, "DICOM JSON " + Tags.format(tag) + " " + message);
  }
}
