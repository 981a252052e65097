package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.lumbarcds.cds.imaging.Multipart;
import org.lumbarcds.model.testing.DicomFixtures;

/**
 * The embedded DICOMweb store driven as a modality and a viewer would: STOW-RS of the three
 * laterals of an ordered study, the ImagingStudy it indexes, resends, conflicts and bad instances,
 * WADO-RS and QIDO-RS. Fixtures: model/src/test/resources/dicomweb/make_fixtures.py. The steps
 * build on each other, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DicomWebStoreTest extends ServerTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String POSTURE_EXTENSION =
      "http://lumbarcds.org/fhir/StructureDefinition/radiograph-posture";
  private static IIdType patient;
  private static IIdType order;
  private static String studyUid;

  private HttpResponse<byte[]> stow(String path, String contentType, byte[] body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", contentType)
            .header("Accept", "application/dicom+json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> stow(String... files) throws Exception {
    String boundary = Multipart.newBoundary();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String file : files) {
      Multipart.writePart(out, boundary, "application/dicom", DicomFixtures.bytes(file));
    }
    Multipart.writeEnd(out, boundary);
    return stow(
        "/dicomweb/studies",
        Multipart.contentType(boundary, "application/dicom"),
        out.toByteArray());
  }

  private HttpResponse<byte[]> get(String path, String accept) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET();
    if (accept != null) {
      request.header("Accept", accept);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static JsonNode json(HttpResponse<byte[]> response) throws Exception {
    return JSON.readTree(response.body());
  }

  private static List<Integer> failureReasons(JsonNode response) {
    List<Integer> reasons = new ArrayList<>();
    response
        .path("00081198")
        .path("Value")
        .forEach(item -> reasons.add(item.path("00081197").path("Value").path(0).asInt()));
    return reasons;
  }

  private ImagingStudy studyByUid(String uid) {
    Bundle found =
        client
            .search()
            .forResource(ImagingStudy.class)
            .where(
                ImagingStudy.IDENTIFIER.exactly().systemAndCode("urn:dicom:uid", "urn:oid:" + uid))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(found.getEntry()).hasSize(1);
    return (ImagingStudy) found.getEntryFirstRep().getResource();
  }

  @Test
  @Order(1)
  void threeLateralsOfAnOrderedStudyBecomeItsImagingStudy() throws Exception {
    // the patient's record carries the DICOM Patient ID; the order carries the accession number
    patient =
        client
            .create()
            .resource(Fixtures.patient("PHANTOM-DW1"))
            .execute()
            .getId()
            .toUnqualifiedVersionless();
    order =
        client
            .create()
            .resource(Fixtures.lumbarXrOrder(new Reference(patient), "ADW1"))
            .execute()
            .getId()
            .toUnqualifiedVersionless();

    HttpResponse<byte[]> response =
        stow("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).contains("application/dicom+json");
    JsonNode body = json(response);
    assertThat(body.path("00081199").path("Value")).hasSize(3);
    assertThat(body.has("00081198")).isFalse();
    String retrieveUrl =
        body.path("00081199").path("Value").path(0).path("00081190").path("Value").path(0).asText();
    assertThat(retrieveUrl).startsWith("http://127.0.0.1:" + port + "/dicomweb/studies/");
    studyUid = retrieveUrl.split("/studies/")[1].split("/")[0];

    ImagingStudy study = studyByUid(studyUid);
    assertThat(study.getStatus()).isEqualTo(ImagingStudy.ImagingStudyStatus.AVAILABLE);
    assertThat(study.getSubject().getReference()).isEqualTo(patient.getValue());
    assertThat(study.getBasedOnFirstRep().getReference()).isEqualTo(order.getValue());
    assertThat(study.getIdentifier().get(1).getValue()).isEqualTo("ADW1");
    assertThat(study.getNumberOfSeries()).isEqualTo(3);
    assertThat(study.getSeries())
        .extracting(s -> ((Coding) s.getExtensionByUrl(POSTURE_EXTENSION).getValue()).getCode())
        .containsExactly("109136", "9964006", "24154002");
    assertThat(study.getSeriesFirstRep().getInstanceFirstRep().getSopClass().getCode())
        .isEqualTo("urn:oid:1.2.840.10008.5.1.4.1.1.1.1");
    assertThat(study.getSeriesFirstRep().getBodySite().getCode()).isEqualTo("122496007");
    Endpoint endpoint =
        client
            .read()
            .resource(Endpoint.class)
            .withUrl(study.getEndpointFirstRep().getReference())
            .execute();
    assertThat(endpoint.getConnectionType().getCode()).isEqualTo("dicom-wado-rs");
    assertThat(endpoint.getAddress()).isEqualTo("http://127.0.0.1:" + port + "/dicomweb");
  }

  @Test
  @Order(2)
  void resendingTheSameInstancesChangesNothing() throws Exception {
    String version = studyByUid(studyUid).getMeta().getVersionId();
    HttpResponse<byte[]> response = stow("study1/flexion.dcm", "study1/neutral.dcm");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).path("00081199").path("Value")).hasSize(2);
    assertThat(studyByUid(studyUid).getMeta().getVersionId()).isEqualTo(version);
  }

  @Test
  @Order(3)
  void aRepeatedUidWithOtherContentIsRefusedAndTheStoredOneKept() throws Exception {
    HttpResponse<byte[]> response = stow("study1/flexion-changed.dcm");
    assertThat(response.statusCode()).isEqualTo(409);
    assertThat(failureReasons(json(response))).containsExactly(0x0111);
    assertThat(response.headers().allValues("Warning"))
        .anyMatch(w -> w.contains("different content"));
    assertThat(parts(get("/dicomweb/studies/" + studyUid, null)))
        .usingElementComparator(Arrays::compare)
        .containsExactlyElementsOf(
            List.of(
                DicomFixtures.bytes("study1/neutral.dcm"),
                DicomFixtures.bytes("study1/flexion.dcm"),
                DicomFixtures.bytes("study1/extension.dcm")));
  }

  @Test
  @Order(4)
  void badInstancesAreRefusedOneByOneWithTheirReasons() throws Exception {
    byte[] dx = DicomFixtures.bytes("study1/extension.dcm");
    byte[] truncated = Arrays.copyOf(dx, dx.length - 700);
    String boundary = Multipart.newBoundary();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Multipart.writePart(out, boundary, "application/dicom", "not dicom at all".getBytes());
    Multipart.writePart(out, boundary, "application/dicom", truncated);
    Multipart.writePart(out, boundary, "application/dicom", DicomFixtures.bytes("bad/ct.dcm"));
    Multipart.writePart(out, boundary, "application/dicom", DicomFixtures.bytes("bad/jpeg-ls.dcm"));
    Multipart.writePart(
        out, boundary, "application/dicom", DicomFixtures.bytes("study2/neutral.dcm"));
    Multipart.writeEnd(out, boundary);
    HttpResponse<byte[]> response =
        stow(
            "/dicomweb/studies",
            Multipart.contentType(boundary, "application/dicom"),
            out.toByteArray());
    assertThat(response.statusCode()).isEqualTo(202); // some stored, some not
    JsonNode body = json(response);
    assertThat(failureReasons(body)).containsExactly(0xC000, 0xC000, 0x0122, 0xC122);
    assertThat(body.path("00081199").path("Value")).hasSize(1);
    assertThat(response.headers().allValues("Warning"))
        .anyMatch(w -> w.contains("JPEG-LS"))
        .anyMatch(w -> w.contains("not accepted"));
  }

  @Test
  @Order(5)
  void aStudyWhosePatientIsUnknownIsIndexedWithoutInventingOne() throws Exception {
    HttpResponse<byte[]> qido =
        get("/dicomweb/studies?PatientID=PHANTOM-DW2", "application/dicom+json");
    String uid = json(qido).path(0).path("0020000D").path("Value").path(0).asText();
    ImagingStudy study = studyByUid(uid);
    assertThat(study.getSubject().hasReference()).isFalse();
    assertThat(study.getSubject().getIdentifier().getValue()).isEqualTo("PHANTOM-DW2");
    assertThat(study.getMeta().getTag())
        .extracting(Coding::getCode)
        .containsExactly("patient-not-matched");
    assertThat(study.getBasedOn()).isEmpty();

    // the patient's record arrives; the study, sent again, is linked and loses its flag
    IIdType dw2 =
        client
            .create()
            .resource(Fixtures.patient("PHANTOM-DW2"))
            .execute()
            .getId()
            .toUnqualifiedVersionless();
    assertThat(stow("study2/neutral.dcm").statusCode()).isEqualTo(200);
    ImagingStudy linked = studyByUid(uid);
    assertThat(linked.getSubject().getReference()).isEqualTo(dw2.getValue());
    assertThat(linked.getMeta().getTag()).isEmpty();
    assertThat(stow("study2/neutral.dcm").statusCode()).isEqualTo(200);
    assertThat(studyByUid(uid).getMeta().getVersionId()).isEqualTo(linked.getMeta().getVersionId());
  }

  @Test
  @Order(6)
  void malformedRequestsAreAnsweredWithoutStoringAnything() throws Exception {
    HttpResponse<byte[]> wrongType =
        stow("/dicomweb/studies", "application/dicom", DicomFixtures.bytes("study1/neutral.dcm"));
    assertThat(wrongType.statusCode()).isEqualTo(415);
    assertThat(json(wrongType).path("detail").asText()).contains("multipart/related");
    HttpResponse<byte[]> broken =
        stow(
            "/dicomweb/studies",
            "multipart/related; type=\"application/dicom\"; boundary=abc",
            "--abc\r\nContent-Type: application/dicom\r\n\r\nshort".getBytes());
    assertThat(broken.statusCode()).isEqualTo(400);
    assertThat(new String(broken.body())).doesNotContain("Exception").doesNotContain("at org.");
    // the study named in the URL must be the instance's
    String boundary = Multipart.newBoundary();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Multipart.writePart(
        out, boundary, "application/dicom", DicomFixtures.bytes("study1/neutral.dcm"));
    Multipart.writeEnd(out, boundary);
    HttpResponse<byte[]> otherStudy =
        stow(
            "/dicomweb/studies/1.2.3.4",
            Multipart.contentType(boundary, "application/dicom"),
            out.toByteArray());
    assertThat(otherStudy.statusCode()).isEqualTo(409);
    assertThat(failureReasons(json(otherStudy))).containsExactly(0xA900);
    // one study, one patient
    HttpResponse<byte[]> intruder = stow("study1/other-patient.dcm");
    assertThat(intruder.statusCode()).isEqualTo(409);
    assertThat(failureReasons(json(intruder))).containsExactly(0xC000);
    assertThat(intruder.headers().allValues("Warning"))
        .anyMatch(w -> w.contains("another Patient ID"));
  }

  @Test
  @Order(7)
  void wadoRsServesStudiesSeriesInstancesAndMetadataAsStored() throws Exception {
    HttpResponse<byte[]> study =
        get("/dicomweb/studies/" + studyUid, "multipart/related; type=\"application/dicom\"");
    assertThat(study.statusCode()).isEqualTo(200);
    assertThat(parts(study)).hasSize(3);
    HttpResponse<byte[]> metadata = get("/dicomweb/studies/" + studyUid + "/metadata", null);
    JsonNode array = json(metadata);
    assertThat(array).hasSize(3);
    String series = array.path(1).path("0020000E").path("Value").path(0).asText();
    String sop = array.path(1).path("00080018").path("Value").path(0).asText();
    // pixel data come with the instance, not in its metadata
    assertThat(array.path(1).has("7FE00010")).isFalse();
    assertThat(array.path(1).path("00280010").path("Value").path(0).asInt()).isEqualTo(64);
    HttpResponse<byte[]> one =
        get("/dicomweb/studies/" + studyUid + "/series/" + series + "/instances/" + sop, null);
    assertThat(parts(one))
        .usingElementComparator(Arrays::compare)
        .containsExactly(DicomFixtures.bytes("study1/flexion.dcm"));
    assertThat(get("/dicomweb/studies/1.2.3.999", null).statusCode()).isEqualTo(404);
    assertThat(get("/dicomweb/studies/../../etc", null).statusCode()).isIn(400, 404);
    assertThat(
            get(
                    "/dicomweb/studies/" + studyUid,
                    "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.4.50")
                .statusCode())
        .isEqualTo(406);
    assertThat(get("/dicomweb/studies/" + studyUid, "image/png").statusCode()).isEqualTo(406);
    // a later range that takes any syntax is honoured
    assertThat(
            get(
                    "/dicomweb/studies/" + studyUid,
                    "multipart/related; type=\"application/dicom\";"
                        + " transfer-syntax=1.2.840.10008.1.2.4.50, multipart/related;"
                        + " type=\"application/dicom\"; transfer-syntax=*")
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  @Order(8)
  void qidoRsFindsStudiesAndTheirSeries() throws Exception {
    JsonNode byAccession =
        json(get("/dicomweb/studies?AccessionNumber=ADW1", "application/dicom+json"));
    assertThat(byAccession).hasSize(1);
    JsonNode s = byAccession.path(0);
    assertThat(s.path("0020000D").path("Value").path(0).asText()).isEqualTo(studyUid);
    assertThat(s.path("00201208").path("Value").path(0).asInt()).isEqualTo(3);
    assertThat(s.path("00080061").path("Value").path(0).asText()).isEqualTo("DX");
    assertThat(json(get("/dicomweb/studies?StudyDate=20250101-20251231", null))).isEmpty();
    assertThat(json(get("/dicomweb/studies?StudyDate=20260101&PatientID=PHANTOM-DW1", null)))
        .hasSize(1);
    HttpResponse<byte[]> ignored = get("/dicomweb/studies?PatientID=PHANTOM-DW1&Foo=1", null);
    assertThat(ignored.headers().allValues("Warning")).anyMatch(w -> w.contains("foo"));
    assertThat(get("/dicomweb/studies?StudyDate=yesterday", null).statusCode()).isEqualTo(400);
    JsonNode series = json(get("/dicomweb/studies/" + studyUid + "/series", null));
    assertThat(series).hasSize(3);
    assertThat(series.path(1).path("0008103E").path("Value").path(0).asText())
        .isEqualTo("L-SPINE LAT FLEXION");
  }

  @Test
  @Order(9)
  void aFourthLateralAddsASeriesAndTheStudyIsUpdated() throws Exception {
    String version = studyByUid(studyUid).getMeta().getVersionId();
    assertThat(stow("study1/flexion-repeat.dcm").statusCode()).isEqualTo(200);
    ImagingStudy study = studyByUid(studyUid);
    assertThat(study.getMeta().getVersionId()).isNotEqualTo(version);
    assertThat(study.getNumberOfSeries()).isEqualTo(4);
    assertThat(study.getSeries().get(3).getDescription()).isEqualTo("L-SPINE LAT FLEXION REPEAT");
  }

  @Test
  @Order(10)
  void clientsStoringTheSameInstanceAtOnceStoreItOnce() throws Exception {
    var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
    try {
      List<java.util.concurrent.Future<HttpResponse<byte[]>>> sent = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        sent.add(pool.submit(() -> stow("study4/neutral.dcm")));
      }
      for (var f : sent) {
        assertThat(f.get().statusCode()).isEqualTo(200);
      }
    } finally {
      pool.shutdownNow();
    }
    String uid = DicomFixtures.studyUid("study4/neutral.dcm");
    JsonNode found = json(get("/dicomweb/studies?StudyInstanceUID=" + uid, null));
    assertThat(found).hasSize(1);
    assertThat(found.path(0).path("00201208").path("Value").path(0).asInt()).isEqualTo(1);
    assertThat(studyByUid(uid).getNumberOfInstances()).isEqualTo(1);
  }

  /** The parts of a multipart/related response. */
  private static List<byte[]> parts(HttpResponse<byte[]> response) throws Exception {
    List<byte[]> parts = new ArrayList<>();
    Multipart.read(
        new ByteArrayInputStream(response.body()),
        response.headers().firstValue("Content-Type").orElseThrow(),
        1 << 26,
        1 << 28,
        part -> parts.add(part.body()));
    return parts;
  }
}
