package org.lumbarcds.model.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.assertSameValues;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.dcm;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.fixture;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.pydicomJson;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** pydicom's DICOM JSON (make_json_fixtures.py) read to the files' values, and hostile JSON. */
class DicomJsonReaderTest {

  @ParameterizedTest
  @ValueSource(strings = {"all-vrs", "encapsulated"})
  void readsPydicomJsonToTheFilesValues(String name) throws IOException {
    DicomDataset expected = dcm(name + ".dcm");
    DicomDataset actual;
    try (InputStream in = new ByteArrayInputStream(fixture(name + ".json"))) {
      actual = DicomJsonReader.read(in);
    }
    assertSameValues(expected, actual, "");
  }

  @Test
  void readsPydicomJsonInDetail() throws IOException {
    DicomDataset ds = DicomJsonReader.read(pydicomJson("all-vrs.json"));

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

  @Test
  void encapsulatedPixelDataReadsBackAsFragments() throws IOException {
    DicomDataset file = dcm("encapsulated.dcm");
    DicomDataset json = DicomJsonReader.read(pydicomJson("encapsulated.json"));

    DicomElement pixels = json.get(Tags.PIXEL_DATA).orElseThrow();
    assertThat(pixels.isEncapsulated()).isTrue();
    assertThat(pixels.fragments())
        .hasSameSizeAs(file.get(Tags.PIXEL_DATA).orElseThrow().fragments())
        .hasSize(3);
  }

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
    assertThat(DicomJsonReader.read(stream(nested(limit)))).isNotNull();
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
    assertThatThrownBy(() -> DicomJsonReader.read(root))
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

  private static void assertMalformed(String json) {
    assertThatThrownBy(() -> DicomJsonReader.read(stream(json)))
        .as(json.length() > 80 ? json.substring(0, 80) : json)
        .isInstanceOfSatisfying(
            DicomException.class,
            e -> assertThat(e.reason()).isEqualTo(DicomException.Reason.MALFORMED));
  }

  @Test
  void acceptedEdgeCases() throws IOException {
    DicomDataset ds =
        DicomJsonReader.read(
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
    ObjectNode json = DicomJsonWriter.write(ds);
    assertThat(json.get("00720082").get("Value").get(0).asText()).isEqualTo("-9223372036854775808");
    assertThat(json.get("00720083").get("Value").get(0).bigIntegerValue())
        .hasToString("18446744073709551615");
    Iterator<JsonNode> names = json.get("00100010").get("Value").elements();
    assertThat(names.next().isNull()).isTrue();
    assertThat(names.next().toString()).isEqualTo("{\"Ideographic\":\"山田\"}");
  }
}
