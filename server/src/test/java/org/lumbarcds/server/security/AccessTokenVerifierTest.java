package org.lumbarcds.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessTokenVerifierTest {

  private static final String ISSUER = "https://idp.example.org/realms/h";
  private static final String AUDIENCE = "https://cds.example.org/fhir";
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

  private final RSAKey rsa = generateRsa("r1");
  private final ECKey ec = generateEc("e1");
  private final AccessTokenVerifier verifier =
      new AccessTokenVerifier(
          List.of(
              new AccessTokenVerifier.Issuer(
                  ISSUER,
                  new ImmutableJWKSet<>(
                      new JWKSet(List.<JWK>of(rsa.toPublicJWK(), ec.toPublicJWK()))),
                  Set.of(AUDIENCE),
                  AccessTokenVerifier.DEFAULT_ALGORITHMS,
                  "patient",
                  Duration.ofSeconds(60))),
          Clock.fixed(NOW, ZoneOffset.UTC));

  private static RSAKey generateRsa(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static ECKey generateEc(String kid) {
    try {
      return new ECKeyGenerator(Curve.P_384).keyID(kid).generate();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(List.of("account", AUDIENCE))
        .subject("service-account-ris")
        .claim("azp", "ris")
        .claim("scope", "openid system/Observation.rs")
        .expirationTime(Date.from(NOW.plus(Duration.ofMinutes(5))));
  }

  private static String rs(JWSAlgorithm alg, RSAKey key, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return "Bearer " + jwt.serialize();
  }

  @Test
  void aValidTokenGivesItsCallerScopesAndPatient() throws Exception {
    AccessToken token =
        verifier.verify(rs(JWSAlgorithm.RS384, rsa, claims().claim("patient", "p1").build()));
    assertThat(token.issuer()).isEqualTo(ISSUER);
    assertThat(token.clientId()).hasValue("ris");
    assertThat(token.subject()).hasValue("service-account-ris");
    assertThat(token.patient()).hasValue("p1");
    assertThat(token.scopes().allows('r', "Observation")).isTrue();
    assertThat(verifier.verify(rs(JWSAlgorithm.RS256, rsa, claims().build())).patient()).isEmpty();
    SignedJWT es =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES384).keyID("e1").build(), claims().build());
    es.sign(new ECDSASigner(ec));
    assertThat(verifier.verify("Bearer " + es.serialize()).issuer()).isEqualTo(ISSUER);
  }

  @Test
  void timeAudienceIssuerAndSignatureAreChecked() throws Exception {
    List<JWTClaimsSet> refused =
        List.of(
            claims().expirationTime(Date.from(NOW.minus(Duration.ofMinutes(2)))).build(),
            claims().notBeforeTime(Date.from(NOW.plus(Duration.ofMinutes(2)))).build(),
            claims().expirationTime(null).build(),
            claims().audience("https://other.example.org/fhir").build(),
            claims().audience((String) null).build(),
            claims().issuer("https://idp.example.org/realms/other").build(),
            claims().issuer(null).build());
    for (JWTClaimsSet c : refused) {
      assertThatThrownBy(() -> verifier.verify(rs(JWSAlgorithm.RS384, rsa, c)))
          .as(c.toString())
          .isInstanceOf(AccessTokenVerifier.Refused.class);
    }
    // within the 60 s of clock skew
    assertThat(
            verifier.verify(
                rs(
                    JWSAlgorithm.RS384,
                    rsa,
                    claims().expirationTime(Date.from(NOW.minusSeconds(30))).build())))
        .isNotNull();
    // another key under a known kid; an algorithm not accepted (RS512); no signature at all
    assertThatThrownBy(
            () -> verifier.verify(rs(JWSAlgorithm.RS384, generateRsa("r1"), claims().build())))
        .isInstanceOf(AccessTokenVerifier.Refused.class);
    assertThatThrownBy(() -> verifier.verify(rs(JWSAlgorithm.RS512, rsa, claims().build())))
        .isInstanceOf(AccessTokenVerifier.Refused.class);
    assertThatThrownBy(
            () -> verifier.verify("Bearer " + new PlainJWT(claims().build()).serialize()))
        .isInstanceOf(AccessTokenVerifier.Refused.class);
    assertThatThrownBy(() -> verifier.verify(null)).isInstanceOf(AccessTokenVerifier.Refused.class);
  }

  @Test
  void symmetricAlgorithmsCannotBeConfigured() {
    assertThatThrownBy(
            () ->
                new AccessTokenVerifier(
                    List.of(
                        new AccessTokenVerifier.Issuer(
                            ISSUER,
                            new ImmutableJWKSet<>(new JWKSet()),
                            Set.of(AUDIENCE),
                            Set.of(JWSAlgorithm.HS256),
                            "patient",
                            Duration.ofSeconds(60))),
                    Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
