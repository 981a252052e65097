package org.lumbarcds.server.cdshooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lumbarcds.server.storage.ProjectDatabase;
import org.springframework.jdbc.core.JdbcTemplate;

/** The CDS Hooks client JWT: each case the spec and the issue name. */
class ClientJwtVerifierTest {

  private static final String SERVICE = "https://cds.example.org/cds-services/lumbar-mri-advice";
  // far from the real clock on purpose: every time check must use the verifier's clock
  private static final Instant NOW = Instant.parse("2031-05-01T10:00:00Z");
  private static ECKey ecKey;
  private static RSAKey rsaKey;
  private static ECKey strangerKey;
  private static HttpServer jwksServer;
  private static ClientJwtVerifier verifier;

  @BeforeAll
  static void keys() throws Exception {
    ecKey = new ECKeyGenerator(Curve.P_384).keyID("ec-1").generate();
    rsaKey = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    strangerKey = new ECKeyGenerator(Curve.P_384).keyID("ec-1").generate();
    // the RSA client publishes its keys at a JWKS URL; the EC client's are in configuration
    byte[] jwks = new JWKSet(rsaKey.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    jwksServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    jwksServer.createContext(
        "/jwks",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, jwks.length);
          exchange.getResponseBody().write(jwks);
          exchange.close();
        });
    jwksServer.start();
    verifier =
        new ClientJwtVerifier(
            List.of(
                new ClientJwtVerifier.TrustedIssuer(
                    "https://ehr.example.org",
                    Optional.empty(),
                    Optional.of(new JWKSet(ecKey.toPublicJWK()).toString())),
                new ClientJwtVerifier.TrustedIssuer(
                    "https://sandbox.example.org",
                    Optional.of(
                        URI.create(
                            "http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/jwks")),
                    Optional.empty()),
                new ClientJwtVerifier.TrustedIssuer(
                    "https://strict.example.org",
                    Optional.empty(),
                    Optional.of(new JWKSet(ecKey.toPublicJWK()).toString()),
                    true)),
            Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterAll
  static void stop() {
    jwksServer.stop(0);
  }

  private static JWTClaimsSet.Builder claims(String issuer) {
    return new JWTClaimsSet.Builder()
        .issuer(issuer)
        .subject("client-42")
        .audience(SERVICE)
        .issueTime(Date.from(NOW))
        .expirationTime(Date.from(NOW.plusSeconds(240)))
        .jwtID(UUID.randomUUID().toString());
  }

  private static String sign(JWSAlgorithm alg, String kid, JWSSigner signer, JWTClaimsSet claims)
      throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
    jwt.sign(signer);
    return "Bearer " + jwt.serialize();
  }

  private static String ec(JWTClaimsSet claims) throws Exception {
    return sign(JWSAlgorithm.ES384, "ec-1", new ECDSASigner(ecKey), claims);
  }

  private static void refused(String authorization, String reason) {
    assertThatThrownBy(() -> verifier.verify(authorization, SERVICE))
        .isInstanceOf(ClientJwtVerifier.Refused.class)
        .hasMessageContaining(reason);
  }

  @Test
  void aTokenWithoutSubIsAcceptedAsTheSpecificationAllowsUnlessItsIssuerRequiresOne()
      throws Exception {
    // CDS Hooks 2.0 requires iss, aud, exp, iat and jti; sub is optional
    JWTClaimsSet withoutSub = claims("https://ehr.example.org").subject(null).build();
    ClientJwtVerifier.Caller caller = verifier.verify(ec(withoutSub), SERVICE);
    assertThat(caller.issuer()).isEqualTo("https://ehr.example.org");
    assertThat(caller.subject()).isEmpty();
    refused(ec(claims("https://strict.example.org").subject(null).build()), "sub");
    assertThat(verifier.verify(ec(claims("https://strict.example.org").build()), SERVICE).subject())
        .contains("client-42");
    for (String claim : List.of("aud", "exp", "iat", "jti")) {
      JWTClaimsSet.Builder builder = claims("https://ehr.example.org").subject(null);
      builder.claim(claim, null);
      assertThatThrownBy(() -> verifier.verify(ec(builder.build()), SERVICE))
          .as("a token without %s", claim)
          .isInstanceOf(ClientJwtVerifier.Refused.class);
    }
  }

  @Test
  void validEs384AndRs384TokensAreAccepted() throws Exception {
    ClientJwtVerifier.Caller caller =
        verifier.verify(
            ec(claims("https://ehr.example.org").claim("tenant", "t1").build()), SERVICE);
    assertThat(caller.issuer()).isEqualTo("https://ehr.example.org");
    assertThat(caller.subject()).contains("client-42");
    assertThat(caller.tenant()).contains("t1");
    String rs =
        sign(
            JWSAlgorithm.RS384,
            "rsa-1",
            new RSASSASigner(rsaKey),
            claims("https://sandbox.example.org").build());
    assertThat(verifier.verify(rs, SERVICE).issuer()).isEqualTo("https://sandbox.example.org");
  }

  @Test
  void expiredOrTooLongLivedOrFromTheFuture() throws Exception {
    refused(
        ec(
            claims("https://ehr.example.org")
                .expirationTime(Date.from(NOW.minusSeconds(120)))
                .build()),
        "xpired");
    refused(
        ec(
            claims("https://ehr.example.org")
                .expirationTime(Date.from(NOW.plusSeconds(3600)))
                .build()),
        "five minutes");
    refused(
        ec(claims("https://ehr.example.org").issueTime(Date.from(NOW.plusSeconds(600))).build()),
        "future");
  }

  @Test
  void theAudienceMustBeThisService() throws Exception {
    refused(
        ec(
            claims("https://ehr.example.org")
                .audience("https://other.example.org/cds-services/x")
                .build()),
        "aud");
  }

  @Test
  void aReplayedJtiIsRefused() throws Exception {
    String token = ec(claims("https://ehr.example.org").build());
    verifier.verify(token, SERVICE);
    refused(token, "jti replayed");
    refused(ec(claims("https://ehr.example.org").jwtID(null).build()), "jti are required");
  }

  @Test
  void aTokenAcceptedByOneInstanceIsRefusedByAnotherOnTheSameDatabase() throws Exception {
    JdbcTemplate database = ProjectDatabase.withProjectTables();
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    List<ClientJwtVerifier.TrustedIssuer> issuers =
        List.of(
            new ClientJwtVerifier.TrustedIssuer(
                "https://ehr.example.org",
                Optional.empty(),
                Optional.of(new JWKSet(ecKey.toPublicJWK()).toString())));
    ClientJwtVerifier a =
        new ClientJwtVerifier(issuers, clock, new SharedReplayGuard(database, clock));
    ClientJwtVerifier b =
        new ClientJwtVerifier(issuers, clock, new SharedReplayGuard(database, clock));
    String token = ec(claims("https://ehr.example.org").build());
    a.verify(token, SERVICE);
    assertThatThrownBy(() -> b.verify(token, SERVICE))
        .isInstanceOf(ClientJwtVerifier.Refused.class)
        .hasMessageContaining("jti replayed");
    assertThatThrownBy(() -> a.verify(token, SERVICE))
        .isInstanceOf(ClientJwtVerifier.Refused.class)
        .hasMessageContaining("jti replayed");
    // a forged token with a fresh jti spends nothing: the same jti, properly signed, still passes
    String jti = UUID.randomUUID().toString();
    JWTClaimsSet fresh = claims("https://ehr.example.org").jwtID(jti).build();
    assertThatThrownBy(
            () ->
                b.verify(
                    sign(JWSAlgorithm.ES384, "ec-1", new ECDSASigner(strangerKey), fresh), SERVICE))
        .isInstanceOf(ClientJwtVerifier.Refused.class)
        .hasMessageContaining("verification failed");
    assertThat(b.verify(ec(fresh), SERVICE).issuer()).isEqualTo("https://ehr.example.org");
    // the same jti from another issuer is another token
    assertThat(
            a.verify(ec(claims("https://ehr.example.org").jwtID(jti + "x").build()), SERVICE)
                .issuer())
        .isEqualTo("https://ehr.example.org");
  }

  @Test
  void unknownKidUnknownIssuerAndAForeignKeyAreRefused() throws Exception {
    refused(
        sign(
            JWSAlgorithm.ES384,
            "ec-9",
            new ECDSASigner(ecKey),
            claims("https://ehr.example.org").build()),
        "verification failed");
    refused(ec(claims("https://evil.example.org").build()), "issuer not trusted");
    refused(
        sign(
            JWSAlgorithm.ES384,
            "ec-1",
            new ECDSASigner(strangerKey),
            claims("https://ehr.example.org").build()),
        "verification failed");
    refused(
        sign(
            JWSAlgorithm.ES384,
            null,
            new ECDSASigner(ecKey),
            claims("https://ehr.example.org").build()),
        "no kid");
  }

  @Test
  void algNoneAndHmacAreRefused() throws Exception {
    refused(
        "Bearer " + new PlainJWT(claims("https://ehr.example.org").build()).serialize(),
        "not a signed JWT");
    byte[] secret = new byte[48];
    refused(
        sign(
            JWSAlgorithm.HS384,
            "ec-1",
            new MACSigner(secret),
            claims("https://ehr.example.org").build()),
        "not accepted");
    refused(null, "no bearer token");
    refused("Bearer not.a.jwt", "not a signed JWT");
  }
}
