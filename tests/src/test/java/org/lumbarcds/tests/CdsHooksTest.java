package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Test;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;

/**
 * The CDS Hooks services over HTTP as an EHR calls them: discovery, the record read from prefetch,
 * from the EHR's fhirServer and from the local store, order-select, patient-view, feedback, the
 * client JWT, CORS for the sandbox, and errors as JSON. The clinical cases are fixtures ({@link
 * ClinicalCasesTest}).
 */
class CdsHooksTest extends CdsHooksTestBase {

  // --- discovery and security ------------------------------------------------------------------

  @Test
  void discoveryListsTheFourServicesWithNamedPrefetch() throws Exception {
    HttpResponse<String> r = cds.call("GET", "/cds-services", null);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode services = CdsClient.JSON.readTree(r.body()).path("services");
    assertThat(services).hasSize(4);
    assertThat(services.findValuesAsText("hook"))
        .containsExactly(
            "order-select", "order-sign", "patient-view", "org.lumbarcds.order-complete");
    services.forEach(
        s -> {
          assertThat(s.path("id").asText()).isNotBlank();
          assertThat(s.path("description").asText()).isNotBlank();
          assertThat(s.path("prefetch").fieldNames())
              .toIterable()
              .noneMatch(k -> k.startsWith("item"));
        });
    assertThat(services.get(3).path("prefetch").path("order").asText())
        .isEqualTo("ServiceRequest/{{context.serviceRequestId}}");
  }

  @Test
  void callsWithoutAValidClientJwtGetABare401() throws Exception {
    String path = "/cds-services/lss-mri-order-sign";
    String body =
        CdsClient.JSON.writeValueAsString(orderSign(patient(), draftMri("m1", patient())));
    String url = cds.url(path);
    // none, expired, for another URL, signed with HMAC, unsigned
    assertThat(cds.call("POST", path, body, null).statusCode()).isEqualTo(401);
    assertThat(cds.call("GET", "/cds-services", null, null).statusCode()).isEqualTo(401);
    HttpResponse<String> expired =
        cds.call(
            "POST",
            path,
            body,
            "Bearer "
                + CdsClient.token(
                    url, Instant.now().minusSeconds(120), UUID.randomUUID().toString()));
    assertThat(expired.statusCode()).isEqualTo(401);
    assertThat(expired.body()).isEmpty();
    assertThat(
            cds.call(
                    "POST",
                    path,
                    body,
                    "Bearer " + CdsClient.token(cds.url("/cds-services/lss-patient-view")))
                .statusCode())
        .isEqualTo(401);
    String[] parts = CdsClient.token(url).split("\\.");
    String none =
        java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("{\"alg\":\"none\",\"kid\":\"ehr-test-key\"}".getBytes())
            + "."
            + parts[1]
            + ".";
    assertThat(cds.call("POST", path, body, "Bearer " + none).statusCode()).isEqualTo(401);
    com.nimbusds.jose.JWSObject hs =
        new com.nimbusds.jose.JWSObject(
            new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.HS256)
                .keyID("ehr-test-key")
                .build(),
            new com.nimbusds.jose.Payload(
                com.nimbusds.jose.util.Base64URL.from(parts[1]).decodeToString()));
    hs.sign(new com.nimbusds.jose.crypto.MACSigner(new byte[32]));
    assertThat(cds.call("POST", path, body, "Bearer " + hs.serialize()).statusCode())
        .isEqualTo(401);
    // path parameters and escapes do not get around the check
    for (String dodge :
        List.of("/cds-services;x/lss-mri-order-sign", "/cds%2Dservices/lss-mri-order-sign")) {
      assertThat(cds.call("POST", dodge, body, null).statusCode()).as(dodge).isEqualTo(401);
    }
    assertThat(cds.call("GET", "/cds-services;x", null, null).statusCode()).isEqualTo(401);
    // a valid token works once: its jti cannot be replayed
    String once = "Bearer " + CdsClient.token(url);
    assertThat(cds.call("POST", path, body, once).statusCode()).isEqualTo(200);
    assertThat(cds.call("POST", path, body, once).statusCode()).isEqualTo(401);
  }

  @Test
  void theSandboxOriginMayCallFromABrowser() throws Exception {
    HttpResponse<String> preflight =
        http.send(
            HttpRequest.newBuilder(URI.create(cds.url("/cds-services/lss-mri-order-sign")))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://sandbox.cds-hooks.org")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.statusCode()).isEqualTo(200);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
        .contains("https://sandbox.cds-hooks.org");
    HttpResponse<String> other =
        http.send(
            HttpRequest.newBuilder(URI.create(cds.url("/cds-services/lss-mri-order-sign")))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://elsewhere.example")
                .header("Access-Control-Request-Method", "POST")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void badRequestsGetJsonErrorsNeverStackTraces() throws Exception {
    IIdType p = patient();
    assertError(cds.call("POST", "/cds-services/no-such-service", "{}"), 404);
    assertError(cds.call("POST", "/cds-services/lss-mri-order-sign", "{not json"), 400);
    assertError(
        cds.call(
            "POST",
            "/cds-services/lss-mri-order-sign",
            CdsClient.JSON.writeValueAsString(request("patient-view", p))),
        400);
    ObjectNode noDrafts = request("order-sign", p);
    assertError(
        cds.call(
            "POST",
            "/cds-services/lss-mri-order-sign",
            CdsClient.JSON.writeValueAsString(noDrafts)),
        400);
    ObjectNode tokenWithoutServer = orderSign(p, draftMri("m1", p));
    tokenWithoutServer.putObject("fhirAuthorization").put("access_token", "secret");
    assertError(
        cds.call(
            "POST",
            "/cds-services/lss-mri-order-sign",
            CdsClient.JSON.writeValueAsString(tokenWithoutServer)),
        400);
    // a fhirServer the client is not configured with is refused before any request is sent
    for (String elsewhere :
        List.of("http://169.254.169.254/latest", "https://elsewhere.example/fhir", "ftp://x/")) {
      ObjectNode ssrf = orderSign(p, draftMri("m1", p));
      ssrf.put("fhirServer", elsewhere);
      assertError(
          cds.call(
              "POST", "/cds-services/lss-mri-order-sign", CdsClient.JSON.writeValueAsString(ssrf)),
          400);
    }
    // the EHR's FHIR server does not answer: the data cannot be had, 412
    ObjectNode unreachable = orderSign(p, draftMri("m1", p));
    unreachable.put("fhirServer", "http://127.0.0.1:" + DOWN_PACS_PORT + "/fhir");
    assertError(
        cds.call(
            "POST",
            "/cds-services/lss-mri-order-sign",
            CdsClient.JSON.writeValueAsString(unreachable)),
        412);
  }

  private static void assertError(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode body = CdsClient.JSON.readTree(r.body());
    assertThat(body.path("message").asText()).isNotBlank();
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("at org.");
  }

  // --- where the record comes from -----------------------------------------------------------

  @Test
  void prefetchIsUsedWhenGivenAndNullMeansNone() throws Exception {
    IIdType p = patient();
    aiResult(p, ruleOut() / 2, null); // in the store: prefetch must win
    ObjectNode request = orderSign(p, draftMri("m1", p));
    ObjectNode prefetch = request.putObject("prefetch");
    Observation high = new Observation();
    high.setId("pre-1");
    high.addIdentifier()
        .setSystem("http://lumbarcds.org/fhir/NamingSystem/analysis")
        .setValue(
            "2.25.9|" + modelCard.path("id").asText() + "|" + modelCard.path("version").asText());
    high.setStatus(Observation.ObservationStatus.PRELIMINARY);
    high.setCode(Fixtures.concept(Codes.LSS_AI_PROBABILITY));
    // the EHR's absolute, versioned reference to the same patient
    high.setSubject(
        new Reference("https://ehr.test/fhir/Patient/" + p.getIdPart() + "/_history/2"));
    high.setIssued(new Date());
    high.setValue(new Quantity().setValue(Math.min(0.99, ruleIn() + 0.1)));
    Bundle results = new Bundle().setType(Bundle.BundleType.SEARCHSET);
    results.addEntry().setResource(high);
    prefetch.set(
        "aiResults", CdsClient.JSON.readTree(FHIR.newJsonParser().encodeResourceToString(results)));
    prefetch.putNull("conditions");
    prefetch.putNull("lumbarMriOrders");
    prefetch.putNull("lumbarMriProcedures");
    JsonNode card = onlyCard(cds.hook("lss-mri-order-sign", request));
    // high probability from the prefetch, and no symptom record (null): not the stored low one
    assertThat(card.path("summary").asText()).contains("likely").doesNotContain("unlikely");
  }

  @Test
  void aChangeToThePatientItselfShowsInTheNextCall() throws Exception {
    // the Patient is read too (age): writing it must bump the record's change counter
    org.hl7.fhir.r4.model.Patient young = Fixtures.patient("MRN-" + java.util.UUID.randomUUID());
    young.setGender(null);
    young.setBirthDateElement(
        new org.hl7.fhir.r4.model.DateType(LocalDate.now().minusYears(50).toString()));
    IIdType p = client.create().resource(young).execute().getId().toUnqualifiedVersionless();
    lowBackPainSince(p, LocalDate.now().minusWeeks(10));
    condition(
        p,
        new Coding(CodeSystems.ICD_10_CM, "W19.XXXA", "Unspecified fall, initial encounter"),
        LocalDate.now().minusWeeks(2));
    aiResult(p, ruleOut() / 2, null);
    ObjectNode request = orderSign(p, draftMri("m1", p));
    JsonNode first = onlyCard(cds.hook("lss-mri-order-sign", request));
    assertThat(first.at("/suggestions/0/actions/0/type").asText()).isEqualTo("delete");

    org.hl7.fhir.r4.model.Patient older =
        client.read().resource(org.hl7.fhir.r4.model.Patient.class).withId(p).execute();
    older.setBirthDateElement(
        new org.hl7.fhir.r4.model.DateType(LocalDate.now().minusYears(80).toString()));
    client.update().resource(older).execute();
    JsonNode next = onlyCard(cds.hook("lss-mri-order-sign", request));
    assertThat(next.path("indicator").asText()).isEqualTo("warning");
    assertThat(next.path("detail").asText()).contains("a fall at an older age");
    assertThat(next.has("suggestions")).isFalse();
  }

  @Test
  void theLocalRecordIsReadAfreshAfterEveryWriteToIt() throws Exception {
    // the record's answers are kept between calls: each write to the patient's record must show
    // in the next call (create, a move to another patient, delete)
    IIdType p = patient();
    IIdType other = patient();
    aiResult(p, ruleOut() / 2, null);
    ObjectNode request = orderSign(p, draftMri("m1", p));
    String calm = onlyCard(cds.hook("lss-mri-order-sign", request)).path("indicator").asText();
    assertThat(calm).isEqualTo("warning");
    assertThat(onlyCard(cds.hook("lss-mri-order-sign", request)).path("indicator").asText())
        .isEqualTo(calm);

    condition(p, new Coding(CodeSystems.ICD_10_CM, "G83.4", "Cauda equina syndrome"), null);
    assertThat(onlyCard(cds.hook("lss-mri-order-sign", request)).path("indicator").asText())
        .as("a red flag written after the last call")
        .isEqualTo("critical");

    Condition flag =
        client
            .search()
            .forResource(Condition.class)
            .where(Condition.PATIENT.hasId(p))
            .returnBundle(Bundle.class)
            .execute()
            .getEntry()
            .stream()
            .map(e -> (Condition) e.getResource())
            .findFirst()
            .orElseThrow();
    flag.setSubject(new Reference(other));
    client.update().resource(flag).execute();
    assertThat(onlyCard(cds.hook("lss-mri-order-sign", request)).path("indicator").asText())
        .as("the red flag moved to another patient")
        .isEqualTo(calm);
    ObjectNode otherRequest = orderSign(other, draftMri("m2", other));
    assertThat(onlyCard(cds.hook("lss-mri-order-sign", otherRequest)).path("indicator").asText())
        .isEqualTo("critical");

    client.delete().resourceById(flag.getIdElement().toUnqualifiedVersionless()).execute();
    assertThat(onlyCard(cds.hook("lss-mri-order-sign", otherRequest)).path("indicator").asText())
        .as("the red flag deleted")
        .isNotEqualTo("critical");
  }

  @Test
  void concurrentFirstWritesToAPatientsRecordAllSucceedAndShow() throws Exception {
    // eight writers create the first resources of a new patient's record at once: the change
    // counter's first row must not make any of them fail
    IIdType p = patient();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<Object>> writes = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        writes.add(
            pool.submit(
                () -> {
                  condition(p, new Coding(CodeSystems.ICD_10_CM, "M54.50", "Low back pain"), null);
                  return null;
                }));
      }
      for (var w : writes) {
        w.get();
      }
    } finally {
      pool.shutdown();
    }
    aiResult(p, ruleOut() / 2, null);
    assertThat(
            onlyCard(cds.hook("lss-mri-order-sign", orderSign(p, draftMri("m1", p))))
                .path("summary")
                .asText())
        .contains("unlikely");
    condition(p, new Coding(CodeSystems.ICD_10_CM, "G83.4", "Cauda equina syndrome"), null);
    assertThat(
            onlyCard(cds.hook("lss-mri-order-sign", orderSign(p, draftMri("m1", p))))
                .path("indicator")
                .asText())
        .isEqualTo("critical");
    // the EHR may name the patient as a reference: the same record, the same freshness
    ObjectNode asReference = orderSign(p, draftMri("m1", p));
    ((ObjectNode) asReference.get("context")).put("patientId", "Patient/" + p.getIdPart());
    condition(p, new Coding(CodeSystems.ICD_10_CM, "M54.50", "Low back pain"), null);
    HttpResponse<String> r =
        cds.call(
            "POST",
            "/cds-services/lss-mri-order-sign",
            CdsClient.JSON.writeValueAsString(asReference));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(onlyCard(CdsClient.JSON.readTree(r.body())).path("indicator").asText())
        .isEqualTo("critical");
    // a write after that call shows in the next one made with the reference form
    client
        .delete()
        .resourceConditionalByUrl("Condition?patient=" + p.getIdPart() + "&code=G83.4")
        .execute();
    HttpResponse<String> again =
        cds.call(
            "POST",
            "/cds-services/lss-mri-order-sign",
            CdsClient.JSON.writeValueAsString(asReference));
    assertThat(onlyCard(CdsClient.JSON.readTree(again.body())).path("indicator").asText())
        .isNotEqualTo("critical");
  }

  @Test
  void theRecordIsReadFromTheEhrsFhirServerWhenGiven() throws Exception {
    IIdType p = patient();
    lowBackPainSince(p, LocalDate.now().minusWeeks(10));
    aiResult(p, ruleOut() / 2, null);
    ObjectNode request = orderSign(p, draftMri("m1", p));
    request.put("fhirServer", fhirBase());
    request
        .putObject("fhirAuthorization")
        .put("access_token", "token-for-the-ehr")
        .put("token_type", "Bearer");
    JsonNode card = onlyCard(cds.hook("lss-mri-order-sign", request));
    assertThat(card.path("summary").asText()).contains("unlikely");
  }

  @Test
  void everyPageOfTheEhrsAnswerIsRead() throws Exception {
    IIdType p = patient();
    // 25 other conditions first (the server's page holds 20), the red flag last
    for (int i = 0; i < 25; i++) {
      condition(p, new Coding(CodeSystems.ICD_10_CM, "M54.50", "Low back pain, unspecified"), null);
    }
    condition(p, new Coding(CodeSystems.ICD_10_CM, "G83.4", "Cauda equina syndrome"), null);
    aiResult(p, ruleOut() / 2, null);
    ObjectNode request = orderSign(p, draftMri("m1", p));
    request.put("fhirServer", fhirBase());
    JsonNode card = onlyCard(cds.hook("lss-mri-order-sign", request));
    assertThat(card.path("indicator").asText()).isEqualTo("critical");
  }

  @Test
  void orderSelectAdvisesOnlyWhenTheSelectionIsAnMri() throws Exception {
    IIdType p = patient();
    aiResult(p, ruleOut() / 2, null);
    ServiceRequest other = new ServiceRequest();
    other.setId("lab-1");
    other.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
    other.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
    other.setCode(new CodeableConcept(new Coding(CodeSystems.LOINC, "58410-2", "CBC panel")));
    other.setSubject(new Reference(p));
    ObjectNode request = orderSign(p, draftMri("m1", p), other);
    request.put("hook", "order-select");
    ArrayNode selections = ((ObjectNode) request.get("context")).putArray("selections");
    selections.add("ServiceRequest/lab-1");
    assertThat(cds.hook("lss-mri-order-select", request).path("cards")).isEmpty();
    selections.add("ServiceRequest/m1");
    assertThat(onlyCard(cds.hook("lss-mri-order-select", request)).path("indicator").asText())
        .isEqualTo("warning");
  }

  // --- patient-view and feedback ---------------------------------------------------------------

  @Test
  void patientViewShowsANewResultAndFeedbackIsStoredAndQueryable() throws Exception {
    IIdType p = patient();
    assertThat(cds.hook("lss-patient-view", request("patient-view", p)).path("cards")).isEmpty();
    lowBackPainSince(p, LocalDate.now().minusWeeks(10));
    aiResult(p, Math.min(0.99, ruleIn() + 0.1), null);
    JsonNode card = onlyCard(cds.hook("lss-patient-view", request("patient-view", p)));
    assertThat(card.at("/suggestions/0/actions/0/type").asText()).isEqualTo("create");
    String suggestion = card.at("/suggestions/0/uuid").asText();

    String since = Instant.now().minusSeconds(1).toString();
    ObjectNode fb = CdsClient.JSON.createObjectNode();
    ArrayNode items = fb.putArray("feedback");
    items
        .addObject()
        .put("card", card.path("uuid").asText())
        .put("outcome", "accepted")
        .put("outcomeTimestamp", Instant.now().toString())
        .putArray("acceptedSuggestions")
        .addObject()
        .put("id", suggestion);
    ((ObjectNode)
            overridden(items, card, "override-clinical-judgement", "Clinical findings justify MRI")
                .get("overrideReason"))
        .put("userComment", "seen by spine surgeon");
    HttpResponse<String> stored =
        cds.call(
            "POST",
            "/cds-services/lss-patient-view/feedback",
            CdsClient.JSON.writeValueAsString(fb));
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);

    HttpResponse<String> read =
        cds.call(
            "GET",
            "/cds-services/lss-patient-view/feedback?since=" + since,
            null,
            "Bearer " + CdsClient.token(cds.url("/cds-services/lss-patient-view/feedback")));
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    JsonNode back = CdsClient.JSON.readTree(read.body());
    assertThat(back.at("/summary/outcomes/accepted").asInt()).isEqualTo(1);
    assertThat(back.at("/summary/outcomes/overridden").asInt()).isEqualTo(1);
    assertThat(back.at("/summary/overrideReasons/override-clinical-judgement").asInt())
        .isEqualTo(1);
    assertThat(back.at("/feedback/0/recommendation").asText()).isEqualTo("MRI_RECOMMENDED");

    assertError(
        cds.call(
            "POST",
            "/cds-services/lss-patient-view/feedback",
            "{\"feedback\":[{\"outcome\":\"maybe\"}]}"),
        400);
    String tooLong =
        "{\"feedback\":[{\"card\":\"a\",\"outcome\":\"accepted\"},{\"card\":\"b\","
            + "\"outcome\":\"overridden\",\"overrideReason\":{\"userComment\":\""
            + "x".repeat(2001)
            + "\"}}]}";
    assertError(cds.call("POST", "/cds-services/lss-patient-view/feedback", tooLong), 400);
    JsonNode after =
        CdsClient.JSON.readTree(
            cds.call(
                    "GET",
                    "/cds-services/lss-patient-view/feedback?since=" + since,
                    null,
                    "Bearer " + CdsClient.token(cds.url("/cds-services/lss-patient-view/feedback")))
                .body());
    assertThat(after.at("/summary/total").asInt()).as("all or nothing").isEqualTo(2);
  }
}
