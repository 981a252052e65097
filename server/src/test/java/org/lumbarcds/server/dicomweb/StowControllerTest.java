package org.lumbarcds.server.dicomweb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lumbarcds.model.testing.DicomFixtures;
import org.lumbarcds.server.web.ApiErrors;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.util.unit.DataSize;

/**
 * STOW-RS's HTTP contract on {@link StowController} with the real store (MockMvc, no server): the
 * PS3.18 response dataset, 200/202/409, a Warning header per failure, and the requests refused
 * whole (415, 413, 400) as problem+json with a DICOMweb Warning.
 */
class StowControllerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROBLEM = "application/problem+json";

  @TempDir Path folder;
  StoreFixture fixture;
  MockMvc mvc;

  @BeforeEach
  void server() throws Exception {
    fixture = new StoreFixture(folder);
    mvc = mvc(fixture);
  }

  private static MockMvc mvc(StoreFixture fixture) {
    return MockMvcBuilders.standaloneSetup(
            new StowController(fixture.stow, fixture.properties, fixture.endpoint))
        .setControllerAdvice(new ApiErrors())
        .build();
  }

  private ResultActions stow(String path, StoreFixture.Body body) throws Exception {
    return mvc.perform(post(path).contentType(body.contentType()).content(body.bytes()));
  }

  private static JsonNode json(ResultActions result) throws Exception {
    return JSON.readTree(result.andReturn().getResponse().getContentAsByteArray());
  }

  @Test
  void allStoredIs200WithEachInstancesRetrieveUrl() throws Exception {
    String study = DicomFixtures.studyUid("study1/neutral.dcm");
    ResultActions result =
        stow("/dicomweb/studies", StoreFixture.body("study1/neutral.dcm", "study1/flexion.dcm"))
            .andExpect(status().isOk())
            .andExpect(content().contentType(DicomWeb.DICOM_JSON))
            .andExpect(header().doesNotExist("Warning"))
            .andExpect(jsonPath("$.00081198").doesNotExist())
            .andExpect(jsonPath("$.00081199.vr").value("SQ"))
            .andExpect(jsonPath("$.00081199.Value.length()").value(2));

    JsonNode item = json(result).path("00081199").path("Value").path(0);
    assertThat(item.path("00081150").path("Value").path(0).asText())
        .isEqualTo("1.2.840.10008.5.1.4.1.1.1.1");
    String sop = item.path("00081155").path("Value").path(0).asText();
    assertThat(item.path("00081190").path("vr").asText()).isEqualTo("UR");
    assertThat(item.path("00081190").path("Value").path(0).asText())
        .startsWith("http://localhost/dicomweb/studies/" + study + "/series/")
        .endsWith("/instances/" + sop);
  }

  @Test
  void someRefusedIs202WithTheirFailureReasonsAndAWarningEach() throws Exception {
    ResultActions result =
        stow(
                "/dicomweb/studies",
                StoreFixture.body("study2/neutral.dcm", "bad/ct.dcm", "bad/jpeg-ls.dcm"))
            .andExpect(status().isAccepted())
            .andExpect(jsonPath("$.00081199.Value.length()").value(1))
            .andExpect(jsonPath("$.00081198.Value.length()").value(2))
            .andExpect(header().stringValues("Warning", hasItem(containsString("not accepted"))))
            .andExpect(header().stringValues("Warning", hasItem(containsString("JPEG-LS"))))
            .andExpect(header().stringValues("Warning", hasItem(startsWith("299 lumbar-cds \""))));

    JsonNode failed = json(result).path("00081198").path("Value");
    assertThat(failed.path(0).path("00081197").path("vr").asText()).isEqualTo("US");
    assertThat(List.of(failed.path(0), failed.path(1)))
        .extracting(f -> f.path("00081197").path("Value").path(0).asInt())
        .containsExactly(
            StowService.SOP_CLASS_NOT_SUPPORTED, StowService.TRANSFER_SYNTAX_NOT_SUPPORTED);
    assertThat(failed.path(0).path("00081150").path("Value").path(0).asText())
        .isEqualTo("1.2.840.10008.5.1.4.1.1.2");
    assertThat(failed.path(0).has("00081190")).isFalse();
  }

  @Test
  void noneStoredIs409() throws Exception {
    stow("/dicomweb/studies", StoreFixture.body("study1/flexion.dcm")).andExpect(status().isOk());

    stow("/dicomweb/studies", StoreFixture.body("study1/flexion-changed.dcm"))
        .andExpect(status().isConflict())
        .andExpect(content().contentType(DicomWeb.DICOM_JSON))
        .andExpect(jsonPath("$.00081199").doesNotExist())
        .andExpect(jsonPath("$.00081198.Value[0].00081197.Value[0]").value(0x0111))
        .andExpect(header().string("Warning", containsString("different content")));
  }

  @Test
  void aStudyInTheUrlIsTheResponsesRetrieveUrlAndRefusesOtherStudies() throws Exception {
    String study = DicomFixtures.studyUid("study2/neutral.dcm");
    stow("/dicomweb/studies/" + study, StoreFixture.body("study2/neutral.dcm"))
        .andExpect(status().isOk())
        .andExpect(
            jsonPath("$.00081190.Value[0]").value("http://localhost/dicomweb/studies/" + study));

    stow("/dicomweb/studies/1.2.3.4", StoreFixture.body("study1/neutral.dcm"))
        .andExpect(status().isConflict())
        .andExpect(jsonPath("$.00081198.Value[0].00081197.Value[0]").value(0xA900));
    stow("/dicomweb/studies/1.02.3", StoreFixture.body("study1/neutral.dcm"))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentType(PROBLEM))
        .andExpect(jsonPath("$.detail").value(containsString("not a valid UID")));
  }

  @Test
  void aConfiguredPublicUrlIsTheBaseOfTheRetrieveUrls() throws Exception {
    StoreFixture behindProxy =
        new StoreFixture(
            folder.resolve("proxy"),
            StoreFixture.properties(
                DataSize.ofMegabytes(256),
                DataSize.ofGigabytes(1),
                "https://pacs.example/dicomweb/"));
    MockMvc proxied = mvc(behindProxy);
    StoreFixture.Body body = StoreFixture.body("study2/neutral.dcm");

    proxied
        .perform(post("/dicomweb/studies").contentType(body.contentType()).content(body.bytes()))
        .andExpect(
            jsonPath("$.00081199.Value[0].00081190.Value[0]")
                .value(startsWith("https://pacs.example/dicomweb/studies/")));
  }

  @Test
  void aBodyThatIsNotMultipartDicomIs415() throws Exception {
    byte[] dcm = DicomFixtures.bytes("study1/neutral.dcm");
    for (String type :
        List.of(
            "application/dicom",
            "multipart/related; type=\"image/jpeg\"; boundary=abc",
            "multipart/related; boundary=abc")) {
      mvc.perform(post("/dicomweb/studies").contentType(type).content(dcm))
          .andExpect(status().isUnsupportedMediaType())
          .andExpect(content().contentType(PROBLEM))
          .andExpect(jsonPath("$.status").value(415))
          .andExpect(jsonPath("$.detail").value(containsString("multipart/related")))
          .andExpect(header().string("Warning", startsWith("299 lumbar-cds \"STOW-RS takes")));
    }
    mvc.perform(post("/dicomweb/studies").content(dcm))
        .andExpect(status().isUnsupportedMediaType());
  }

  @Test
  void aRequestOrAnInstanceOverItsBoundIs413() throws Exception {
    StoreFixture bounded =
        new StoreFixture(
            folder.resolve("bounded"),
            StoreFixture.properties(DataSize.ofKilobytes(4), DataSize.ofKilobytes(12), null));
    MockMvc small = mvc(bounded);

    StoreFixture.Body two = StoreFixture.body("study1/neutral.dcm", "study1/flexion.dcm");
    small
        .perform(post("/dicomweb/studies").contentType(two.contentType()).content(two.bytes()))
        .andExpect(status().isPayloadTooLarge())
        .andExpect(jsonPath("$.detail").value("request larger than 12288 bytes"));
    StoreFixture.Body one = StoreFixture.body("study1/neutral.dcm");
    small
        .perform(post("/dicomweb/studies").contentType(one.contentType()).content(one.bytes()))
        .andExpect(status().isPayloadTooLarge())
        .andExpect(content().contentType(PROBLEM))
        .andExpect(header().exists("Warning"));
  }

  @Test
  void aBodyThatBreaksOffAfterAnInstanceKeepsItAndIs202() throws Exception {
    stow("/dicomweb/studies", StoreFixture.brokenOff("study2/neutral.dcm"))
        .andExpect(status().isAccepted())
        .andExpect(jsonPath("$.00081199.Value.length()").value(1))
        .andExpect(jsonPath("$.00081198.Value[0].00081197.Value[0]").value(0xC000))
        .andExpect(jsonPath("$.00081198.Value[0].00081155").doesNotExist())
        .andExpect(header().string("Warning", containsString("the rest of the request")));
  }

  @Test
  void aMalformedBodyIs400WithoutAStackTrace() throws Exception {
    mvc.perform(
            post("/dicomweb/studies")
                .contentType("multipart/related; type=\"application/dicom\"; boundary=abc")
                .content("--abc\r\nContent-Type: application/dicom\r\n\r\nshort"))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentType(PROBLEM))
        .andExpect(content().string(not(containsString("Exception"))));
  }
}
