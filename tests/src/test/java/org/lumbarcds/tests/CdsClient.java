package org.lumbarcds.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

/**
 * An EHR calling the CDS services: signs each call's JWT (ES384, the key the test server trusts for
 * {@link #ISSUER}) with {@code aud} = the URL called. The token carries exactly the claims the CDS
 * Hooks specification requires ({@code iss}, {@code aud}, {@code exp}, {@code iat}, {@code jti})
 * and no {@code sub}, as browser-based CDS clients send it.
 */
final class CdsClient {

  static final String ISSUER = "https://ehr.test";
  static final ECKey KEY = newKey();
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newHttpClient();
  private final String root;

  CdsClient(int port) {
    this.root = "http://127.0.0.1:" + port;
  }

  /** The public keys the server is configured with. */
  static String jwks() {
    return new JWKSet(KEY.toPublicJWK()).toString();
  }

  private static ECKey newKey() {
    try {
      return new ECKeyGenerator(Curve.P_384).keyID("ehr-test-key").generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A valid token for a URL. */
  static String token(String url) {
    return token(url, Instant.now().plusSeconds(60), UUID.randomUUID().toString());
  }

  static String token(String url, Instant expires, String jti) {
    return token(KEY, ISSUER, url, expires, jti);
  }

  /** A token signed with a given key for a given issuer. */
  static String token(ECKey key, String issuer, String url, Instant expires, String jti) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.ES384)
                  .keyID(key.getKeyID())
                  .type(JOSEObjectType.JWT)
                  .build(),
              new JWTClaimsSet.Builder()
                  .issuer(issuer)
                  .audience(url)
                  .expirationTime(Date.from(expires))
                  .issueTime(new Date())
                  .jwtID(jti)
                  .build());
      jwt.sign(new ECDSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  String url(String path) {
    return root + path;
  }

  /** A call with a fresh valid token. */
  HttpResponse<String> call(String method, String path, String body)
      throws IOException, InterruptedException {
    return call(method, path, body, "Bearer " + token(url(path)));
  }

  HttpResponse<String> call(String method, String path, String body, String authorization)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json");
      request.method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The discovery document, which must be 200. */
  JsonNode discovery() throws IOException, InterruptedException {
    HttpResponse<String> response = call("GET", "/cds-services", null);
    if (response.statusCode() != 200) {
      throw new AssertionError(response.statusCode() + " " + response.body());
    }
    return JSON.readTree(response.body());
  }

  /** A hook call's answer, which must be 200. */
  JsonNode hook(String serviceId, JsonNode request) throws IOException, InterruptedException {
    HttpResponse<String> response =
        call("POST", "/cds-services/" + serviceId, JSON.writeValueAsString(request));
    if (response.statusCode() != 200) {
      throw new AssertionError(response.statusCode() + " " + response.body());
    }
    return JSON.readTree(response.body());
  }
}
