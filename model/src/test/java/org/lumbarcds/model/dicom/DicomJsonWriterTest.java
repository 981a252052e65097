package org.lumbarcds.model.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.MAPPER;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.assertJsonEquals;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.dcm;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.pydicomJson;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DICOM JSON written compared with pydicom's (make_json_fixtures.py) for files pydicom wrote, and
 * what the writer leaves out or refuses.
 */
class DicomJsonWriterTest {

  /** Each file and the pydicom JSON of its values (the big endian file has the same values). */
  static Stream<String[]> pairs() {
    return Stream.of(
        new String[] {"all-vrs.dcm", "all-vrs.json"},
        new String[] {"all-vrs-be.dcm", "all-vrs.json"},
        new String[] {"encapsulated.dcm", "encapsulated.json"});
  }

  @ParameterizedTest
  @MethodSource("pairs")
  void writesWhatPydicomWrites(String dcm, String json) throws IOException {
    ObjectNode written = DicomJsonWriter.write(dcm(dcm));

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
      node.forEach(DicomJsonWriterTest::normalize);
    } else if (node.isArray()) {
      node.forEach(DicomJsonWriterTest::normalize);
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
    assertThat(DicomJsonWriter.write(ds).at("/00540220/Value/0/00540222/Value/0/00080104/Value/0"))
        .isEqualTo(JsonNodeFactory.instance.textNode("Flexión"));
  }

  @Test
  void groupLengthsAndFileMetaAreLeftOut() throws DicomException {
    DicomDataset ds = new DicomDataset(ByteOrder.LITTLE_ENDIAN, StandardCharsets.ISO_8859_1);
    ds.put(new DicomElement(0x00080000, Vr.UL, new byte[] {4, 0, 0, 0}, List.of(), List.of()));
    ds.put(text(Tags.TRANSFER_SYNTAX_UID, Vr.UI, "1.2.840.10008.1.2.1\0"));
    ds.put(text(Tags.MODALITY, Vr.CS, "DX"));

    assertThat(DicomJsonWriter.write(ds).toString())
        .isEqualTo("{\"00080060\":{\"vr\":\"CS\",\"Value\":[\"DX\"]}}");
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
      assertThatThrownBy(() -> DicomJsonWriter.write(ds))
          .as(Tags.format(bad.tag()))
          .isInstanceOfSatisfying(
              DicomException.class,
              e -> assertThat(e.reason()).isEqualTo(DicomException.Reason.MALFORMED));
    }
  }
}
