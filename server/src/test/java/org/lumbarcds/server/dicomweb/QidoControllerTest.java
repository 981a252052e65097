package org.lumbarcds.server.dicomweb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lumbarcds.model.testing.DicomFixtures;
import org.lumbarcds.server.web.ApiErrors;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.util.unit.DataSize;

/**
 * QIDO-RS's HTTP contract on {@link QidoController} over a store holding three studies (study1's
 * three laterals, study2 and study3; every study date 20260101): the match attributes, the search
 * keys, StudyDate ranges, limit and offset, ignored keys named in a Warning, and the refusals.
 */
class QidoControllerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path folder;
  MockMvc mvc;
  String study1;

  @BeforeEach
  void storeThreeStudies() throws Exception {
    mvc = mvc(new StoreFixture(folder));
    study1 = DicomFixtures.studyUid("study1/neutral.dcm");
  }

  private static MockMvc mvc(StoreFixture fixture) throws Exception {
    fixture.stored(
        "study1/neutral.dcm",
        "study1/flexion.dcm",
        "study1/extension.dcm",
        "study2/neutral.dcm",
        "study3/neutral.dcm");
    return MockMvcBuilders.standaloneSetup(new QidoController(fixture.index, fixture.endpoint))
        .setControllerAdvice(new ApiErrors())
        .build();
  }

  private JsonNode search(String query) throws Exception {
    byte[] body =
        mvc.perform(get("/dicomweb/studies" + query))
            .andExpect(status().isOk())
            .andExpect(content().contentType(DicomWeb.DICOM_JSON))
            .andReturn()
            .getResponse()
            .getContentAsByteArray();
    return JSON.readTree(body);
  }

  private static List<String> studyUids(JsonNode matches) {
    List<String> uids = new ArrayList<>();
    matches.forEach(m -> uids.add(m.path("0020000D").path("Value").path(0).asText()));
    return uids;
  }

  @Test
  void aStudyMatchCarriesItsAttributesAndCounts() throws Exception {
    JsonNode matches = search("?AccessionNumber=ADW1");

    assertThat(matches).hasSize(1);
    JsonNode s = matches.path(0);
    assertThat(s.path("0020000D").path("Value").path(0).asText()).isEqualTo(study1);
    assertThat(s.path("00080020").path("Value").path(0).asText()).isEqualTo("20260101");
    assertThat(s.path("00080050").path("vr").asText()).isEqualTo("SH");
    assertThat(s.path("00080061").path("Value").path(0).asText()).isEqualTo("DX");
    assertThat(s.path("00100010").path("Value").path(0).path("Alphabetic").asText())
        .isEqualTo("PHANTOM^PHANTOM-DW1");
    assertThat(s.path("00100020").path("Value").path(0).asText()).isEqualTo("PHANTOM-DW1");
    assertThat(s.path("00201206").path("Value").path(0).asInt()).isEqualTo(3);
    assertThat(s.path("00201208").path("Value").path(0).asInt()).isEqualTo(3);
    assertThat(s.path("00081190").path("Value").path(0).asText())
        .isEqualTo("http://localhost/dicomweb/studies/" + study1);
  }

  @Test
  void searchKeysByKeywordOrTagMatchExactly() throws Exception {
    assertThat(studyUids(search("?PatientID=PHANTOM-DW1"))).containsExactly(study1);
    assertThat(studyUids(search("?00100020=PHANTOM-DW1"))).containsExactly(study1);
    assertThat(studyUids(search("?StudyInstanceUID=" + study1))).containsExactly(study1);
    assertThat(search("?PatientID=PHANTOM")).isEmpty();
    assertThat(search("?ModalitiesInStudy=DX")).hasSize(3);
    assertThat(search("?ModalitiesInStudy=CT")).isEmpty();
    assertThat(search("")).hasSize(3);
  }

  @Test
  void studyDateIsADateOrARangeOpenAtEitherEnd() throws Exception {
    assertThat(search("?StudyDate=20260101")).hasSize(3);
    assertThat(search("?StudyDate=20251231-20260101")).hasSize(3);
    assertThat(search("?StudyDate=20250101-20251231")).isEmpty();
    assertThat(search("?StudyDate=-20251231")).isEmpty();
    assertThat(search("?StudyDate=20260102-")).isEmpty();
    assertThat(search("?StudyDate=20260101&PatientID=PHANTOM-DW1")).hasSize(1);
  }

  @Test
  void limitAndOffsetPageThroughTheMatches() throws Exception {
    List<String> all = studyUids(search(""));

    assertThat(studyUids(search("?limit=2"))).isEqualTo(all.subList(0, 2));
    assertThat(studyUids(search("?limit=2&offset=2"))).isEqualTo(all.subList(2, 3));
    assertThat(search("?offset=3")).isEmpty();
    assertThat(search("?limit=0")).isEmpty();
  }

  @Test
  void badLimitsAndDatesAre400() throws Exception {
    for (String query :
        List.of(
            "?limit=-1", "?offset=-1", "?limit=ten", "?StudyDate=yesterday", "?StudyDate=2026")) {
      mvc.perform(get("/dicomweb/studies" + query))
          .andExpect(status().isBadRequest())
          .andExpect(content().contentType("application/problem+json"))
          .andExpect(header().exists("Warning"));
    }
    mvc.perform(get("/dicomweb/studies?StudyDate=yesterday"))
        .andExpect(jsonPath("$.detail").value(containsString("YYYYMMDD")));
  }

  @Test
  void otherKeysAreIgnoredAndNamedInAWarning() throws Exception {
    mvc.perform(get("/dicomweb/studies?PatientID=PHANTOM-DW1&Foo=1&PatientName=X&limit=5"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.length()").value(1))
        .andExpect(
            header()
                .string(
                    "Warning",
                    "299 lumbar-cds \"The following query parameters were ignored: foo,"
                        + " patientname\""));
    mvc.perform(get("/dicomweb/studies?PatientID=PHANTOM-DW1"))
        .andExpect(header().doesNotExist("Warning"));
  }

  @Test
  void theSeriesOfAStudy() throws Exception {
    mvc.perform(get("/dicomweb/studies/" + study1 + "/series"))
        .andExpect(status().isOk())
        .andExpect(content().contentType(DicomWeb.DICOM_JSON))
        .andExpect(jsonPath("$.length()").value(3))
        .andExpect(jsonPath("$[1].0008103E.Value[0]").value("L-SPINE LAT FLEXION"))
        .andExpect(jsonPath("$[1].00080060.Value[0]").value("DX"))
        .andExpect(jsonPath("$[1].00200011.Value[0]").value(2))
        .andExpect(jsonPath("$[1].00201209.Value[0]").value(1))
        .andExpect(jsonPath("$[1].0020000D.Value[0]").value(study1))
        .andExpect(
            jsonPath("$[1].00081190.Value[0]")
                .value(containsString("/dicomweb/studies/" + study1 + "/series/")));
    for (String study : List.of("1.2.3.999", "not-a-uid")) {
      mvc.perform(get("/dicomweb/studies/" + study + "/series"))
          .andExpect(status().isNotFound())
          .andExpect(content().contentType("application/problem+json"))
          .andExpect(jsonPath("$.detail").value("no such study"));
    }
  }

  @Test
  void aConfiguredPublicUrlIsTheBaseOfTheRetrieveUrls() throws Exception {
    StoreFixture proxied =
        new StoreFixture(
            folder.resolve("proxy"),
            StoreFixture.properties(
                DataSize.ofMegabytes(256),
                DataSize.ofGigabytes(1),
                "https://pacs.example/dicomweb"));

    mvc(proxied)
        .perform(get("/dicomweb/studies?AccessionNumber=ADW1"))
        .andExpect(
            jsonPath("$[0].00081190.Value[0]")
                .value("https://pacs.example/dicomweb/studies/" + study1));
  }
}
