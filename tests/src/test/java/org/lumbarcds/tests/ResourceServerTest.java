package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The resource server with an authorization server configured (its keys given in configuration;
 * {@code ResourceServerKeycloakTest} runs the same doors against a real Keycloak): no token, a bad
 * token, a token without the scope, a patient-scoped token outside its patient, and a system token
 * doing the whole story.
 */
class ResourceServerTest {

  private static final String ORIGIN = "https://app.example.org";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static AccessTokens tokens;
  private static StandaloneServer server;
  private static IGenericClient admin;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    tokens = new AccessTokens();
    List<String> settings =
        new java.util.ArrayList<>(
            List.of(
                "--lumbarcds.analysis.triggers=order-completed",
                "--lumbarcds.analysis.polling-interval=1s",
                "--lumbarcds.fhir.validate-requests=false",
                "--lumbarcds.cors.allowed-origins=" + ORIGIN,
                "--lumbarcds.cds-hooks.issuers[0].issuer=" + CdsClient.ISSUER,
                "--lumbarcds.cds-hooks.issuers[0].jwks=" + CdsClient.jwks()));
    settings.addAll(List.of(tokens.settings()));
    server = new StandaloneServer(ServerTestBase.newDataDir(), settings.toArray(String[]::new));
    admin = client(tokens.bearer("system/*.cruds"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static IGenericClient client(String bearer) {
    IGenericClient client = server.client();
    client.registerInterceptor(new BearerTokenAuthInterceptor(bearer.substring(7)));
    return client;
  }

  private HttpResponse<String> get(String path, String authorization) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private IIdType patient() {
    return admin
        .create()
        .resource(Fixtures.patient(Fixtures.unique()))
        .execute()
        .getId()
        .toUnqualifiedVersionless();
  }

  private IIdType observationOf(IIdType patient) {
    Observation o = new Observation();
    o.setStatus(Observation.ObservationStatus.FINAL);
    o.getCode().setText("a note");
    o.setSubject(new Reference(patient));
    return admin.create().resource(o).execute().getId().toUnqualifiedVersionless();
  }

  @Test
  void everyDoorAsksForATokenAndSaysNothingMore() throws Exception {
    for (String path :
        List.of(
            "/fhir/Patient",
            "/fhir",
            "/fhir/Observation/1",
            "/dicomweb/studies",
            "/ops/api/summary",
            "/model/card")) {
      HttpResponse<String> refused = get(path, null);
      assertThat(refused.statusCode()).as(path).isEqualTo(401);
      assertThat(refused.headers().firstValue("WWW-Authenticate"))
          .as(path)
          .hasValue("Bearer realm=\"lumbar-cds\"");
      assertThat(refused.body()).as(path).doesNotContain("Exception").doesNotContain("<html");
    }
    JsonNode outcome = JSON.readTree(get("/fhir/Patient", null).body());
    assertThat(outcome.path("resourceType").asText()).isEqualTo("OperationOutcome");
    assertThat(outcome.path("issue").get(0).path("code").asText()).isEqualTo("login");
    HttpResponse<String> problem = get("/ops/api/summary", null);
    assertThat(problem.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(JSON.readTree(problem.body()).path("status").asInt()).isEqualTo(401);
    // a POST to the index and a STOW are refused before their bodies are read
    HttpResponse<String> index =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/imaging/index"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(index.statusCode()).isEqualTo(401);
  }

  @Test
  void badTokensAreRefusedAlike() throws Exception {
    String scope = "system/*.rs";
    Map<String, String> bad =
        Map.of(
            "expired",
            tokens.bearer(
                scope,
                c ->
                    c.issueTime(Date.from(Instant.now().minus(Duration.ofMinutes(10))))
                        .expirationTime(Date.from(Instant.now().minus(Duration.ofMinutes(5))))),
            "not yet valid",
            tokens.bearer(
                scope, c -> c.notBeforeTime(Date.from(Instant.now().plus(Duration.ofMinutes(5))))),
            "wrong audience",
            tokens.bearer(scope, c -> c.audience("https://another.example.org/fhir")),
            "wrong issuer",
            tokens.bearer(scope, c -> c.issuer("https://idp.example.org/realms/other")),
            "no exp",
            tokens.bearer(scope, c -> c.expirationTime(null)),
            "forged signature",
            tokens.forged(scope),
            "HMAC",
            tokens.hmac(scope),
            "not a JWT",
            "Bearer abc.def.ghi",
            "Basic",
            "Basic dXNlcjpwYXNz");
    for (Map.Entry<String, String> token : bad.entrySet()) {
      HttpResponse<String> refused = get("/fhir/Patient", token.getValue());
      assertThat(refused.statusCode()).as(token.getKey()).isEqualTo(401);
      assertThat(refused.headers().firstValue("WWW-Authenticate"))
          .as(token.getKey())
          .hasValue("Bearer realm=\"lumbar-cds\", error=\"invalid_token\"");
      assertThat(JSON.readTree(refused.body()).path("issue").get(0).path("diagnostics").asText())
          .as(token.getKey())
          .isEqualTo("the access token is not valid here");
    }
    assertThat(get("/fhir/Patient", tokens.bearer(scope)).statusCode()).isEqualTo(200);
  }

  @Test
  void discoveryAndPreflightNeedNoToken() throws Exception {
    HttpResponse<String> smart = get("/fhir/.well-known/smart-configuration", null);
    assertThat(smart.statusCode()).isEqualTo(200);
    JsonNode configuration = JSON.readTree(smart.body());
    assertThat(configuration.path("token_endpoint").asText())
        .isEqualTo(AccessTokens.ISSUER + "/protocol/openid-connect/token");
    assertThat(configuration.path("issuer").asText()).isEqualTo(AccessTokens.ISSUER);
    assertThat(configuration.path("grant_types_supported").toString())
        .contains("client_credentials");
    assertThat(configuration.path("capabilities").toString())
        .contains("client-confidential-asymmetric", "permission-v2");

    CapabilityStatement metadata =
        server.client().capabilities().ofType(CapabilityStatement.class).execute();
    CapabilityStatement.CapabilityStatementRestSecurityComponent security =
        metadata.getRestFirstRep().getSecurity();
    assertThat(security.getServiceFirstRep().getCodingFirstRep().getSystem())
        .isEqualTo("http://terminology.hl7.org/CodeSystem/restful-security-service");
    assertThat(security.getServiceFirstRep().getCodingFirstRep().getCode())
        .isEqualTo("SMART-on-FHIR");
    assertThat(
            security
                .getExtensionByUrl(
                    "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris")
                .getExtensionByUrl("token")
                .getValue()
                .primitiveValue())
        .isEqualTo(AccessTokens.ISSUER + "/protocol/openid-connect/token");

    HttpResponse<String> preflight =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/fhir/Patient"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", ORIGIN)
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.statusCode()).isEqualTo(200);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
  }

  @Test
  void aScopeGrantsItsInteractionsOnItsTypesOnly() throws Exception {
    IIdType patient = patient();
    IIdType observation = observationOf(patient);

    IGenericClient readOnly = client(tokens.bearer("system/Patient.rs system/Observation.rs"));
    assertThat(readOnly.read().resource(Patient.class).withId(patient).execute().getIdElement())
        .isNotNull();
    // read-only token writing
    assertThatThrownBy(
            () -> readOnly.create().resource(Fixtures.patient(Fixtures.unique())).execute())
        .isInstanceOf(ForbiddenOperationException.class);
    HttpResponse<String> forbidden =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/fhir/Patient"))
                .header("Authorization", tokens.bearer("system/Patient.rs"))
                .header("Content-Type", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Patient\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(forbidden.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(forbidden.body()).path("resourceType").asText())
        .isEqualTo("OperationOutcome");
    assertThat(forbidden.headers().firstValue("WWW-Authenticate").orElse(""))
        .contains("insufficient_scope");

    // Observation-only token reading a Patient
    IGenericClient observationsOnly = client(tokens.bearer("system/Observation.rs"));
    assertThat(observationsOnly.read().resource(Observation.class).withId(observation).execute())
        .isNotNull();
    assertThatThrownBy(
            () -> observationsOnly.read().resource(Patient.class).withId(patient).execute())
        .isInstanceOf(ForbiddenOperationException.class);
    // ... or pulling Patients in through _include
    assertThatThrownBy(
            () ->
                observationsOnly
                    .search()
                    .forResource(Observation.class)
                    .where(Observation.SUBJECT.hasId(patient))
                    .include(Observation.INCLUDE_SUBJECT)
                    .returnBundle(Bundle.class)
                    .execute())
        .isInstanceOf(ForbiddenOperationException.class);
    // read without search: the letters are honoured one by one
    IGenericClient readNoSearch = client(tokens.bearer("system/Patient.r"));
    assertThat(readNoSearch.read().resource(Patient.class).withId(patient).execute()).isNotNull();
    assertThatThrownBy(
            () ->
                readNoSearch
                    .search()
                    .forResource(Patient.class)
                    .returnBundle(Bundle.class)
                    .execute())
        .isInstanceOf(ForbiddenOperationException.class);
    // create-only token: a transaction entry that updates is refused
    Patient existing = admin.read().resource(Patient.class).withId(patient).execute();
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    transaction
        .addEntry()
        .setResource(existing)
        .getRequest()
        .setMethod(Bundle.HTTPVerb.PUT)
        .setUrl("Patient/" + patient.getIdPart());
    assertThatThrownBy(
            () ->
                client(tokens.bearer("system/Patient.c"))
                    .transaction()
                    .withBundle(transaction)
                    .execute())
        .isInstanceOf(ForbiddenOperationException.class);
    // a scope the server does not understand grants nothing
    assertThat(
            get("/fhir/Patient/" + patient.getIdPart(), tokens.bearer("system/Patient.rs?x=1"))
                .statusCode())
        .isEqualTo(403);
  }

  @Test
  void aPatientScopedTokenReachesItsPatientOnly() throws Exception {
    IIdType mine = patient();
    IIdType other = patient();
    IIdType myObservation = observationOf(mine);
    IIdType otherObservation = observationOf(other);
    IGenericClient app = client(tokens.patientBearer("patient/*.rs", mine.getIdPart()));

    assertThat(app.read().resource(Patient.class).withId(mine).execute()).isNotNull();
    assertThat(app.read().resource(Observation.class).withId(myObservation).execute()).isNotNull();
    assertThatThrownBy(() -> app.read().resource(Patient.class).withId(other).execute())
        .isInstanceOf(ForbiddenOperationException.class);
    assertThatThrownBy(
            () -> app.read().resource(Observation.class).withId(otherObservation).execute())
        .isInstanceOf(ForbiddenOperationException.class);
    // a search without a patient parameter finds the patient's resources only
    Bundle found = app.search().forResource(Observation.class).returnBundle(Bundle.class).execute();
    assertThat(found.getEntry())
        .extracting(e -> e.getResource().getIdElement().toUnqualifiedVersionless().getValue())
        .contains(myObservation.getValue())
        .doesNotContain(otherObservation.getValue());
    // and a search naming the other patient is refused
    assertThatThrownBy(
            () ->
                app.search()
                    .forResource(Observation.class)
                    .where(Observation.SUBJECT.hasId(other))
                    .returnBundle(Bundle.class)
                    .execute())
        .isInstanceOf(ForbiddenOperationException.class);
    // a patient/ scope does not reach DICOMweb (the store is not partitioned by patient)
    assertThat(
            get(
                    "/dicomweb/studies",
                    tokens.patientBearer("patient/ImagingStudy.rs", mine.getIdPart()))
                .statusCode())
        .isEqualTo(403);
    // a patient/ write scope cannot write into another patient's record
    IGenericClient writer =
        client(tokens.patientBearer("patient/Observation.cru", mine.getIdPart()));
    Observation intoOther = new Observation();
    intoOther.setStatus(Observation.ObservationStatus.FINAL);
    intoOther.getCode().setText("written by a patient app");
    intoOther.setSubject(new Reference(other));
    assertThatThrownBy(() -> writer.create().resource(intoOther).execute())
        .isInstanceOf(ForbiddenOperationException.class);
    intoOther.setSubject(new Reference(mine));
    assertThat(writer.create().resource(intoOther).execute().getCreated()).isTrue();
  }

  @Test
  void theServersOwnApisCheckTheirScopes() throws Exception {
    PhantomStudy study =
        PhantomStudy.copy("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    HttpResponse<String> readOnlyStow =
        study.send(http, server.port(), tokens.bearer("system/ImagingStudy.rs"));
    assertThat(readOnlyStow.statusCode()).isEqualTo(403);
    assertThat(readOnlyStow.headers().firstValue("Content-Type"))
        .hasValue("application/problem+json");
    assertThat(readOnlyStow.headers().firstValue("Warning")).isPresent();
    assertThat(get("/dicomweb/studies", tokens.bearer("system/ImagingStudy.rs")).statusCode())
        .isEqualTo(200);
    assertThat(get("/dicomweb/studies", tokens.bearer("system/ImagingStudy.r")).statusCode())
        .as("QIDO-RS is a search")
        .isEqualTo(403);
    assertThat(get("/ops/api/summary", tokens.bearer("system/*.rs")).statusCode()).isEqualTo(403);
    assertThat(get("/ops/api/summary", tokens.bearer("lumbarcds.ops")).statusCode()).isEqualTo(200);
    assertThat(get("/model/card", tokens.bearer("openid")).statusCode()).isEqualTo(200);
    // the page of the operations view holds no data and loads without a token
    assertThat(get("/ops", null).statusCode()).isEqualTo(200);
  }

  /** The AuditEvents of a search made with the security team's scope. */
  private List<AuditEvent> audit(String query) {
    IGenericClient security = client(tokens.bearer("system/AuditEvent.rs"));
    Bundle found =
        security
            .search()
            .byUrl("AuditEvent?" + query + "&_count=200&_sort=-date")
            .returnBundle(Bundle.class)
            .execute();
    return found.getEntry().stream().map(e -> (AuditEvent) e.getResource()).toList();
  }

  private static List<String> subtypes(List<AuditEvent> events) {
    return events.stream()
        .flatMap(e -> e.getSubtype().stream())
        .map(c -> c.getCode())
        .distinct()
        .toList();
  }

  /** The first of the events with this subtype code. */
  private static AuditEvent firstOf(List<AuditEvent> events, String subtype) {
    return events.stream()
        .filter(e -> e.getSubtypeFirstRep().getCode().equals(subtype))
        .findFirst()
        .orElseThrow();
  }

  /** Polls the trail (written in the background) until {@code check} passes, or fails. */
  private void eventually(Runnable check) throws InterruptedException {
    Instant end = Instant.now().plusSeconds(30);
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError e) {
        if (Instant.now().isAfter(end)) {
          throw e;
        }
        Thread.sleep(250);
      }
    }
  }

  @Test
  void aSystemTokenDoesTheWholeStoryAndEveryAccessIsInTheAuditTrail() throws Exception {
    String bearer =
        tokens.bearer(
            "system/Patient.cruds system/ServiceRequest.cruds system/ImagingStudy.cruds"
                + " system/Observation.rs system/Task.rs system/Provenance.rs");
    IGenericClient ris = client(bearer);
    // a system token does the whole story: order, STOW-RS, completion, the result read
    AnalysisStoryTest.Story story = AnalysisStoryTest.story(ris, http, server.port(), bearer);
    AnalysisStoryTest.Ordered ordered = story.ordered();
    PhantomStudy study = ordered.study();
    String patient = ordered.patient().getValue();
    Observation result = story.result();
    ris.read().resource(Observation.class).withId(result.getIdElement().toVersionless()).execute();
    assertThat(get("/dicomweb/studies", bearer).statusCode()).isEqualTo(200);

    // the EHR asks the order-sign service, a physician opens the card's link
    ObjectNode sign =
        CdsHooksTestBase.orderSignWithDraftMri("Practitioner/audit-1", ordered.patient());
    JsonNode card =
        CdsHooksTestBase.onlyCard(new CdsClient(server.port()).hook("lss-mri-order-sign", sign));
    String link = card.at("/links/0/url").asText();
    String linkToken = link.substring(link.indexOf("#access=") + "#access=".length());
    assertThat(
            get("/viewer/api/" + result.getIdElement().getIdPart(), "Bearer " + linkToken)
                .statusCode())
        .isEqualTo(200);
    // and a call without a token is refused
    assertThat(get("/fhir/Observation/" + result.getIdElement().getIdPart(), null).statusCode())
        .isEqualTo(401);

    eventually(
        () -> {
          List<AuditEvent> ofPatient = audit("patient=" + patient);
          assertThat(subtypes(ofPatient))
              .as("FHIR create, read and search (BALP), the hook call, the viewer, the analysis")
              .contains("create", "read", "search-type", "hook-call", "viewer-open", "analysis");
          AuditEvent read = firstOf(ofPatient, "read");
          assertThat(read.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._0);
          // the client (the token's azp) and its subject, each by the issuer's identifier
          assertThat(read.getAgent())
              .extracting(a -> a.getWho().getIdentifier().getValue())
              .contains("lumbar-test", "service-account-lumbar-test");
          assertThat(read.getAgent())
              .extracting(a -> a.getNetwork().getAddress())
              .contains("127.0.0.1");
          AuditEvent hook = firstOf(ofPatient, "hook-call");
          assertThat(hook.getAgent())
              .extracting(a -> a.getWho().getIdentifier().getValue())
              .contains("Practitioner/audit-1");
          AuditEvent analysis = firstOf(ofPatient, "analysis");
          assertThat(analysis.getEntity())
              .extracting(en -> en.getWhat().getReference())
              .contains(result.getIdElement().toUnqualifiedVersionless().getValue());
          // docs/security.md's queries: by client, by outcome
          assertThat(audit("agent-name=lumbar-test&patient=" + patient)).isNotEmpty();
          assertThat(audit("outcome=4,8"))
              .isNotEmpty()
              .allSatisfy(e -> assertThat(e.getOutcome().toCode()).isIn("4", "8"));
          // DICOMweb: stored and searched, the study by its UID
          List<AuditEvent> dicom =
              audit("subtype=http://lumbarcds.org/fhir/CodeSystem/audit-activity|dicom-store");
          assertThat(dicom)
              .flatExtracting(AuditEvent::getEntity)
              .extracting(en -> en.getWhat().getIdentifier().getValue())
              .contains("urn:oid:" + study.studyUid());
          assertThat(
                  audit("subtype=http://lumbarcds.org/fhir/CodeSystem/audit-activity|dicom-query"))
              .isNotEmpty();
          List<AuditEvent> refused =
              audit("subtype=http://lumbarcds.org/fhir/CodeSystem/audit-activity|access-refused");
          assertThat(refused)
              .anySatisfy(
                  e -> {
                    assertThat(e.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._4);
                    assertThat(e.getEntity())
                        .extracting(en -> en.getDescription())
                        .contains("GET /fhir/Observation/" + result.getIdElement().getIdPart());
                  });
        });

    // no event holds a request body: the Patient's name written in the story appears nowhere
    String names =
        ris.read()
            .resource(Patient.class)
            .withId(ordered.patient())
            .execute()
            .getNameFirstRep()
            .getFamily();
    String trail =
        ca.uhn.fhir.context.FhirContext.forR4Cached()
            .newJsonParser()
            .encodeResourceToString(
                new Bundle()
                    .setEntry(
                        audit("patient=" + patient).stream()
                            .map(e -> new Bundle.BundleEntryComponent().setResource(e))
                            .toList()));
    if (names != null) {
      assertThat(trail).doesNotContain(names);
    }
  }

  @Test
  void theAuditTrailIsTheSecurityTeamsAndCannotBeChanged() throws Exception {
    IIdType patient = patient();
    admin.read().resource(Patient.class).withId(patient).execute();
    eventually(() -> assertThat(audit("patient=" + patient.getValue())).isNotEmpty());
    AuditEvent event = audit("patient=" + patient.getValue()).get(0);
    // a wildcard scope reaches no AuditEvent
    assertThat(
            get("/fhir/AuditEvent?patient=" + patient.getValue(), tokens.bearer("system/*.cruds"))
                .statusCode())
        .isEqualTo(403);
    // nobody changes or deletes one, not even with a scope that names AuditEvent: the trail has
    // no write interaction at all
    IGenericClient auditor = client(tokens.bearer("system/AuditEvent.cruds"));
    assertThatThrownBy(
            () -> auditor.delete().resourceById(event.getIdElement().toVersionless()).execute())
        .isInstanceOf(ca.uhn.fhir.rest.server.exceptions.InvalidRequestException.class);
    assertThatThrownBy(() -> auditor.update().resource(event).execute())
        .isInstanceOf(ca.uhn.fhir.rest.server.exceptions.InvalidRequestException.class);
    assertThat(
            auditor
                .read()
                .resource(AuditEvent.class)
                .withId(event.getIdElement().getIdPart())
                .execute()
                .getRecorded())
        .isEqualTo(event.getRecorded());
    // the patient's record ($everything) holds no AuditEvent
    Bundle everything =
        admin
            .operation()
            .onInstance(patient)
            .named("$everything")
            .withNoParameters(org.hl7.fhir.r4.model.Parameters.class)
            .returnResourceType(Bundle.class)
            .execute();
    assertThat(everything.getEntry())
        .extracting(e -> e.getResource().fhirType())
        .contains("Patient")
        .doesNotContain("AuditEvent");
  }

  @Test
  void theAuditTrailNeverStopsADeleteButTheRecordStillDoes() throws Exception {
    IIdType patient = patient();
    admin.read().resource(Patient.class).withId(patient).execute();
    // the trail's references first, so that they are the conflicts a delete meets first
    eventually(() -> assertThat(audit("patient=" + patient.getValue())).hasSizeGreaterThan(1));
    IIdType observation = observationOf(patient);
    // an Observation refers to the patient: refused, the Observation named, whatever the trail
    assertThatThrownBy(() -> admin.delete().resourceById(patient).execute())
        .isInstanceOf(ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException.class)
        .hasMessageContaining(observation.getValue());
    // with the Observation gone, only AuditEvents refer to it: deleted, and the trail kept
    admin.delete().resourceById(observation).execute();
    admin.delete().resourceById(patient).execute();
    assertThat(audit("patient=" + patient.getValue())).hasSizeGreaterThan(1);
  }
}
