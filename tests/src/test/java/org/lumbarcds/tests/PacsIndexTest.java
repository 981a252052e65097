package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.imaging.OrthancServer;
import org.lumbarcds.model.testing.DicomFixtures;

/**
 * A study held by a real PACS (Orthanc with its DICOMweb plugin, on loopback) indexed on request:
 * its ImagingStudy names the PACS's Endpoint, the matched patient and order; the PACS down, an
 * unknown study or endpoint, and an endpoint of the wrong kind give clear JSON errors.
 */
@Tag("orthanc")
class PacsIndexTest extends ServerTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static OrthancServer orthanc;

  @BeforeAll
  static void startOrthanc() throws Exception {
    orthanc = OrthancServer.start(false, PACS_PORT);
    orthanc.stow(
        DicomFixtures.bytes("study3/neutral.dcm"),
        DicomFixtures.bytes("study3/flexion.dcm"),
        DicomFixtures.bytes("study3/extension.dcm"));
  }

  @AfterAll
  static void stopOrthanc() throws Exception {
    if (orthanc != null) {
      orthanc.close();
    }
  }

  private IIdType endpoint(String address, String connectionType) {
    Endpoint endpoint = Fixtures.wadoEndpoint();
    endpoint.setAddress(address);
    endpoint.getConnectionType().setCode(connectionType);
    return client.create().resource(endpoint).execute().getId().toUnqualifiedVersionless();
  }

  private HttpResponse<String> index(String endpoint, String study) throws Exception {
    return send(
        "POST",
        "/imaging/index",
        "application/json",
        JSON.createObjectNode()
            .put("endpoint", endpoint)
            .put("studyInstanceUid", study)
            .toString());
  }

  private static String studyUid() throws Exception {
    return DicomFixtures.studyUid("study3/neutral.dcm");
  }

  @Test
  void aStudyInThePacsIsIndexedWithThePacsAsItsEndpoint() throws Exception {
    IIdType patient =
        client
            .create()
            .resource(Fixtures.patient("PHANTOM-DW3"))
            .execute()
            .getId()
            .toUnqualifiedVersionless();
    IIdType order =
        client
            .create()
            .resource(Fixtures.lumbarXrOrder(new Reference(patient), "ADW3"))
            .execute()
            .getId()
            .toUnqualifiedVersionless();
    IIdType pacs = endpoint(orthanc.dicomWebRoot(), "dicom-wado-rs");

    HttpResponse<String> first = index(pacs.getValue(), studyUid());
    assertThat(first.statusCode()).isEqualTo(200);
    JsonNode answer = JSON.readTree(first.body());
    assertThat(answer.path("change").asText()).isEqualTo("created");
    assertThat(answer.path("patientMatched").asBoolean()).isTrue();
    assertThat(answer.path("orderMatched").asBoolean()).isTrue();
    assertThat(answer.path("instances").asInt()).isEqualTo(3);

    ImagingStudy study =
        client
            .read()
            .resource(ImagingStudy.class)
            .withUrl(answer.path("imagingStudy").asText())
            .execute();
    assertThat(study.getEndpointFirstRep().getReference()).isEqualTo(pacs.getValue());
    assertThat(study.getSubject().getReference()).isEqualTo(patient.getValue());
    assertThat(study.getBasedOnFirstRep().getReference()).isEqualTo(order.getValue());
    assertThat(study.getSeries())
        .extracting(
            s ->
                ((Coding)
                        s.getExtensionByUrl(
                                "http://lumbarcds.org/fhir/StructureDefinition/radiograph-posture")
                            .getValue())
                    .getCode())
        .containsExactly("109136", "9964006", "24154002");

    HttpResponse<String> again = index(pacs.getValue(), studyUid());
    assertThat(JSON.readTree(again.body()).path("change").asText()).isEqualTo("unchanged");
    Bundle byUid =
        client
            .search()
            .forResource(ImagingStudy.class)
            .where(
                ImagingStudy.IDENTIFIER
                    .exactly()
                    .systemAndCode("urn:dicom:uid", "urn:oid:" + studyUid()))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(byUid.getEntry()).hasSize(1);
  }

  @Test
  void failuresAreClearJsonErrors() throws Exception {
    IIdType pacs = endpoint(orthanc.dicomWebRoot(), "dicom-wado-rs");
    HttpResponse<String> unknownStudy = index(pacs.getValue(), "1.2.3.4.5.6.7.8");
    assertThat(unknownStudy.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknownStudy.body()).path("detail").asText())
        .contains("no such study");

    assertThat(index("Endpoint/does-not-exist", studyUid()).statusCode()).isEqualTo(404);
    assertThat(
            index(endpoint(orthanc.dicomWebRoot(), "hl7-fhir-rest").getValue(), studyUid())
                .statusCode())
        .isEqualTo(400);
    assertThat(index(pacs.getValue(), "not-a-uid").statusCode()).isEqualTo(400);

    // an Endpoint written through the FHIR API cannot send the server anywhere it is not told to
    HttpResponse<String> elsewhere =
        index(endpoint("http://127.0.0.1:9/dicom-web", "dicom-wado-rs").getValue(), studyUid());
    assertThat(elsewhere.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(elsewhere.body()).path("detail").asText())
        .contains("not a configured PACS");

    IIdType down = endpoint(pacsUrl(DOWN_PACS_PORT), "dicom-wado-rs");
    HttpResponse<String> unavailable = index(down.getValue(), studyUid());
    assertThat(unavailable.statusCode()).isEqualTo(504);
    assertThat(JSON.readTree(unavailable.body()).path("detail").asText())
        .contains("unavailable after 3 attempts");
    assertThat(unavailable.body()).doesNotContain("Exception");
    // the server keeps serving
    assertThat(send("GET", "/fhir/metadata", null, null).statusCode()).isEqualTo(200);
  }
}
