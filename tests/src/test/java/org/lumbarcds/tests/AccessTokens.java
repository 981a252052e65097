package org.lumbarcds.tests;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * An authorization server's signing side, for tests of the resource server that need no real one
 * (the Keycloak tests use a real one): an RSA key, its public JWKS for the server's configuration,
 * and access tokens signed RS384 with the claims Keycloak puts in its own.
 */
final class AccessTokens {

  static final String ISSUER = "https://idp.lumbar-cds.test/realms/hospital";
  static final String AUDIENCE = "https://lumbar-cds.test/fhir";

  private final RSAKey key;

  AccessTokens() {
    try {
      key = new RSAKeyGenerator(2048).keyID("test-" + UUID.randomUUID()).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The public keys, as {@code lumbarcds.security.authorization-servers[].jwks} takes them. */
  String jwks() {
    return new JWKSet(key.toPublicJWK()).toString();
  }

  /** The server settings that trust this issuer. */
  String[] settings() {
    String p = "--lumbarcds.security.authorization-servers[0].";
    return new String[] {
      p + "issuer=" + ISSUER,
      p + "jwks=" + jwks(),
      p + "audiences[0]=" + AUDIENCE,
      p + "token-endpoint=" + ISSUER + "/protocol/openid-connect/token",
      p + "authorization-endpoint=" + ISSUER + "/protocol/openid-connect/auth"
    };
  }

  /** {@code Bearer <token>} for a token with these scopes, valid for five minutes. */
  String bearer(String scope) {
    return bearer(scope, c -> c);
  }

  /** The same, its claims changed by {@code change} before signing. */
  String bearer(String scope, UnaryOperator<JWTClaimsSet.Builder> change) {
    return "Bearer " + sign(change.apply(claims(scope)).build(), key);
  }

  /** A token for a patient's compartment: {@code patient/} scopes and the {@code patient} claim. */
  String patientBearer(String scope, String patientId) {
    return bearer(scope, c -> c.claim("patient", patientId));
  }

  /** A token with the right claims signed by another key under this key's kid (a forgery). */
  String forged(String scope) {
    try {
      RSAKey other = new RSAKeyGenerator(2048).keyID(key.getKeyID()).generate();
      return "Bearer " + sign(claims(scope).build(), other);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token MACed with HS256 under a secret (an algorithm the server never accepts). */
  String hmac(String scope) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(key.getKeyID()).build(),
              claims(scope).build());
      jwt.sign(new MACSigner(new byte[32]));
      return "Bearer " + jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JWTClaimsSet.Builder claims(String scope) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .subject("service-account-lumbar-test")
        .claim("azp", "lumbar-test")
        .claim("typ", "Bearer")
        .claim("scope", scope)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
        .jwtID(UUID.randomUUID().toString());
  }

  private static String sign(JWTClaimsSet claims, RSAKey key) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.RS384).keyID(key.getKeyID()).build(), claims);
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
