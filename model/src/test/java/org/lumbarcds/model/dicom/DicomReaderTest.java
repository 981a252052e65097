package org.lumbarcds.model.dicom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files written by pydicom in every dataset encoding the reader claims (make_fixtures.py), read
 * back and compared with the values pydicom itself reads from them (expected.json).
 */
class DicomReaderTest {

  private static final JsonNode EXPECTED = load();

  private static JsonNode load() {
    try (InputStream in = DicomReaderTest.class.getResourceAsStream("/dicom/expected.json")) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Stream<String> fixtures() {
    List<String> names = new ArrayList<>();
    EXPECTED.fieldNames().forEachRemaining(names::add);
    return names.stream();
  }

  static byte[] fixture(String name) throws IOException {
    try (InputStream in = DicomReaderTest.class.getResourceAsStream("/dicom/" + name)) {
      return in.readAllBytes();
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void readsWhatPydicomWrote(String name) throws IOException {
    JsonNode expected = EXPECTED.get(name);
    DicomFile file = new DicomReader().read(fixture(name));
    DicomDataset ds = file.dataset();

    assertThat(file.transferSyntax().uid()).isEqualTo(expected.get("transferSyntax").asText());
    assertThat(ds.getString(Tags.PATIENT_NAME)).hasValue(expected.get("patientName").asText());
    assertThat(ds.getString(Tags.PATIENT_ID)).hasValue(expected.get("patientId").asText());
    assertThat(ds.getString(Tags.ACCESSION_NUMBER)).hasValue(expected.get("accession").asText());
    assertThat(ds.getString(Tags.STUDY_INSTANCE_UID)).hasValue(expected.get("studyUid").asText());
    assertThat(ds.getInt(Tags.ROWS)).hasValue(expected.get("rows").asInt());
    assertThat(ds.getInt(Tags.COLUMNS)).hasValue(expected.get("columns").asInt());
    assertThat(ds.getInt(Tags.BITS_STORED)).hasValue(expected.get("bitsStored").asInt());
    assertThat(ds.getStrings(Tags.PIXEL_SPACING).stream().map(Double::parseDouble))
        .containsExactly(
            expected.get("pixelSpacing").get(0).asDouble(),
            expected.get("pixelSpacing").get(1).asDouble());
    assertThat(ds.getDouble(Tags.WINDOW_CENTER)).hasValue(expected.get("windowCenter").asDouble());

    List<DicomDataset> views = ds.getSequence(Tags.VIEW_CODE_SEQUENCE);
    assertThat(views).hasSize(1);
    assertThat(views.get(0).getString(Tags.CODE_VALUE)).hasValue(expected.get("viewCode").asText());
    assertThat(
            views
                .get(0)
                .getSequence(Tags.VIEW_MODIFIER_CODE_SEQUENCE)
                .get(0)
                .getString(Tags.CODE_MEANING))
        .hasValue(expected.get("viewModifierMeaning").asText());

    byte[] privateBytes = ds.get(0x00091001).orElseThrow().value();
    List<Integer> privateValues = new ArrayList<>();
    for (byte b : privateBytes) {
      privateValues.add(b & 0xff);
    }
    List<Integer> expectedPrivate = new ArrayList<>();
    expected.get("privateBytes").forEach(n -> expectedPrivate.add(n.asInt()));
    assertThat(privateValues).isEqualTo(expectedPrivate);

    ByteBuffer pixels =
        ByteBuffer.wrap(ds.get(Tags.PIXEL_DATA).orElseThrow().value()).order(ds.byteOrder());
    List<Integer> values = new ArrayList<>();
    while (pixels.remaining() >= 2) {
      values.add(pixels.getShort() & 0xffff);
    }
    List<Integer> expectedPixels = new ArrayList<>();
    expected.get("pixels").forEach(n -> expectedPixels.add(n.asInt()));
    assertThat(values).isEqualTo(expectedPixels);
  }
}
