package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.imaging.Multipart;

/**
 * Two server instances on one database, each told that the same orders are completed: every order
 * gets one job's result — one Observation, one Provenance, one completed Task. And a write through
 * one instance shows in the other's next hook call (each keeps the records it read). And a CDS
 * client's token is accepted once by the pair, not once by each.
 */
class TwoInstancesTest {

  @Test
  void ordersCompletedOnBothInstancesAreAnalysedOnce() throws Exception {
    Path dataDir = ServerTestBase.newDataDir();
    String[] settings = {
      "--lumbarcds.analysis.triggers=order-completed",
      "--lumbarcds.analysis.polling-interval=1s",
      // writes start right after start-up, while each instance's validator warms up: not what
      // this test is about (see the note on the validator warm-up race in README limitations)
      "--lumbarcds.fhir.validate-requests=false",
      "--lumbarcds.cds-hooks.security=open"
    };
    try (StandaloneServer a = new StandaloneServer(dataDir, settings);
        StandaloneServer b = new StandaloneServer(dataDir, settings)) {
      IGenericClient ca = a.client();
      IGenericClient cb = b.client();
      List<IIdType> orders = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        PhantomStudy study =
            PhantomStudy.copy("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
        orders.add(AnalysisStoryTest.order(ca, study).order());
        String boundary = Multipart.newBoundary();
        HttpResponse<String> stored =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + a.port() + "/dicomweb/studies"))
                        .header("Content-Type", PhantomStudy.contentType(boundary))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(study.stowBody(boundary)))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(stored.statusCode()).isEqualTo(200);
      }
      // each order completed through one instance, then written again through the other
      for (IIdType order : orders) {
        AnalysisStoryTest.complete(ca, order, "completed");
      }
      for (IIdType order : orders) {
        AnalysisStoryTest.complete(cb, order, "completed, as the RIS saw it");
      }
      for (IIdType order : orders) {
        AnalysisRecords.awaitTask(cb, order, Task.TaskStatus.COMPLETED);
        List<Observation> results = AnalysisRecords.results(ca, order);
        assertThat(results).hasSize(1);
        Bundle provenance =
            ca.search()
                .forResource(Provenance.class)
                .where(
                    Provenance.TARGET.hasId(
                        results.get(0).getIdElement().toUnqualifiedVersionless()))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(provenance.getEntry()).hasSize(1);
      }

      // a's hook reads the patient's record (and keeps it); b writes a red flag; a sees it
      IIdType patient =
          AnalysisRecords.results(ca, orders.get(0))
              .get(0)
              .getSubject()
              .getReferenceElement()
              .toUnqualifiedVersionless();
      assertThat(orderSign(a, patient).path("indicator").asText()).isNotEqualTo("critical");
      org.hl7.fhir.r4.model.Condition flag = new org.hl7.fhir.r4.model.Condition();
      flag.setSubject(new org.hl7.fhir.r4.model.Reference(patient));
      flag.setCode(
          new org.hl7.fhir.r4.model.CodeableConcept(
              new org.hl7.fhir.r4.model.Coding(
                  org.lumbarcds.terminology.CodeSystems.ICD_10_CM,
                  "G83.4",
                  "Cauda equina syndrome")));
      cb.create().resource(flag).execute();
      assertThat(orderSign(a, patient).path("indicator").asText()).isEqualTo("critical");
    }
  }

  @Test
  void aClientTokenIsAcceptedByOneInstanceOnly() throws Exception {
    Path dataDir = ServerTestBase.newDataDir();
    // behind one load balancer: both instances have the public URL the token's aud names
    String publicRoot = "https://cds.example.test";
    String[] settings = {
      "--lumbarcds.fhir.public-base-url=" + publicRoot + "/fhir",
      "--lumbarcds.cds-hooks.issuers[0].issuer=" + CdsClient.ISSUER,
      "--lumbarcds.cds-hooks.issuers[0].jwks=" + CdsClient.jwks()
    };
    try (StandaloneServer a = new StandaloneServer(dataDir, settings);
        StandaloneServer b = new StandaloneServer(dataDir, settings)) {
      IIdType patient =
          a.client()
              .create()
              .resource(
                  new org.hl7.fhir.r4.model.Patient()
                      .setGender(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.FEMALE))
              .execute()
              .getId()
              .toUnqualifiedVersionless();
      String service = publicRoot + "/cds-services/lss-mri-order-sign";
      String first = CdsClient.token(service);
      assertThat(signWithToken(a, patient, first).statusCode()).isEqualTo(200);
      HttpResponse<String> replayed = signWithToken(b, patient, first);
      assertThat(replayed.statusCode()).isEqualTo(401);
      assertThat(replayed.headers().firstValue("WWW-Authenticate")).contains("Bearer");
      assertThat(signWithToken(a, patient, first).statusCode()).isEqualTo(401);
      String second = CdsClient.token(service);
      assertThat(signWithToken(b, patient, second).statusCode()).isEqualTo(200);
      assertThat(signWithToken(a, patient, second).statusCode()).isEqualTo(401);
    }
  }

  private static HttpResponse<String> signWithToken(
      StandaloneServer server, IIdType patient, String token) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + server.port() + "/cds-services/lss-mri-order-sign"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        CdsClient.JSON.writeValueAsString(orderSignRequest(patient))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** An order-sign request with a draft lumbar MRI for the patient. */
  private static com.fasterxml.jackson.databind.node.ObjectNode orderSignRequest(IIdType patient) {
    var request = CdsClient.JSON.createObjectNode();
    request.put("hook", "order-sign").put("hookInstance", java.util.UUID.randomUUID().toString());
    var context = request.putObject("context");
    context.put("userId", "Practitioner/1").put("patientId", patient.getIdPart());
    Bundle drafts = new Bundle().setType(Bundle.BundleType.COLLECTION);
    drafts.addEntry().setResource(CdsHooksTestBase.draftMri("m1", patient));
    try {
      context.set(
          "draftOrders",
          CdsClient.JSON.readTree(
              ServerTestBase.FHIR.newJsonParser().encodeResourceToString(drafts)));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return request;
  }

  /** The first card of an order-sign call with a draft lumbar MRI (open mode: no JWT). */
  private static com.fasterxml.jackson.databind.JsonNode orderSign(
      StandaloneServer server, IIdType patient) throws Exception {
    var request = orderSignRequest(patient);
    HttpResponse<String> answer =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + server.port()
                                + "/cds-services/lss-mri-order-sign"))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            CdsClient.JSON.writeValueAsString(request)))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return CdsHooksTestBase.onlyCard(CdsClient.JSON.readTree(answer.body()));
  }
}
