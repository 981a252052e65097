package org.lumbarcds.model.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Datasets made in memory, as DicomJsonWriter writes them and DicomDataset reads them back. */
class DicomDatasetBuilderTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void writesTheDicomJsonOfAStowResponse() throws Exception {
    DicomDataset failed =
        new DicomDatasetBuilder()
            .text(Tags.REFERENCED_SOP_INSTANCE_UID, Vr.UI, "1.2.3.4")
            .unsignedShort(Tags.FAILURE_REASON, 0xC000)
            .build();
    DicomDataset response =
        new DicomDatasetBuilder()
            .sequence(Tags.FAILED_SOP_SEQUENCE, List.of(failed))
            .text(Tags.RETRIEVE_URL, Vr.UR, "http://host/dicomweb/studies/1.2")
            .build();

    JsonNode expected =
        MAPPER.readTree(
            """
            {"00081190": {"vr": "UR", "Value": ["http://host/dicomweb/studies/1.2"]},
             "00081198": {"vr": "SQ", "Value": [
               {"00081155": {"vr": "UI", "Value": ["1.2.3.4"]},
                "00081197": {"vr": "US", "Value": [49152]}}]}}
            """);
    assertThat(DicomJsonWriter.write(response)).isEqualTo(expected);
  }

  @Test
  void textNumbersNamesAndEmptyValues() throws Exception {
    DicomDataset ds =
        new DicomDatasetBuilder()
            .text(Tags.PATIENT_NAME, Vr.PN, "Müller^Anna")
            .text(Tags.MODALITIES_IN_STUDY, Vr.CS, "DX", "CR")
            .integerString(Tags.NUMBER_OF_STUDY_RELATED_INSTANCES, 3)
            .text(Tags.STUDY_DATE, Vr.DA, (String) null)
            .text(Tags.ACCESSION_NUMBER, Vr.SH)
            .build();

    assertThat(ds.getString(Tags.PATIENT_NAME)).contains("Müller^Anna");
    assertThat(ds.getStrings(Tags.MODALITIES_IN_STUDY)).containsExactly("DX", "CR");
    assertThat(ds.getInt(Tags.NUMBER_OF_STUDY_RELATED_INSTANCES).getAsInt()).isEqualTo(3);
    JsonNode json = DicomJsonWriter.write(ds);
    assertThat(json.path("00100010").path("Value").path(0).path("Alphabetic").asText())
        .isEqualTo("Müller^Anna");
    assertThat(json.path("00201208").path("Value").path(0).isInt()).isTrue();
    // present without a value, as DICOM JSON writes an empty element
    assertThat(json.path("00080020").toString()).isEqualTo("{\"vr\":\"DA\"}");
    assertThat(json.path("00080050").toString()).isEqualTo("{\"vr\":\"SH\"}");
  }

  @Test
  void whatIsBuiltDoesNotChangeWithTheBuilder() {
    DicomDatasetBuilder builder = new DicomDatasetBuilder().text(Tags.MODALITY, Vr.CS, "DX");
    DicomDataset first = builder.build();
    builder.text(Tags.MODALITY, Vr.CS, "CR").text(Tags.PATIENT_ID, Vr.LO, "P1");

    assertThat(first.getString(Tags.MODALITY)).contains("DX");
    assertThat(first.contains(Tags.PATIENT_ID)).isFalse();
    assertThat(builder.build().getString(Tags.MODALITY)).contains("CR");
  }

  @Test
  void refusesWhatIsNotAValue() {
    DicomDatasetBuilder builder = new DicomDatasetBuilder();
    assertThatThrownBy(() -> builder.text(Tags.PIXEL_DATA, Vr.OW, "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.text(Tags.MODALITY, Vr.CS, "DX\\CR"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.unsignedShort(Tags.FAILURE_REASON, 0x10000))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.sequence(Tags.ITEM, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
