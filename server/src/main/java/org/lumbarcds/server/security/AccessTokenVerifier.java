package org.lumbarcds.server.security;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.text.ParseException;
import java.time.Clock;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks an OAuth 2.0 access token (a JWT, RFC 9068 or an authorization server's own profile such
 * as Keycloak's) against the authorization servers the server trusts: a signature by a key of the
 * issuer's JWKS (fetched from its JWKS URL, cached and refetched for an unknown {@code kid}, or
 * given in configuration) with an algorithm the server accepts for it (RS256, RS384 or ES384 by
 * default; never {@code none} nor HMAC); {@code iss} exactly a trusted issuer; {@code aud} naming
 * one of the audiences configured for it; {@code exp} present and not passed, {@code nbf} (if sent)
 * passed, with 60 s of clock skew. The JOSE work is Nimbus JOSE + JWT's. Thread-safe.
 */
public final class AccessTokenVerifier {

  /**
   * An authorization server whose tokens the server accepts.
   *
   * @param issuer its {@code iss}, exactly
   * @param keys its public keys
   * @param audiences what {@code aud} must name (one of them)
   * @param algorithms the signature algorithms accepted from it
   * @param patientClaim the claim naming the patient of {@code patient/} scopes
   * @param clockSkew how far clocks may disagree in the {@code exp} and {@code nbf} checks
   */
  public record Issuer(
      String issuer,
      JWKSource<SecurityContext> keys,
      Set<String> audiences,
      Set<JWSAlgorithm> algorithms,
      String patientClaim,
      java.time.Duration clockSkew) {}

  /** Any refusal; the reason is for the server's log (DEBUG) only. */
  public static final class Refused extends Exception {
    Refused(String reason) {
      super(reason);
    }
  }

  /** The algorithms accepted when none are configured. */
  public static final Set<JWSAlgorithm> DEFAULT_ALGORITHMS =
      Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.ES384);

  private static final Set<JWSAlgorithm> ACCEPTABLE =
      Set.of(
          JWSAlgorithm.RS256,
          JWSAlgorithm.RS384,
          JWSAlgorithm.RS512,
          JWSAlgorithm.PS256,
          JWSAlgorithm.PS384,
          JWSAlgorithm.PS512,
          JWSAlgorithm.ES256,
          JWSAlgorithm.ES384,
          JWSAlgorithm.ES512);

  private record Trusted(Issuer issuer, DefaultJWTProcessor<SecurityContext> processor) {}

  private final Map<String, Trusted> issuers = new HashMap<>();

  public AccessTokenVerifier(List<Issuer> trusted, Clock clock) {
    for (Issuer issuer : trusted) {
      if (issuer.audiences().isEmpty()) {
        throw new IllegalArgumentException(
            "authorization server " + issuer.issuer() + ": an audience is required");
      }
      Set<JWSAlgorithm> unsafe = new HashSet<>(issuer.algorithms());
      unsafe.removeAll(ACCEPTABLE);
      if (!unsafe.isEmpty() || issuer.algorithms().isEmpty()) {
        throw new IllegalArgumentException(
            "authorization server "
                + issuer.issuer()
                + ": accepted algorithms are asymmetric signatures (RS/PS/ES), not "
                + unsafe);
      }
      DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
      // access tokens are typed "JWT", "at+jwt" or not at all (Keycloak): any header typ
      processor.setJWSTypeVerifier((type, context) -> {});
      processor.setJWSKeySelector(
          new JWSVerificationKeySelector<>(issuer.algorithms(), issuer.keys()));
      DefaultJWTClaimsVerifier<SecurityContext> claims =
          new DefaultJWTClaimsVerifier<>(
              new HashSet<>(issuer.audiences()), // Nimbus asks contains(null): not Set.of
              new JWTClaimsSet.Builder().issuer(issuer.issuer()).build(),
              new HashSet<>(Set.of("iss", "aud", "exp")),
              null) {
            @Override
            protected Date currentTime() {
              return Date.from(clock.instant());
            }
          };
      claims.setMaxClockSkew((int) issuer.clockSkew().toSeconds());
      processor.setJWTClaimsSetVerifier(claims);
      issuers.put(issuer.issuer(), new Trusted(issuer, processor));
    }
  }

  /** The keys of an issuer: fetched from its JWKS URL (cached, refreshed) or given. */
  public static JWKSource<SecurityContext> keys(
      Optional<java.net.URI> jwksUrl, Optional<String> jwks) {
    try {
      if (jwksUrl.isPresent()) {
        return JWKSourceBuilder.create(jwksUrl.get().toURL()).retrying(true).build();
      }
      return new ImmutableJWKSet<>(JWKSet.parse(jwks.orElseThrow()));
    } catch (MalformedURLException | ParseException | java.util.NoSuchElementException e) {
      throw new IllegalArgumentException("a JWKS URL or valid JWKS keys are needed", e);
    }
  }

  /** Whether any authorization server is trusted (off: the server is in open mode). */
  public boolean isEmpty() {
    return issuers.isEmpty();
  }

  /**
   * Verifies an {@code Authorization} header's bearer token.
   *
   * @throws Refused with the reason, for the log
   */
  public AccessToken verify(String authorization) throws Refused {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new Refused("no bearer token");
    }
    SignedJWT jwt;
    String issuer;
    try {
      jwt = SignedJWT.parse(authorization.substring(7).strip()); // alg none does not parse
      issuer = jwt.getJWTClaimsSet().getIssuer();
    } catch (ParseException e) {
      throw new Refused("not a signed JWT");
    }
    Trusted trusted = issuer == null ? null : issuers.get(issuer);
    if (trusted == null) {
      throw new Refused("issuer not trusted");
    }
    JWTClaimsSet claims;
    try {
      claims = trusted.processor().process(jwt, null);
    } catch (Exception e) {
      throw new Refused("verification failed: " + e.getMessage());
    }
    return new AccessToken(
        claims.getIssuer(),
        Optional.ofNullable(claims.getSubject()),
        string(claims, "client_id").or(() -> string(claims, "azp")),
        SmartScopes.parse(scopes(claims)),
        string(claims, trusted.issuer().patientClaim()));
  }

  /** {@code scope} as a space-separated string (RFC 9068) or {@code scp} as an array. */
  private static Collection<String> scopes(JWTClaimsSet claims) {
    Object scope = claims.getClaim("scope");
    if (scope instanceof String s) {
      return List.of(s.strip().split("\\s+"));
    }
    Object scp = claims.getClaim("scp");
    if (scp instanceof Collection<?> list) {
      return list.stream().map(String::valueOf).collect(Collectors.toList());
    }
    if (scp instanceof String s) {
      return List.of(s.strip().split("\\s+"));
    }
    return List.of();
  }

  private static Optional<String> string(JWTClaimsSet claims, String name) {
    Object value = claims.getClaim(name);
    return value instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
  }
}
