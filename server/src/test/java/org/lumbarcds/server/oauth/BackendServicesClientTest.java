package org.lumbarcds.server.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.lumbarcds.server.TestClock;

/**
 * The SMART Backend Services client against a token endpoint that checks each request as SMART App
 * Launch 2.2 asks (the client assertion's header, claims and signature). Against Keycloak:
 * BackendServicesKeycloakTest.
 */
class BackendServicesClientTest {

  private static final Instant T0 = Instant.parse("2031-05-01T10:00:00Z");
  private final TestClock now = new TestClock(T0);
  private final Clock clock = now;
  private final List<Map<String, String>> requests = new ArrayList<>();
  private HttpServer server;
  private String answer =
      "{\"access_token\":\"tok-%d\",\"token_type\":\"Bearer\",\"expires_in\":300}";
  private int status = 200;

  private URI tokenEndpoint(JWK publicKey) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/token",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          Map<String, String> form = new HashMap<>();
          for (String pair : body.split("&")) {
            String[] kv = pair.split("=", 2);
            form.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
          }
          synchronized (requests) {
            requests.add(form);
          }
          byte[] out = answer.formatted(requests.size()).getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(status, out.length);
          exchange.getResponseBody().write(out);
          exchange.close();
        });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private BackendServicesClient client(URI token, JWK key, String scope) {
    return new BackendServicesClient(
        new BackendServicesClient.Settings(
            token, "lumbarcds-server", key, scope, Duration.ofSeconds(5)),
        clock);
  }

  @Test
  void anRsaKeySignsAnRs384AssertionAsSmartAsksAndTheTokenIsKeptUntilShortlyBeforeItExpires()
      throws Exception {
    RSAKey key = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    URI token = tokenEndpoint(key.toPublicJWK());
    BackendServicesClient client = client(token, key, "system/ImagingStudy.rs system/Binary.r");

    assertThat(client.authorization()).contains("Bearer tok-1");
    Map<String, String> form = requests.get(0);
    assertThat(form)
        .containsEntry("grant_type", "client_credentials")
        .containsEntry("scope", "system/ImagingStudy.rs system/Binary.r")
        .containsEntry(
            "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    SignedJWT assertion = SignedJWT.parse(form.get("client_assertion"));
    assertThat(assertion.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS384);
    assertThat(assertion.getHeader().getKeyID()).isEqualTo("rsa-1");
    assertThat(assertion.getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
    assertThat(assertion.verify(new RSASSAVerifier(key.toRSAPublicKey()))).isTrue();
    JWTClaimsSet claims = assertion.getJWTClaimsSet();
    assertThat(claims.getIssuer()).isEqualTo("lumbarcds-server");
    assertThat(claims.getSubject()).isEqualTo("lumbarcds-server");
    assertThat(claims.getAudience()).containsExactly(token.toString());
    assertThat(claims.getExpirationTime().toInstant()).isAfter(T0).isBefore(T0.plusSeconds(301));
    assertThat(claims.getJWTID()).isNotBlank();

    // kept: 300 s less the 30 s margin
    now.set(T0.plusSeconds(269));
    assertThat(client.authorization()).contains("Bearer tok-1");
    assertThat(requests).hasSize(1);
    now.set(T0.plusSeconds(270));
    assertThat(client.authorization()).contains("Bearer tok-2");
    assertThat(requests).hasSize(2);
    // a new jti each time
    assertThat(
            SignedJWT.parse(requests.get(1).get("client_assertion")).getJWTClaimsSet().getJWTID())
        .isNotEqualTo(claims.getJWTID());
    // refused by the PACS (401): fetched again at once
    client.rejected();
    assertThat(client.authorization()).contains("Bearer tok-3");
  }

  @Test
  void aP384KeySignsEs384AndOtherKeysAreRefusedAtConfiguration() throws Exception {
    ECKey key = new ECKeyGenerator(Curve.P_384).keyID("ec-1").generate();
    URI token = tokenEndpoint(key.toPublicJWK());
    answer = "{\"access_token\":\"short-%d\",\"token_type\":\"bearer\",\"expires_in\":40}";
    BackendServicesClient client = client(token, key, "");
    assertThat(client.authorization()).contains("Bearer short-1");
    SignedJWT assertion = SignedJWT.parse(requests.get(0).get("client_assertion"));
    assertThat(assertion.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES384);
    assertThat(assertion.verify(new ECDSAVerifier(key.toECPublicKey()))).isTrue();
    assertThat(requests.get(0)).doesNotContainKey("scope");
    // a 40 s token is kept for half its life, not 40 - 30 s
    now.set(T0.plusSeconds(19));
    assertThat(client.authorization()).contains("Bearer short-1");
    now.set(T0.plusSeconds(20));
    assertThat(client.authorization()).contains("Bearer short-2");

    assertThatThrownBy(
            () -> client(token, new ECKeyGenerator(Curve.P_256).keyID("p256").generate(), ""))
        .hasMessageContaining("P-384");
    assertThatThrownBy(() -> client(token, key.toPublicJWK(), ""))
        .hasMessageContaining("private key");
    assertThatThrownBy(() -> client(token, new RSAKeyGenerator(2048).generate(), "")) // no kid
        .hasMessageContaining("kid");
  }

  @Test
  void aRefusalNamesTheOauthErrorCodeOnlyAndNoTokenIsKept() throws Exception {
    RSAKey key = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    URI token = tokenEndpoint(key.toPublicJWK());
    status = 401;
    answer = "{\"error\":\"invalid_client\",\"error_description\":\"secret detail %d\"}";
    BackendServicesClient client = client(token, key, "system/ImagingStudy.rs");
    assertThatThrownBy(client::authorization)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("HTTP 401 invalid_client")
        .hasMessageNotContaining("secret detail");
    status = 200;
    answer = "{\"access_token\":\"tok-%d\",\"token_type\":\"mac\"}";
    assertThatThrownBy(client::authorization).hasMessageContaining("no bearer access token");
    answer = "<html>%d</html>";
    assertThatThrownBy(client::authorization).hasMessageContaining("without JSON");
    answer = "{\"access_token\":\"tok-%d\",\"token_type\":\"Bearer\"}";
    assertThat(client.authorization()).contains("Bearer tok-4");
    // no expires_in: 300 s assumed
    now.set(T0.plusSeconds(269));
    assertThat(client.authorization()).contains("Bearer tok-4");
  }
}
