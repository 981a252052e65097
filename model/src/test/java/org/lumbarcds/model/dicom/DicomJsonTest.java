package org.lumbarcds.model.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DICOM JSON compared with pydicom's (make_json_fixtures.py): the JSON written for files pydicom
 * wrote, the datasets read from pydicom's JSON, round trips, and hostile JSON.
 */
class DicomJsonTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  static byte[] fixture(String name) throws IOException {
    try (InputStream in = DicomJsonTest.class.getResourceAsStream("/dicom/json/" + name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }

  static DicomDataset dcm(String name) throws IOException {
    return new DicomReader().read(fixture(name)).dataset();
  }

  static JsonNode pydicomJson(String name) throws IOException {
    return MAPPER.readTree(fixture(name));
  }

  /** Each file and the pydicom JSON of its values (the big endian file has the same values). */
  static Stream<String[]> pairs() {
    return Stream.of(
        new String[] {"all-vrs.dcm", "all-vrs.json"},
        new String[] {"all-vrs-be.dcm", "all-vrs.json"},
        new String[] {"encapsulated.dcm", "encapsulated.json"});
  }

  // ------------------------------------------------------------------ (a) write vs pydicom

  @ParameterizedTest
  @MethodSource("pairs")
  void writesWhatPydicomWrites(String dcm, String json) throws IOException {
    ObjectNode written = DicomJson.write(dcm(dcm));

    assertJsonEquals(normalizePydicom(pydicomJson(json)), written, "");
    assertKeysAscending(written);
    // Text round trip through Jackson's serializer, as a server would send it.
    JsonNode reparsed = MAPPER.readTree(MAPPER.writeValueAsString(written));
    assertJsonEquals(normalizePydicom(pydicomJson(json)), reparsed, "");
  }

  /**
   * Deliberate differences from pydicom 2.3, both where PS3.18 F.2.5 says otherwise: an empty value
   * within a multi-valued element is {@code null}, not "", and a sequence without items has no
   * "Value" (pydicom writes an empty array).
   */
  static JsonNode normalizePydicom(JsonNode node) {
    JsonNode copy = node.deepCopy();
    normalize(copy);
    return copy;
  }

  private static void normalize(JsonNode node) {
    if (node.isObject()) {
      ObjectNode object = (ObjectNode) node;
      JsonNode value = object.get("Value");
      if (object.has("vr") && value != null && value.isArray()) {
        if (value.isEmpty()) {
          object.remove("Value");
        }
        ArrayNode array = (ArrayNode) value;
        for (int i = 0; i < array.size(); i++) {
          if (array.get(i).isTextual() && array.get(i).textValue().isEmpty()) {
            array.set(i, JsonNodeFactory.instance.nullNode());
          }
        }
      }
      node.forEach(DicomJsonTest::normalize);
    } else if (node.isArray()) {
      node.forEach(DicomJsonTest::normalize);
    }
  }

  /**
   * JSON trees equal, numbers by value: 0.139 as a double and as a decimal are one number. Where
   * decimal text differs, numbers that parse to the same double are equal too (Python and Java may
   * print a float's double value with different digits).
   */
  static void assertJsonEquals(JsonNode expected, JsonNode actual, String path) {
    if (expected.isNumber() && actual.isNumber()) {
      BigDecimal e = expected.decimalValue();
      BigDecimal a = actual.decimalValue();
      if (e.compareTo(a) != 0 && expected.doubleValue() != actual.doubleValue()) {
        fail("%s: expected %s, got %s", path, expected, actual);
      }
      return;
    }
    if (expected.getNodeType() != actual.getNodeType()) {
      fail("%s: expected %s, got %s", path, expected, actual);
    }
    if (expected.isObject()) {
      List<String> expectedKeys = new ArrayList<>();
      expected.fieldNames().forEachRemaining(expectedKeys::add);
      List<String> actualKeys = new ArrayList<>();
      actual.fieldNames().forEachRemaining(actualKeys::add);
      assertThat(actualKeys).as(path).containsExactlyInAnyOrderElementsOf(expectedKeys);
      for (String key : expectedKeys) {
        assertJsonEquals(expected.get(key), actual.get(key), path + "/" + key);
      }
    } else if (expected.isArray()) {
      assertThat(actual.size()).as(path + " size").isEqualTo(expected.size());
      for (int i = 0; i < expected.size(); i++) {
        assertJsonEquals(expected.get(i), actual.get(i), path + "/" + i);
      }
    } else {
      assertThat(actual).as(path).isEqualTo(expected);
    }
  }

  private static void assertKeysAscending(JsonNode dataset) {
    List<String> keys = new ArrayList<>();
    dataset.fieldNames().forEachRemaining(keys::add);
    assertThat(keys).isSorted().allMatch(key -> key.matches("[0-9A-F]{8}"));
    for (JsonNode element : dataset) {
      for (JsonNode item : element.path("Value")) {
        if (item.isObject()
            && !item.has("Alphabetic")
            && element.path("vr").asText().equals("SQ")) {
          assertKeysAscending(item);
        }
      }
    }
  }

  // ------------------------------------------------------------------ (b) read pydicom's JSON

  @ParameterizedTest
  @ValueSource(strings = {"all-vrs", "encapsulated"})
  void readsPydicomJsonToTheFilesValues(String name) throws IOException {
    DicomDataset expected = dcm(name + ".dcm");
    DicomDataset actual;
    try (InputStream in = new ByteArrayInputStream(fixture(name + ".json"))) {
      actual = DicomJson.read(in);
    }
    assertSameValues(expected, actual, "");
  }

  @Test
  void readsPydicomJsonInDetail() throws IOException {
    DicomDataset ds = DicomJson.read(pydicomJson("all-vrs.json"));

    assertThat(ds.getString(Tags.SPECIFIC_CHARACTER_SET)).hasValue("ISO_IR 192");
    assertThat(ds.getStrings(Tags.PATIENT_NAME))
        .containsExactly("Müller^Jürgen=ミュラー^ユルゲン=みゅらー^ゆるげん");
    assertThat(ds.getStrings(0x00081060)).containsExactly("Smith^John", "Doe^Jane=ドウ^ジェーン");
    assertThat(ds.getStrings(0x00080008)).containsExactly("ORIGINAL", "PRIMARY", "", "LSPINE");
    assertThat(ds.getStrings(0x001021B0)).containsExactly("Low back pain.\r\nNo trauma\\fall.");
    assertThat(ds.getStrings(0x00181164)).containsExactly("0.139", "0.139");
    assertThat(ds.getStrings(0x00180050)).containsExactly("1500");
    assertThat(ds.getStrings(0x00181149)).containsExactly("12", "-7");
    assertThat(ds.getStrings(Tags.ACCESSION_NUMBER)).isEmpty();
    assertThat(ds.get(Tags.ACCESSION_NUMBER)).isPresent();
    assertThat(ds.getInts(0x0072007A)).containsExactly(0, 65535);
    assertThat(ds.getDoubles(0x00720076)).containsExactly(0.1f, -2.5, Float.MAX_VALUE);
    assertThat(ds.getSequence(0x00081110)).isEmpty();
    DicomDataset modifier =
        ds.getSequence(Tags.VIEW_CODE_SEQUENCE).get(0).getSequence(0x00540222).get(0);
    assertThat(modifier.getString(Tags.CODE_MEANING)).hasValue("Flexión");
    assertThat(modifier.getInts(0x0072007A)).containsExactly(3);
  }

  /** Items of a UTF-8 file inherit its character set: their text decodes as UTF-8 too. */
  @ParameterizedTest
  @ValueSource(strings = {"all-vrs.dcm", "all-vrs-be.dcm"})
  void itemsOfAUtf8FileDecodeNonAsciiText(String name) throws IOException {
    DicomDataset ds = dcm(name);
    DicomDataset view = ds.getSequence(Tags.VIEW_CODE_SEQUENCE).get(0);
    DicomDataset modifier = view.getSequence(Tags.VIEW_MODIFIER_CODE_SEQUENCE).get(0);

    assertThat(ds.getString(Tags.SPECIFIC_CHARACTER_SET)).hasValue("ISO_IR 192");
    assertThat(view.contains(Tags.SPECIFIC_CHARACTER_SET)).isFalse();
    assertThat(modifier.contains(Tags.SPECIFIC_CHARACTER_SET)).isFalse();
    assertThat(modifier.getStrings(Tags.CODE_MEANING)).containsExactly("Flexión");
    assertThat(DicomJson.write(ds).at("/00540220/Value/0/00540222/Value/0/00080104/Value/0"))
        .isEqualTo(JsonNodeFactory.instance.textNode("Flexión"));
  }

  /**
   * Every element of {@code expected} (read from the file) is in {@code actual} (read from JSON)
   * with the same values.
   */
  static void assertSameValues(DicomDataset expected, DicomDataset actual, String path)
      throws DicomException {
    assertThat(actual.elements().keySet()).as(path).isEqualTo(expected.elements().keySet());
    for (DicomElement e : expected.elements().values()) {
      int tag = e.tag();
      String where = path + Tags.format(tag);
      DicomElement a = actual.get(tag).orElseThrow();
      assertThat(a.vr()).as(where).isEqualTo(e.vr());
      switch (e.vr()) {
        case SQ -> {
          assertThat(a.items()).as(where).hasSameSizeAs(e.items());
          for (int i = 0; i < e.items().size(); i++) {
            assertSameValues(e.items().get(i), a.items().get(i), where + "/" + i + "/");
          }
        }
        case IS -> {
          assertThat(actual.getInts(tag)).as(where).containsExactly(expected.getInts(tag));
          assertThat(actual.getDoubles(tag)).as(where).containsExactly(expected.getDoubles(tag));
        }
        case DS, FL, FD ->
            assertThat(actual.getDoubles(tag)).as(where).containsExactly(expected.getDoubles(tag));
        case US, SS, SL ->
            assertThat(actual.getInts(tag)).as(where).containsExactly(expected.getInts(tag));
        case AT, UL, SV, UV, OB, OD, OF, OL, OV, OW, UN -> {
          // Both little endian: the same bytes (UL beyond int, SV, UV and AT have no getter).
          assertThat(a.value()).as(where).isEqualTo(e.value());
          assertThat(a.fragments()).as(where).hasSameSizeAs(e.fragments());
          for (int i = 0; i < e.fragments().size(); i++) {
            assertThat(a.fragments().get(i))
                .as(where + " fragment " + i)
                .isEqualTo(e.fragments().get(i));
          }
        }
        default -> assertThat(actual.getStrings(tag)).as(where).isEqualTo(expected.getStrings(tag));
      }
    }
  }

  // ------------------------------------------------------------------ (c) round trips

  @ParameterizedTest
  @ValueSource(strings = {"all-vrs.dcm", "all-vrs-be.dcm", "encapsulated.dcm", "ISO_IR 100"})
  void writeReadWriteIsStable(String name) throws IOException {
    DicomDataset dataset = name.endsWith(".dcm") ? dcm(name) : latin1();
    ObjectNode first = DicomJson.write(dataset);

    ObjectNode second = DicomJson.write(DicomJson.read(first));
    assertThat(second).isEqualTo(first);

    byte[] text = MAPPER.writeValueAsBytes(first);
    ObjectNode third = DicomJson.write(DicomJson.read(new ByteArrayInputStream(text)));
    assertJsonEquals(first, third, "");
  }

  /**
   * An ISO_IR 100 dataset keeps its (0008,0005) in JSON, and its text round-trips: JSON text is
   * Unicode, which the dataset read from it decodes as UTF-8, its items too.
   */
  @Test
  void isoIr100TextRoundTripsAndKeepsItsCharacterSet() throws DicomException {
    ObjectNode json = DicomJson.write(latin1());
    assertThat(json.at("/00080005/Value/0").asText()).isEqualTo("ISO_IR 100");
    assertThat(json.at("/00100010/Value/0/Alphabetic").asText()).isEqualTo("Müller^Jürgen");
    assertThat(json.at("/00204000/Value/0").asText()).isEqualTo("  Größe 1,82 m\\ok");
    assertThat(json.at("/0008010E/Value/0").asText()).isEqualTo("http://example.com/a\\b");
    assertThat(json.at("/00540220/Value/0/00080104/Value/0").asText()).isEqualTo("Flexión");
    assertThat(json.at("/00540220/Value/1/00080005/Value/0").asText()).isEqualTo("ISO_IR 100");
    assertThat(json.at("/00540220/Value/1/00080104/Value/0").asText()).isEqualTo("Extensión");

    DicomDataset read = DicomJson.read(json);
    assertSameValues(latin1(), read, "");
    assertThat(read.getString(Tags.SPECIFIC_CHARACTER_SET)).hasValue("ISO_IR 100");
    assertThat(read.getStrings(Tags.PATIENT_NAME)).containsExactly("Müller^Jürgen");
    List<DicomDataset> items = read.getSequence(Tags.VIEW_CODE_SEQUENCE);
    assertThat(items.get(0).getStrings(Tags.CODE_MEANING)).containsExactly("Flexión");
    assertThat(items.get(1).getString(Tags.SPECIFIC_CHARACTER_SET)).hasValue("ISO_IR 100");
    assertThat(items.get(1).getStrings(Tags.CODE_MEANING)).containsExactly("Extensión");
  }

  /**
   * A dataset as DicomReader gives an ISO_IR 100 file: Latin-1 text, one item inheriting the
   * character set and one with its own (0008,0005).
   */
  private static DicomDataset latin1() {
    DicomDataset ds = new DicomDataset(ByteOrder.LITTLE_ENDIAN, StandardCharsets.ISO_8859_1);
    ds.put(text(Tags.SPECIFIC_CHARACTER_SET, Vr.CS, "ISO_IR 100"));
    ds.put(text(Tags.PATIENT_NAME, Vr.PN, "Müller^Jürgen "));
    ds.put(text(Tags.IMAGE_COMMENTS, Vr.LT, "  Größe 1,82 m\\ok "));
    ds.put(text(0x0008010E, Vr.UR, "http://example.com/a\\b "));
    DicomDataset inherits = new DicomDataset(ByteOrder.LITTLE_ENDIAN, ds.charset());
    inherits.put(text(Tags.CODE_MEANING, Vr.LO, "Flexión "));
    DicomDataset own = new DicomDataset(ByteOrder.LITTLE_ENDIAN, ds.charset());
    own.put(text(Tags.SPECIFIC_CHARACTER_SET, Vr.CS, "ISO_IR 100"));
    own.put(text(Tags.CODE_MEANING, Vr.LO, "Extensión "));
    ds.put(
        new DicomElement(
            Tags.VIEW_CODE_SEQUENCE, Vr.SQ, new byte[0], List.of(inherits, own), List.of()));
    return ds;
  }

  @Test
  void encapsulatedPixelDataReadsBackAsFragments() throws IOException {
    DicomDataset file = dcm("encapsulated.dcm");
    DicomDataset json = DicomJson.read(pydicomJson("encapsulated.json"));

    DicomElement pixels = json.get(Tags.PIXEL_DATA).orElseThrow();
    assertThat(pixels.isEncapsulated()).isTrue();
    assertThat(pixels.fragments())
        .hasSameSizeAs(file.get(Tags.PIXEL_DATA).orElseThrow().fragments())
        .hasSize(3);
  }

  @Test
  void bulkDataUrisAreWrittenAndKept() throws IOException {
    DicomDataset ds = dcm("all-vrs.dcm");
    ObjectNode json =
        DicomJson.write(
            ds,
            (tag, element) ->
                tag == Tags.PIXEL_DATA || tag == 0x00091001
                    ? Optional.of("https://example.com/bulk/" + String.format("%08X", tag))
                    : Optional.empty());

    assertThat(json.get("7FE00010").get("BulkDataURI").asText())
        .isEqualTo("https://example.com/bulk/7FE00010");
    assertThat(json.get("7FE00010").has("InlineBinary")).isFalse();
    assertThat(json.get("00281201").has("InlineBinary")).isTrue();

    // A URI inside a sequence item, keyed by its path.
    ObjectNode item = (ObjectNode) json.get("00540220").get("Value").get(0);
    item.putObject("00880200")
        .put("vr", "SQ")
        .putArray("Value")
        .addObject()
        .putObject("7FE00010")
        .put("vr", "OW")
        .put("BulkDataURI", "icon");
    DicomJson.Parsed parsed = DicomJson.parse(json);
    assertThat(parsed.bulkDataUris())
        .containsExactly(
            Map.entry("00091001", "https://example.com/bulk/00091001"),
            Map.entry("00540220/0/00880200/0/7FE00010", "icon"),
            Map.entry("7FE00010", "https://example.com/bulk/7FE00010"));
    assertThat(parsed.dataset().get(Tags.PIXEL_DATA).orElseThrow().value()).isEmpty();
  }

  @Test
  void groupLengthsAndFileMetaAreLeftOut() throws DicomException {
    DicomDataset ds = new DicomDataset(ByteOrder.LITTLE_ENDIAN, StandardCharsets.ISO_8859_1);
    ds.put(new DicomElement(0x00080000, Vr.UL, new byte[] {4, 0, 0, 0}, List.of(), List.of()));
    ds.put(text(Tags.TRANSFER_SYNTAX_UID, Vr.UI, "1.2.840.10008.1.2.1\0"));
    ds.put(text(Tags.MODALITY, Vr.CS, "DX"));

    assertThat(DicomJson.write(ds).toString())
        .isEqualTo("{\"00080060\":{\"vr\":\"CS\",\"Value\":[\"DX\"]}}");
  }

  @Test
  void floatsThatJsonCannotHoldAreStrings() throws DicomException {
    DicomDataset ds = new DicomDataset(ByteOrder.BIG_ENDIAN, StandardCharsets.ISO_8859_1);
    byte[] fd = java.nio.ByteBuffer.allocate(16).putDouble(Double.NaN).putDouble(-0.5).array();
    ds.put(new DicomElement(0x00720074, Vr.FD, fd, List.of(), List.of()));

    ObjectNode json = DicomJson.write(ds);
    assertThat(json.toString())
        .isEqualTo("{\"00720074\":{\"vr\":\"FD\",\"Value\":[\"NaN\",-0.5]}}");
    assertThat(DicomJson.read(json).getDoubles(0x00720074)).containsExactly(Double.NaN, -0.5);
  }

  @Test
  void invalidNumbersAndNamesAreRefusedWhenWriting() {
    for (DicomElement bad :
        List.of(
            text(Tags.PIXEL_SPACING, Vr.DS, "0.139\\abc"),
            text(Tags.PIXEL_SPACING, Vr.DS, "NaN"),
            text(Tags.PIXEL_SPACING, Vr.DS, "1e400"),
            text(Tags.INSTANCE_NUMBER, Vr.IS, "1.5"),
            text(Tags.INSTANCE_NUMBER, Vr.IS, "9".repeat(300)),
            text(Tags.PATIENT_NAME, Vr.PN, "a=b=c=d"),
            new DicomElement(Tags.ROWS, Vr.US, new byte[3], List.of(), List.of()))) {
      DicomDataset ds = new DicomDataset(ByteOrder.LITTLE_ENDIAN, StandardCharsets.ISO_8859_1);
      ds.put(bad);
      assertThatThrownBy(() -> DicomJson.write(ds))
          .as(Tags.format(bad.tag()))
          .isInstanceOfSatisfying(
              DicomException.class,
              e -> assertThat(e.reason()).isEqualTo(DicomException.Reason.MALFORMED));
    }
  }

  private static DicomElement text(int tag, Vr vr, String value) {
    return new DicomElement(
        tag, vr, value.getBytes(StandardCharsets.ISO_8859_1), List.of(), List.of());
  }

  // ------------------------------------------------------------------ (d) hostile JSON

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{",
        "[]",
        "\"00100010\"",
        "null",
        "{\"a\":1,\"a\":2}",
        "{\"0010001\":{\"vr\":\"PN\"}}",
        "{\"0010001G\":{\"vr\":\"PN\"}}",
        "{\"001000١٠\":{\"vr\":\"PN\"}}",
        "{\"(0010,0010)\":{\"vr\":\"PN\"}}",
        "{\"FFFEE000\":{\"vr\":\"SQ\"}}",
        "{\"00100010\":{\"vr\":\"pn\"}}",
        "{\"00100010\":{\"vr\":\"XX\"}}",
        "{\"00100010\":{\"vr\":5}}",
        "{\"00100010\":{}}",
        "{\"00100010\":[]}",
        "{\"00100010\":\"Doe\"}",
        "{\"00100010\":{\"vr\":\"PN\",\"Value\":[\"Doe\"]}}",
        "{\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":1}]}}",
        "{\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Given\":\"x\"}]}}",
        "{\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":\"a=b\"}]}}",
        "{\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":\"Doe\"}],\"Extra\":1}}",
        "{\"00100020\":{\"vr\":\"LO\",\"Value\":\"x\"}}",
        "{\"00100020\":{\"vr\":\"LO\",\"Value\":[5]}}",
        "{\"00100020\":{\"vr\":\"LO\",\"Value\":[\"a\\\\b\",\"c\"]}}",
        "{\"00204000\":{\"vr\":\"LT\",\"Value\":[\"a\",\"b\"]}}",
        "{\"00080060\":{\"vr\":\"CS\",\"Value\":[\"漢\"]}}",
        "{\"00100020\":{\"vr\":\"LO\",\"Value\":[\"\\ud800\"]}}",
        "{\"00280010\":{\"vr\":\"US\",\"Value\":[\"4\"]}}",
        "{\"00280010\":{\"vr\":\"US\",\"Value\":[70000]}}",
        "{\"00280010\":{\"vr\":\"US\",\"Value\":[-1]}}",
        "{\"00280010\":{\"vr\":\"US\",\"Value\":[1.5]}}",
        "{\"00280010\":{\"vr\":\"US\",\"Value\":[null]}}",
        "{\"00280010\":{\"vr\":\"US\",\"Value\":[1e999999999]}}",
        "{\"00720078\":{\"vr\":\"UL\",\"Value\":[4294967296]}}",
        "{\"00720083\":{\"vr\":\"UV\",\"Value\":[18446744073709551616]}}",
        "{\"00720082\":{\"vr\":\"SV\",\"Value\":[\"12x\"]}}",
        "{\"00720076\":{\"vr\":\"FL\",\"Value\":[\"abc\"]}}",
        "{\"00720076\":{\"vr\":\"FL\",\"Value\":[1e39]}}",
        "{\"00720074\":{\"vr\":\"FD\",\"Value\":[1e400]}}",
        "{\"00200013\":{\"vr\":\"IS\",\"Value\":[\"7\"]}}",
        "{\"00200013\":{\"vr\":\"IS\",\"Value\":[7.5]}}",
        "{\"00200013\":{\"vr\":\"IS\",\"Value\":[1e999999999]}}",
        "{\"00200013\":{\"vr\":\"IS\",\"Value\":[1e300]}}",
        "{\"00181164\":{\"vr\":\"DS\",\"Value\":[\"0.139\"]}}",
        "{\"00181164\":{\"vr\":\"DS\",\"Value\":[1e999999999]}}",
        "{\"00280009\":{\"vr\":\"AT\",\"Value\":[\"0010\"]}}",
        "{\"00280009\":{\"vr\":\"AT\",\"Value\":[524304]}}",
        "{\"00280009\":{\"vr\":\"AT\",\"Value\":[null]}}",
        "{\"7FE00010\":{\"vr\":\"OW\",\"Value\":[1]}}",
        "{\"7FE00010\":{\"vr\":\"OW\",\"InlineBinary\":\"!!!!\"}}",
        "{\"7FE00010\":{\"vr\":\"OW\",\"InlineBinary\":\"AQ=I\"}}",
        "{\"7FE00010\":{\"vr\":\"OW\",\"InlineBinary\":5}}",
        "{\"7FE00010\":{\"vr\":\"OW\",\"InlineBinary\":\"AQI=\",\"BulkDataURI\":\"x\"}}",
        "{\"7FE00010\":{\"vr\":\"OW\",\"BulkDataURI\":[\"x\"]}}",
        "{\"00100020\":{\"vr\":\"LO\",\"InlineBinary\":\"AQI=\"}}",
        "{\"00540220\":{\"vr\":\"SQ\",\"Value\":[1]}}",
        "{\"00540220\":{\"vr\":\"SQ\",\"Value\":[[]]}}",
        "{\"00540220\":{\"vr\":\"SQ\",\"Value\":{}}}",
        "{\"00540220\":{\"vr\":\"SQ\",\"BulkDataURI\":\"x\"}}",
        "{\"00540220\":{\"vr\":\"SQ\",\"Value\":[{\"bad\":{}}]}}",
      })
  void hostileJsonIsMalformed(String json) {
    assertMalformed(json);
  }

  @Test
  void sequencesDeeperThanTheLimitAreMalformed() throws IOException {
    int limit = DicomLimits.DEFAULT.maxDepth();
    assertThat(DicomJson.read(stream(nested(limit)))).isNotNull();
    assertMalformed(nested(limit + 1));
  }

  @Test
  void tenThousandLevelsEndInDicomExceptionNotStackOverflow() {
    assertMalformed(nested(10_000));
    assertMalformed("[".repeat(10_000) + "]".repeat(10_000));

    // A tree built in memory passes no parser's limit: the reader's own depth check stops it.
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode dataset = root;
    for (int i = 0; i < 10_000; i++) {
      dataset = dataset.putObject("00540220").put("vr", "SQ").putArray("Value").addObject();
    }
    assertThatThrownBy(() -> DicomJson.read(root))
        .isInstanceOfSatisfying(
            DicomException.class,
            e -> assertThat(e.reason()).isEqualTo(DicomException.Reason.MALFORMED));
  }

  @Test
  void hugeArraysEndInDicomException() {
    // 5 million values: refused by the token limit before a tree of them is built.
    assertMalformed("{\"00720078\":{\"vr\":\"UL\",\"Value\":[" + "0,".repeat(5_000_000) + "0]}}");
  }

  /** {@code depth} sequences each inside an item of the one before. */
  private static String nested(int depth) {
    String open = "{\"00540220\":{\"vr\":\"SQ\",\"Value\":[";
    return open.repeat(depth) + "{}" + "]}}".repeat(depth);
  }

  private static InputStream stream(String json) {
    return new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
  }

  private static void assertMalformed(String json) {
    assertThatThrownBy(() -> DicomJson.read(stream(json)))
        .as(json.length() > 80 ? json.substring(0, 80) : json)
        .isInstanceOfSatisfying(
            DicomException.class,
            e -> assertThat(e.reason()).isEqualTo(DicomException.Reason.MALFORMED));
  }

  @Test
  void acceptedEdgeCases() throws IOException {
    DicomDataset ds =
        DicomJson.read(
            stream(
                "{\"00080005\":{\"vr\":\"CS\",\"Value\":[\"ISO_IR 100\"]},"
                    + "\"00100010\":{\"vr\":\"PN\",\"Value\":[null,{\"Ideographic\":\"山田\"}]},"
                    + "\"00720082\":{\"vr\":\"SV\",\"Value\":[\"-9223372036854775808\"]},"
                    + "\"00720083\":{\"vr\":\"UV\",\"Value\":[18446744073709551615]},"
                    + "\"00181164\":{\"vr\":\"DS\","
                    + "\"Value\":[1E+3,0.1000000000000000055511151231257827]},"
                    + "\"00200013\":{\"vr\":\"IS\",\"Value\":[7.0]}}"));

    // (0008,0005) as the JSON gives it; the text is Unicode whatever it says.
    assertThat(ds.getString(Tags.SPECIFIC_CHARACTER_SET)).hasValue("ISO_IR 100");
    assertThat(ds.getStrings(Tags.PATIENT_NAME)).containsExactly("", "=山田");
    assertThat(ds.getStrings(0x00181164)).containsExactly("1000", "0.1");
    assertThat(ds.getStrings(Tags.INSTANCE_NUMBER)).containsExactly("7");
    ObjectNode json = DicomJson.write(ds);
    assertThat(json.get("00720082").get("Value").get(0).asText()).isEqualTo("-9223372036854775808");
    assertThat(json.get("00720083").get("Value").get(0).bigIntegerValue())
        .hasToString("18446744073709551615");
    Iterator<JsonNode> names = json.get("00100010").get("Value").elements();
    assertThat(names.next().isNull()).isTrue();
    assertThat(names.next().toString()).isEqualTo("{\"Ideographic\":\"山田\"}");
  }
}
