package org.lumbarcds.server.dicomweb;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Endpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lumbarcds.cds.imaging.ImageSource;
import org.lumbarcds.cds.imaging.ImageSourceException;
import org.lumbarcds.model.testing.DicomFixtures;
import org.lumbarcds.model.testing.Headers;
import org.lumbarcds.server.web.ApiErrors;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.util.unit.DataSize;

/**
 * {@code POST /imaging/index} on {@link StudyIndexController}: a study of the embedded store (real
 * files and catalogue) or of a PACS indexed, and each refusal's status as problem+json. The FHIR
 * side (Endpoint reads, ImagingStudy writes) is a Mockito mock; a PACS that is down is a closed
 * port, one that answers wrongly a mock image source.
 */
class StudyIndexControllerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DOWN_PACS = "http://127.0.0.1:9/dicom-web";
  private static final String STUDY = "1.2.826.0.1.3680043.8.498.1";

  @TempDir Path folder;
  StoreFixture fixture;

  @SuppressWarnings("unchecked")
  IFhirResourceDao<Endpoint> endpoints = mock(IFhirResourceDao.class);

  MockMvc mvc;

  @BeforeEach
  void server() throws Exception {
    fixture = new StoreFixture(folder);
    DaoRegistry daos = mock(DaoRegistry.class);
    when(daos.getResourceDao(Endpoint.class)).thenReturn(endpoints);
    when(endpoints.read(any(IIdType.class), any(RequestDetails.class)))
        .thenThrow(new ResourceNotFoundException("Endpoint"));
    PacsProperties pacs =
        new PacsProperties(
            Duration.ofMillis(500),
            Duration.ofSeconds(2),
            1,
            Duration.ofMillis(10),
            DataSize.ofMegabytes(1),
            List.of(new PacsProperties.Server(DOWN_PACS, null, null)));
    when(fixture.indexer.index(anyList(), any()))
        .thenReturn(
            new ImagingStudyIndexer.Indexed(
                "dicom-1", ImagingStudyIndexer.Change.CREATED, true, false));
    mvc = mvc(new ImageSources(daos, fixture.source, pacs));
  }

  private MockMvc mvc(ImageSources sources) {
    return MockMvcBuilders.standaloneSetup(new StudyIndexController(sources, fixture.indexer))
        .setControllerAdvice(new ApiErrors())
        .build();
  }

  private static ResultActions index(MockMvc mvc, String endpoint, String study) throws Exception {
    String body =
        JSON.createObjectNode().put("endpoint", endpoint).put("studyInstanceUid", study).toString();
    return mvc.perform(
        post("/imaging/index").contentType(MediaType.APPLICATION_JSON).content(body));
  }

  private ResultActions index(String endpoint, String study) throws Exception {
    return index(mvc, endpoint, study);
  }

  /** An Endpoint resource the FHIR store holds at this id. */
  private void endpoint(String id, String address, String type, Endpoint.EndpointStatus status) {
    Endpoint endpoint = new Endpoint();
    endpoint.setId(id);
    endpoint.setAddress(address);
    endpoint.setStatus(status);
    endpoint.getConnectionType().setCode(type);
    doReturn(endpoint)
        .when(endpoints)
        .read(argThat((IIdType i) -> i.getIdPart().equals(id)), any(RequestDetails.class));
  }

  @Test
  void aStudyOfTheEmbeddedStoreIsIndexedFromItsInstances() throws Exception {
    fixture.stored("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    clearInvocations(fixture.indexer);

    index(StoreFixture.ENDPOINT, DicomFixtures.studyUid("study1/neutral.dcm"))
        .andExpect(status().isOk())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
        .andExpect(jsonPath("$.imagingStudy").value("ImagingStudy/dicom-1"))
        .andExpect(jsonPath("$.change").value("created"))
        .andExpect(jsonPath("$.patientMatched").value(true))
        .andExpect(jsonPath("$.orderMatched").value(false))
        .andExpect(jsonPath("$.instances").value(3));
    verify(fixture.indexer)
        .index(
            argThat(headers -> headers.size() == 3),
            argThat(r -> r.getReference().equals(StoreFixture.ENDPOINT)));
  }

  @Test
  void aMissingOrMalformedUidIs400() throws Exception {
    for (String uid : List.of("", "not-a-uid", "1.02.3")) {
      index(StoreFixture.ENDPOINT, uid)
          .andExpect(status().isBadRequest())
          .andExpect(content().contentType("application/problem+json"))
          .andExpect(jsonPath("$.detail").value(containsString("not a DICOM UID")))
          // not DICOMweb: no Warning header
          .andExpect(header().doesNotExist("Warning"));
    }
  }

  @Test
  void anEndpointThatCannotServeImagesIs404Or400() throws Exception {
    endpoint("fhir", "http://fhir.example/fhir", "hl7-fhir-rest", Endpoint.EndpointStatus.ACTIVE);
    endpoint("off", DOWN_PACS, "dicom-wado-rs", Endpoint.EndpointStatus.OFF);
    endpoint(
        "elsewhere", "http://127.0.0.1:9/other", "dicom-wado-rs", Endpoint.EndpointStatus.ACTIVE);

    index("Endpoint/nope", STUDY)
        .andExpect(status().isNotFound())
        .andExpect(jsonPath("$.detail").value("no such Endpoint"));
    index("Patient/1", STUDY).andExpect(status().isBadRequest());
    index("Endpoint/fhir", STUDY)
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.detail").value(containsString("dicom-wado-rs")));
    index("Endpoint/off", STUDY)
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.detail").value(containsString("not active")));
    index("Endpoint/elsewhere", STUDY)
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.detail").value(containsString("not a configured PACS")));
  }

  @Test
  void aStudyTheSourceDoesNotHoldIs404() throws Exception {
    index(StoreFixture.ENDPOINT, STUDY)
        .andExpect(status().isNotFound())
        .andExpect(jsonPath("$.detail").value(containsString("no such study")));
  }

  @Test
  void aPacsThatIsDownIs504() throws Exception {
    endpoint("pacs", DOWN_PACS, "dicom-wado-rs", Endpoint.EndpointStatus.ACTIVE);

    index("Endpoint/pacs", STUDY)
        .andExpect(status().isGatewayTimeout())
        .andExpect(content().contentType("application/problem+json"))
        .andExpect(content().string(not(containsString("Exception"))));
  }

  @Test
  void aPacsThatRefusesOrAnswersWronglyIs502() throws Exception {
    ImageSource pacs = mock(ImageSource.class);
    ImageSources sources = mock(ImageSources.class);
    when(sources.forEndpoint("Endpoint/pacs")).thenReturn(pacs);
    MockMvc withPacs = mvc(sources);

    when(pacs.metadata(STUDY))
        .thenReturn(
            List.of(
                Headers.header(
                    "StudyInstanceUID=1.2.3|SeriesInstanceUID=1.2.3.1|SOPInstanceUID=1.2.3.1.1")));
    index(withPacs, "Endpoint/pacs", STUDY)
        .andExpect(status().isBadGateway())
        .andExpect(jsonPath("$.detail").value(containsString("another study")));
    when(pacs.metadata(STUDY))
        .thenReturn(
            List.of(Headers.header("StudyInstanceUID=" + STUDY + "|SeriesInstanceUID=1.2")));
    index(withPacs, "Endpoint/pacs", STUDY).andExpect(status().isBadGateway());
    when(pacs.metadata(STUDY))
        .thenThrow(
            new ImageSourceException(ImageSourceException.Reason.REFUSED, "the PACS refused"));
    index(withPacs, "Endpoint/pacs", STUDY)
        .andExpect(status().isBadGateway())
        .andExpect(jsonPath("$.detail").value("the PACS refused"));
  }

  @Test
  void aStudyWithoutInstancesIs404() throws Exception {
    ImageSource pacs = mock(ImageSource.class);
    ImageSources sources = mock(ImageSources.class);
    when(sources.forEndpoint("Endpoint/pacs")).thenReturn(pacs);
    when(pacs.metadata(STUDY)).thenReturn(List.of());

    index(mvc(sources), "Endpoint/pacs", STUDY)
        .andExpect(status().isNotFound())
        .andExpect(jsonPath("$.detail").value("the study has no instances"));
  }

  @Test
  void aBodyThatIsNotJsonIs400Or415() throws Exception {
    mvc.perform(post("/imaging/index").contentType(MediaType.APPLICATION_JSON).content("{"))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentType("application/problem+json"));
    mvc.perform(post("/imaging/index").contentType(MediaType.TEXT_PLAIN).content("x"))
        .andExpect(status().isUnsupportedMediaType());
  }
}
