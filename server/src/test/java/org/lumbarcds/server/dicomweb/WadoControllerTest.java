package org.lumbarcds.server.dicomweb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lumbarcds.cds.imaging.Multipart;
import org.lumbarcds.model.testing.DicomFixtures;
import org.lumbarcds.server.web.ApiErrors;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/**
 * WADO-RS's HTTP contract on {@link WadoController} over a store holding study1's three laterals:
 * instances as stored in multipart/related, Accept negotiation (406), metadata without bulk data,
 * and 404 as problem+json with a DICOMweb Warning.
 */
class WadoControllerTest {

  private static final String DICOM_PARTS = "multipart/related; type=\"application/dicom\"";
  private static final String[] STUDY = {
    "study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm"
  };

  @TempDir Path folder;
  MockMvc mvc;
  String study;
  InstanceIndex.Row flexion;

  @BeforeEach
  void storeStudy1() throws Exception {
    StoreFixture fixture = new StoreFixture(folder);
    fixture.stored(STUDY);
    study = DicomFixtures.studyUid("study1/neutral.dcm");
    flexion = fixture.index.instances(study, Optional.empty()).get(1);
    mvc =
        MockMvcBuilders.standaloneSetup(new WadoController(fixture.store, fixture.index))
            .setControllerAdvice(new ApiErrors())
            .build();
  }

  /** A retrieve's streamed answer. */
  private MockHttpServletResponse retrieve(String path, String accept) throws Exception {
    MockHttpServletRequestBuilder builder = get(path);
    if (accept != null) {
      builder.header("Accept", accept);
    }
    MvcResult started = mvc.perform(builder).andExpect(request().asyncStarted()).andReturn();
    return mvc.perform(asyncDispatch(started)).andExpect(status().isOk()).andReturn().getResponse();
  }

  private static List<byte[]> parts(MockHttpServletResponse response) throws Exception {
    return StoreFixture.parts(response.getContentType(), response.getContentAsByteArray()).stream()
        .map(Multipart.Part::body)
        .toList();
  }

  @Test
  void aStudyIsItsInstancesAsStoredInMultipartRelated() throws Exception {
    MockHttpServletResponse response = retrieve("/dicomweb/studies/" + study, DICOM_PARTS);

    assertThat(response.getContentType()).startsWith(DICOM_PARTS + "; boundary=");
    assertThat(parts(response))
        .usingElementComparator(Arrays::compare)
        .containsExactly(
            DicomFixtures.bytes(STUDY[0]),
            DicomFixtures.bytes(STUDY[1]),
            DicomFixtures.bytes(STUDY[2]));
    assertThat(response.getContentAsString(StandardCharsets.ISO_8859_1))
        .contains("Content-Type: application/dicom; transfer-syntax=1.2.840.10008.1.2.1");
  }

  @Test
  void aSeriesAndAnInstanceAreTheirOwnInstances() throws Exception {
    String series = "/dicomweb/studies/" + study + "/series/" + flexion.seriesInstanceUid();
    assertThat(parts(retrieve(series, null))).hasSize(1);
    MockHttpServletResponse one =
        retrieve(series + "/instances/" + flexion.sopInstanceUid(), "*/*");
    assertThat(parts(one))
        .usingElementComparator(Arrays::compare)
        .containsExactly(DicomFixtures.bytes("study1/flexion.dcm"));
  }

  @Test
  void theAcceptHeaderMayAskForTheStoredSyntaxOrAnyButNothingElse() throws Exception {
    String path = "/dicomweb/studies/" + study;
    retrieve(path, DICOM_PARTS + "; transfer-syntax=1.2.840.10008.1.2.1");
    retrieve(path, DICOM_PARTS + "; transfer-syntax=*");
    // a later range that takes any syntax is honoured
    retrieve(
        path,
        DICOM_PARTS
            + "; transfer-syntax=1.2.840.10008.1.2.4.50, "
            + DICOM_PARTS
            + "; transfer-syntax=*");

    mvc.perform(
            get(path).header("Accept", DICOM_PARTS + "; transfer-syntax=1.2.840.10008.1.2.4.50"))
        .andExpect(status().isNotAcceptable())
        .andExpect(content().contentType("application/problem+json"))
        .andExpect(
            jsonPath("$.detail").value(containsString("transfer syntax they were stored in")))
        .andExpect(header().string("Warning", startsWith("299 lumbar-cds ")));
    mvc.perform(get(path).header("Accept", "image/png"))
        .andExpect(status().isNotAcceptable())
        .andExpect(jsonPath("$.detail").value(containsString("only multipart/related")));
  }

  @Test
  void unknownOrMalformedUidsAre404() throws Exception {
    for (String path :
        List.of(
            "/dicomweb/studies/1.2.3.999",
            "/dicomweb/studies/" + study + "/series/1.2.3.999",
            "/dicomweb/studies/"
                + study
                + "/series/"
                + flexion.seriesInstanceUid()
                + "/instances/1.2",
            "/dicomweb/studies/not-a-uid",
            "/dicomweb/studies/1.2.3.999/metadata")) {
      mvc.perform(get(path))
          .andExpect(status().isNotFound())
          .andExpect(content().contentType("application/problem+json"))
          .andExpect(jsonPath("$.detail").value("no such study, series or instance"))
          .andExpect(header().string("Warning", containsString("no such study")));
    }
  }

  @Test
  void metadataIsDicomJsonWithoutBulkData() throws Exception {
    mvc.perform(get("/dicomweb/studies/" + study + "/metadata"))
        .andExpect(status().isOk())
        .andExpect(content().contentType(DicomWeb.DICOM_JSON))
        .andExpect(jsonPath("$.length()").value(3))
        .andExpect(jsonPath("$[1].00080018.Value[0]").value(flexion.sopInstanceUid()))
        .andExpect(jsonPath("$[1].00280010.Value[0]").value(64))
        .andExpect(jsonPath("$[1].7FE00010").doesNotExist());
    String series = "/dicomweb/studies/" + study + "/series/" + flexion.seriesInstanceUid();
    mvc.perform(get(series + "/metadata")).andExpect(jsonPath("$.length()").value(1));
    mvc.perform(get(series + "/instances/" + flexion.sopInstanceUid() + "/metadata"))
        .andExpect(jsonPath("$[0].0020000E.Value[0]").value(flexion.seriesInstanceUid()));
  }
}
