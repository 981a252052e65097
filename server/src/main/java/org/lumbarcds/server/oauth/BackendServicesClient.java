package org.lumbarcds.server.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;
import org.lumbarcds.cds.imaging.Credentials;

/**
 * The server's own access token for a service that needs OAuth 2.0 (a PACS), as a SMART Backend
 * Services client (SMART App Launch 2.2, client-confidential-asymmetric): the {@code
 * client_credentials} grant, the client authenticated by a JWT signed with its private key ({@code
 * private_key_jwt}: RS384 with an RSA key, ES384 with a P-384 key; header {@code kid} and {@code
 * typ: JWT}; {@code iss} = {@code sub} = the client id, {@code aud} the token URL, a new {@code
 * jti} each time, valid 60 s). The token is kept until 30 s before it expires (or half its
 * lifetime, if shorter) and fetched again then. Signing is Nimbus JOSE + JWT's. Thread-safe.
 */
public final class BackendServicesClient implements Credentials {

  /**
   * How to obtain the token.
   *
   * @param tokenUrl the authorization server's token endpoint
   * @param clientId the client id it registered this server under
   * @param key this server's private key (a JWK with {@code kid}); its public half is registered
   *     with the authorization server
   * @param scope the scopes asked for (space-separated, e.g. {@code system/ImagingStudy.rs});
   *     empty: none named, the client's defaults
   * @param timeout limit for the token request
   */
  public record Settings(URI tokenUrl, String clientId, JWK key, String scope, Duration timeout) {
    public Settings {
      if (!key.isPrivate()) {
        throw new IllegalArgumentException("the client key must be a private key");
      }
      if (key.getKeyID() == null || key.getKeyID().isBlank()) {
        throw new IllegalArgumentException("the client key needs a kid");
      }
      algorithm(key); // refuses a key that cannot sign RS384 or ES384
    }
  }

  /** The token lifetime assumed when the answer gives none (SMART: SHOULD NOT exceed 300 s). */
  private static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(300);

  private static final Duration ASSERTION_LIFETIME = Duration.ofSeconds(60);
  private static final Duration REFRESH_MARGIN = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Settings settings;
  private final HttpClient http;
  private final Clock clock;
  private String token;
  private Instant refreshAt = Instant.MIN;

  public BackendServicesClient(Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
  }

  @Override
  public synchronized Optional<String> authorization() throws IOException {
    Instant now = clock.instant();
    if (token == null || !now.isBefore(refreshAt)) {
      fetch(now);
    }
    return Optional.of("Bearer " + token);
  }

  /** The PACS refused the token (401): the next request fetches a new one. */
  @Override
  public synchronized void rejected() {
    token = null;
  }

  private void fetch(Instant now) throws IOException {
    String form =
        "grant_type=client_credentials"
            + (settings.scope().isBlank() ? "" : "&scope=" + encode(settings.scope().strip()))
            + "&client_assertion_type="
            + encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            + "&client_assertion="
            + assertion(now);
    HttpResponse<String> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(settings.tokenUrl())
                  .timeout(settings.timeout())
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .header("Accept", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(form))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking for an access token", e);
    }
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new IOException(
          "the authorization server answered HTTP " + response.statusCode() + " without JSON");
    }
    if (response.statusCode() != 200) {
      // the OAuth error code only (RFC 6749 5.2: a short ASCII code); its description may carry
      // anything and stays out of messages and logs
      String error = body.path("error").asText("");
      throw new IOException(
          "the authorization server refused the token request: HTTP "
              + response.statusCode()
              + (error.matches("[a-z_]{1,40}") ? " " + error : ""));
    }
    String accessToken = body.path("access_token").asText("");
    if (accessToken.isBlank() || !"bearer".equalsIgnoreCase(body.path("token_type").asText())) {
      throw new IOException("the authorization server's answer has no bearer access token");
    }
    Duration lifetime =
        body.path("expires_in").canConvertToLong() && body.path("expires_in").asLong() > 0
            ? Duration.ofSeconds(body.path("expires_in").asLong())
            : DEFAULT_LIFETIME;
    Duration keep = lifetime.minus(REFRESH_MARGIN);
    if (keep.compareTo(lifetime.dividedBy(2)) < 0) {
      keep = lifetime.dividedBy(2);
    }
    token = accessToken;
    refreshAt = now.plus(keep);
  }

  /** The signed client assertion (SMART App Launch 2.2, "Authenticating to the token endpoint"). */
  private String assertion(Instant now) throws IOException {
    JWSAlgorithm algorithm = algorithm(settings.key());
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(algorithm)
                .keyID(settings.key().getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            new JWTClaimsSet.Builder()
                .issuer(settings.clientId())
                .subject(settings.clientId())
                .audience(settings.tokenUrl().toString())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ASSERTION_LIFETIME)))
                .jwtID(UUID.randomUUID().toString())
                .build());
    try {
      JWSSigner signer =
          settings.key() instanceof RSAKey rsa
              ? new RSASSASigner(rsa)
              : new ECDSASigner((ECKey) settings.key());
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IOException("the client assertion could not be signed", e);
    }
    return jwt.serialize();
  }

  private static JWSAlgorithm algorithm(JWK key) {
    if (key instanceof RSAKey) {
      return JWSAlgorithm.RS384;
    }
    if (key instanceof ECKey ec && Curve.P_384.equals(ec.getCurve())) {
      return JWSAlgorithm.ES384;
    }
    throw new IllegalArgumentException(
        "the client key must be RSA (RS384) or EC P-384 (ES384), as SMART Backend Services asks");
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
