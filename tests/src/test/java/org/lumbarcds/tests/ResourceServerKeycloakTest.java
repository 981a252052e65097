package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.lumbarcds.server.oauth.BackendServicesClient;
import org.lumbarcds.server.oauth.KeycloakServer;

/**
 * The resource server against a real authorization server: Keycloak on loopback (installed-tools
 * profile), with backend-services clients that authenticate by {@code private_key_jwt}, SMART
 * scopes as optional client scopes, an audience mapper naming this server, and a patient app whose
 * tokens carry a {@code patient} claim (a hardcoded-claim mapper, as a launch context would). The
 * cases of issue 19's item 2: no token, expired, wrong audience, wrong issuer, forged signature,
 * insufficient scope, a patient-scoped token reading another patient, and the whole story with a
 * system token.
 */
@Tag("keycloak")
class ResourceServerKeycloakTest {

  private static final String REALM = "hospital";
  private static final String ELSEWHERE = "elsewhere";
  private static final String AUDIENCE = "https://lumbar-cds.test/fhir";
  private static final String COMPOSE = "compose";
  private static final String PATIENT = "kc-patient-1";
  private static final List<String> SYSTEM_SCOPES =
      List.of(
          "system/Patient.cruds",
          "system/Patient.rs",
          "system/ServiceRequest.cruds",
          "system/ImagingStudy.cruds",
          "system/Observation.rs",
          "system/Task.rs",
          "system/Provenance.rs");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static RSAKey key;
  private static KeycloakServer keycloak;
  private static StandaloneServer server;
  private static String ehrBase;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    key = new RSAKeyGenerator(2048).keyID("lumbar-clients-1").keyUse(KeyUse.SIGNATURE).generate();
    String jwks = new JWKSet(key.toPublicJWK()).toString();
    Map<String, String> realms = new LinkedHashMap<>();
    realms.put(REALM, realm(REALM, jwks));
    realms.put(ELSEWHERE, realm(ELSEWHERE, jwks));
    realms.put(COMPOSE, composeRealm(jwks));
    keycloak = KeycloakServer.start(realms);
    // the server reads "the EHR's FHIR server" (its own /fhir, behind these tokens) with its own
    // Backend Services token: its port is chosen first, to name that server in its settings
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ehrBase = "http://127.0.0.1:" + port + "/fhir";
    Path ownKey = Files.createTempFile("lumbar-cds-self", ".jwk.json");
    Files.writeString(ownKey, key.toJSONString());
    String e = "--lumbarcds.cds-hooks.ehr-fhir-servers[0].";
    String p = "--lumbarcds.security.authorization-servers[0].";
    String c = "--lumbarcds.security.authorization-servers[1].";
    server =
        new StandaloneServer(
            ServerTestBase.newDataDir(),
            "--lumbarcds.analysis.triggers=order-completed",
            "--lumbarcds.analysis.polling-interval=1s",
            "--lumbarcds.fhir.validate-requests=false",
            p + "issuer=" + keycloak.issuer(REALM),
            p + "jwks-url=" + keycloak.jwksUrl(REALM),
            p + "audiences[0]=" + AUDIENCE,
            p + "token-endpoint=" + keycloak.tokenUrl(REALM),
            // the expiry case waits out a 2 s token: no skew on one machine's clock
            p + "clock-skew=0s",
            c + "issuer=" + keycloak.issuer(COMPOSE),
            c + "jwks-url=" + keycloak.jwksUrl(COMPOSE),
            c + "audiences[0]=" + AUDIENCE,
            "--server.port=" + port,
            "--lumbarcds.cds-hooks.issuers[0].issuer=" + CdsClient.ISSUER,
            "--lumbarcds.cds-hooks.issuers[0].jwks=" + CdsClient.jwks(),
            "--lumbarcds.cds-hooks.issuers[0].fhir-servers[0]=" + ehrBase,
            e + "base-url=" + ehrBase,
            e + "backend-services.token-url=" + keycloak.tokenUrl(REALM),
            e + "backend-services.client-id=lumbar-cds-self",
            e + "backend-services.key-file=" + ownKey,
            e + "backend-services.scope=system/*.rs");
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (keycloak != null) {
      keycloak.close();
    }
  }

  /**
   * The realm docker/compose.yaml imports, its placeholders filled in as Keycloak fills them from
   * the environment (named {@value #COMPOSE} here: the cases' own realm is {@code hospital}).
   */
  private static String composeRealm(String jwks) throws Exception {
    String text = Files.readString(Path.of("../docker/keycloak/hospital-realm.json"));
    String quoted = JSON.writeValueAsString(jwks);
    String inString = quoted.substring(1, quoted.length() - 1);
    return text.replace("${LUMBARCDS_RIS_JWKS}", inString)
        .replace("${LUMBARCDS_SECURITY_JWKS}", inString)
        .replace("${LUMBARCDS_AUTH_AUDIENCE}", AUDIENCE)
        .replace("\"realm\": \"hospital\"", "\"realm\": \"" + COMPOSE + "\"");
  }

  /** A realm: SMART scopes as client scopes, and the clients the cases need. */
  private static String realm(String name, String jwks) throws Exception {
    ObjectNode realm = JSON.createObjectNode();
    realm.put("realm", name).put("enabled", true);
    ArrayNode scopes = realm.putArray("clientScopes");
    List<String> all = new ArrayList<>(SYSTEM_SCOPES);
    all.add("patient/*.rs");
    all.add("system/*.rs");
    for (String scope : all) {
      scopes
          .addObject()
          .put("name", scope)
          .put("protocol", "openid-connect")
          .putObject("attributes")
          .put("include.in.token.scope", "true")
          .put("display.on.consent.screen", "false");
    }
    ArrayNode clients = realm.putArray("clients");
    client(clients, "lumbar-ris", jwks, SYSTEM_SCOPES, true, null, null);
    client(clients, "lumbar-short", jwks, SYSTEM_SCOPES, true, "2", null);
    client(clients, "lumbar-no-audience", jwks, SYSTEM_SCOPES, false, null, null);
    client(clients, "lumbar-patient-app", jwks, List.of("patient/*.rs"), true, null, PATIENT);
    client(clients, "lumbar-cds-self", jwks, List.of("system/*.rs"), true, null, null);
    return JSON.writeValueAsString(realm);
  }

  private static void client(
      ArrayNode clients,
      String id,
      String jwks,
      List<String> scopes,
      boolean audience,
      String lifespan,
      String patient) {
    ObjectNode client = clients.addObject();
    client
        .put("clientId", id)
        .put("enabled", true)
        .put("publicClient", false)
        .put("standardFlowEnabled", false)
        .put("serviceAccountsEnabled", true)
        .put("clientAuthenticatorType", "client-jwt");
    ObjectNode attributes =
        client
            .putObject("attributes")
            .put("use.jwks.string", "true")
            .put("jwks.string", jwks)
            .put("token.endpoint.auth.signing.alg", "RS384");
    if (lifespan != null) {
      attributes.put("access.token.lifespan", lifespan);
    }
    ArrayNode optional = client.putArray("optionalClientScopes");
    scopes.forEach(optional::add);
    client.putArray("defaultClientScopes");
    ArrayNode mappers = client.putArray("protocolMappers");
    if (audience) {
      mappers
          .addObject()
          .put("name", "lumbar-cds-audience")
          .put("protocol", "openid-connect")
          .put("protocolMapper", "oidc-audience-mapper")
          .putObject("config")
          .put("included.custom.audience", AUDIENCE)
          .put("access.token.claim", "true")
          .put("id.token.claim", "false");
    }
    if (patient != null) {
      mappers
          .addObject()
          .put("name", "launch-patient")
          .put("protocol", "openid-connect")
          .put("protocolMapper", "oidc-hardcoded-claim-mapper")
          .putObject("config")
          .put("claim.name", "patient")
          .put("claim.value", patient)
          .put("jsonType.label", "String")
          .put("access.token.claim", "true")
          .put("id.token.claim", "false");
    }
  }

  /** {@code Bearer <token>} from Keycloak for a client and scopes (client_credentials). */
  private static String token(String realm, String client, String scope) throws Exception {
    return new BackendServicesClient(
            new BackendServicesClient.Settings(
                keycloak.tokenUrl(realm), client, key, scope, Duration.ofSeconds(10)),
            Clock.systemUTC())
        .authorization()
        .orElseThrow();
  }

  private static IGenericClient fhir(String bearer) {
    IGenericClient client = server.client();
    client.registerInterceptor(new BearerTokenAuthInterceptor(bearer.substring(7)));
    return client;
  }

  private HttpResponse<String> get(String path, String authorization) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("Authorization", authorization)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The AuditEvents a search finds, once there are any (the trail is written in the background).
   */
  private JsonNode awaitAuditEvents(String query, String bearer) throws Exception {
    java.time.Instant end = java.time.Instant.now().plusSeconds(30);
    JsonNode found;
    do {
      Thread.sleep(250);
      HttpResponse<String> response = get("/fhir/AuditEvent?" + query, bearer);
      assertThat(response.statusCode()).isEqualTo(200);
      found = JSON.readTree(response.body()).path("entry");
    } while (found.isEmpty() && java.time.Instant.now().isBefore(end));
    return found;
  }

  /** A new Patient, created with the token given. */
  private static IIdType newPatient(String bearer) {
    return fhir(bearer)
        .create()
        .resource(Fixtures.patient(Fixtures.unique()))
        .execute()
        .getId()
        .toUnqualifiedVersionless();
  }

  private int status(String path, String authorization) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void tokensThatAreNotGoodHereAreRefused() throws Exception {
    String scope = "system/Patient.cruds";
    assertThat(status("/fhir/Patient", null)).as("no token").isEqualTo(401);
    assertThat(status("/fhir/Patient", token(REALM, "lumbar-ris", scope))).isEqualTo(200);
    assertThat(status("/fhir/Patient", token(REALM, "lumbar-no-audience", scope)))
        .as("wrong audience")
        .isEqualTo(401);
    assertThat(status("/fhir/Patient", token(ELSEWHERE, "lumbar-ris", scope)))
        .as("wrong issuer")
        .isEqualTo(401);
    // Keycloak's token, its claims signed again by another key under Keycloak's kid
    SignedJWT real = SignedJWT.parse(token(REALM, "lumbar-ris", scope).substring(7));
    RSAKey impostor = new RSAKeyGenerator(2048).keyID(real.getHeader().getKeyID()).generate();
    SignedJWT forged =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(impostor.getKeyID()).build(),
            real.getJWTClaimsSet());
    forged.sign(new RSASSASigner(impostor));
    assertThat(status("/fhir/Patient", "Bearer " + forged.serialize()))
        .as("forged signature")
        .isEqualTo(401);
    // a 2 s token: good, then expired
    String shortLived = token(REALM, "lumbar-short", scope);
    assertThat(status("/fhir/Patient", shortLived)).isEqualTo(200);
    Thread.sleep(3_000);
    assertThat(status("/fhir/Patient", shortLived)).as("expired").isEqualTo(401);
  }

  @Test
  void aTokenGetsWhatItsScopesGrantAndNoMore() throws Exception {
    IGenericClient admin = fhir(token(REALM, "lumbar-ris", "system/Patient.cruds"));
    Patient patient = Fixtures.patient(Fixtures.unique());
    var patientId = admin.create().resource(patient).execute().getId().toUnqualifiedVersionless();

    IGenericClient readOnly =
        fhir(token(REALM, "lumbar-ris", "system/Patient.rs system/Observation.rs"));
    assertThat(readOnly.read().resource(Patient.class).withId(patientId).execute()).isNotNull();
    assertThatThrownBy(
            () -> readOnly.create().resource(Fixtures.patient(Fixtures.unique())).execute())
        .as("a read-only token writing")
        .isInstanceOf(ForbiddenOperationException.class);
    IGenericClient observations = fhir(token(REALM, "lumbar-ris", "system/Observation.rs"));
    assertThatThrownBy(
            () -> observations.read().resource(Patient.class).withId(patientId).execute())
        .as("an Observation-only token reading a Patient")
        .isInstanceOf(ForbiddenOperationException.class);
    assertThat(status("/dicomweb/studies", token(REALM, "lumbar-ris", "system/Observation.rs")))
        .isEqualTo(403);
  }

  @Test
  void aPatientScopedTokenReadsItsPatientOnly() throws Exception {
    IGenericClient admin =
        fhir(token(REALM, "lumbar-ris", "system/Patient.cruds system/Observation.rs"));
    Patient mine = Fixtures.patient(Fixtures.unique());
    mine.setId("Patient/" + PATIENT);
    admin.update().resource(mine).execute();
    var other =
        admin
            .create()
            .resource(Fixtures.patient(Fixtures.unique()))
            .execute()
            .getId()
            .toUnqualifiedVersionless();
    IGenericClient app = fhir(token(REALM, "lumbar-patient-app", "patient/*.rs"));
    assertThat(
            app.read().resource(Patient.class).withId(PATIENT).execute().getIdElement().getIdPart())
        .isEqualTo(PATIENT);
    assertThatThrownBy(() -> app.read().resource(Patient.class).withId(other).execute())
        .as("a patient-scoped token reading another patient")
        .isInstanceOf(ForbiddenOperationException.class);
    Bundle patients = app.search().forResource(Patient.class).returnBundle(Bundle.class).execute();
    assertThat(patients.getEntry())
        .extracting(e -> e.getResource().getIdElement().getIdPart())
        .containsExactly(PATIENT);
  }

  @Test
  void aSystemTokenDoesTheWholeStory() throws Exception {
    String bearer = token(REALM, "lumbar-ris", String.join(" ", SYSTEM_SCOPES));
    AnalysisStoryTest.story(fhir(bearer), http, server.port(), bearer);
  }

  @Test
  void theComposeFilesRealmGivesTheRisAndTheSecurityTeamTheirTokens() throws Exception {
    String ris = token(COMPOSE, "lumbar-ris", "system/Patient.cruds system/*.rs");
    IIdType patient = newPatient(ris);
    fhir(ris).read().resource(Patient.class).withId(patient).execute();
    // the RIS's wildcard does not reach the audit trail; the security team's scope does
    assertThat(get("/fhir/AuditEvent?patient=" + patient.getValue(), ris).statusCode())
        .isEqualTo(403);
    String security = token(COMPOSE, "lumbar-security", "system/AuditEvent.rs lumbarcds.ops");
    assertThat(awaitAuditEvents("patient=" + patient.getValue(), security)).isNotEmpty();
    assertThat(get("/ops/api/summary", security).statusCode()).isEqualTo(200);
  }

  @Test
  void theServerReadsTheEhrsFhirServerWithItsOwnToken() throws Exception {
    String ris = token(REALM, "lumbar-ris", String.join(" ", SYSTEM_SCOPES));
    IIdType patient = newPatient(ris);
    ObjectNode sign = CdsHooksTestBase.orderSignWithDraftMri("Practitioner/1", patient);
    sign.put("fhirServer", ehrBase);
    // no prefetch, no fhirAuthorization: every key is read from the EHR's server, with the
    // server's own token from Keycloak (without one, that server answers 401 and the call 412)
    CdsHooksTestBase.onlyCard(new CdsClient(server.port()).hook("lss-mri-order-sign", sign));
    // the audit trail shows the reads, made over HTTP by the client lumbar-cds-self
    String security = token(COMPOSE, "lumbar-security", "system/AuditEvent.rs");
    assertThat(
            awaitAuditEvents("agent-name=lumbar-cds-self&patient=" + patient.getValue(), security))
        .isNotEmpty();
  }
}
