package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomException.Reason.MALFORMED;
import static org.lumbarcds.model.dicom.DicomJsonModel.MAX_NUMBER_TEXT;
import static org.lumbarcds.model.dicom.DicomJsonModel.NAME_GROUPS;
import static org.lumbarcds.model.dicom.DicomJsonModel.fragments;
import static org.lumbarcds.model.dicom.DicomJsonModel.isTagHex;
import static org.lumbarcds.model.dicom.DicomJsonModel.key;
import static org.lumbarcds.model.dicom.DicomJsonModel.malformed;
import static org.lumbarcds.model.dicom.DicomJsonModel.shown;
import static org.lumbarcds.model.dicom.DicomJsonNumbers.binaryNumbers;
import static org.lumbarcds.model.dicom.DicomJsonNumbers.decimalText;
import static org.lumbarcds.model.dicom.DicomJsonNumbers.integral;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the DICOM JSON Model (PS3.18 Annex F.2) into a dataset: little endian, its text UTF-8,
 * since JSON text is Unicode; a (0008,0005) Specific Character Set is kept as the JSON gives it. IS
 * values become integer text, DS values the shortest text that parses to the same double (a {@code
 * DecimalNode}'s own digits when they fit 16 characters), PN objects
 * "Alphabetic=Ideographic=Phonetic". InlineBinary Pixel Data (OB) that parses as an encapsulated
 * stream becomes fragments again. BulkDataURI elements are empty; {@link #parse} returns their
 * URIs. Input that is not valid DICOM JSON, or nests sequences deeper than {@link
 * DicomLimits#DEFAULT}, ends in a {@link DicomException} ({@link DicomException.Reason#MALFORMED}).
 * {@link DicomJsonWriter} writes what this reads. Thread-safe.
 */
public final class DicomJsonReader {

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

  private static final Set<String> ELEMENT_KEYS =
      Set.of("vr", "Value", "InlineBinary", "BulkDataURI");

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

  private DicomJsonReader() {}

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
      case AT, US, SS, UL, SL, FL, FD, SV, UV -> binaryNumbers(tag, vr, values);
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
}
