package org.lumbarcds.server.cdshooks;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.bc.BouncyCastleProviderSingleton;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
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
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;

/**
 * Checks the JWT a CDS client sends with each call (CDS Hooks 2.0 "Trusting CDS Clients"): signed
 * with ES384 or RS384 by a key, named by {@code kid}, of an allow-listed issuer (its JWKS URL or
 * its keys in configuration); {@code aud} is the service URL called; {@code exp} present, passed
 * not, and at most five minutes ahead; {@code iat} not in the future; {@code jti} present and never
 * seen before from that issuer (by any instance: {@link ReplayGuard}). {@code alg: none} and HMAC
 * are refused. Signature and key handling are Nimbus JOSE + JWT's. Thread-safe.
 */
public final class ClientJwtVerifier {

  /**
   * A CDS client the server trusts.
   *
   * @param issuer its {@code iss}
   * @param jwksUri where its public keys are published (JWKS), or
   * @param jwks its public keys as a JWKS JSON document
   * @param requireSub whether its tokens must carry {@code sub}: the CDS Hooks specification lists
   *     {@code iss}, {@code aud}, {@code exp}, {@code iat} and {@code jti} as required and {@code
   *     sub} as optional, so it is required only where a site asks for it
   */
  public record TrustedIssuer(
      String issuer, Optional<URI> jwksUri, Optional<String> jwks, boolean requireSub) {

    /** An issuer whose tokens need only the claims the specification requires. */
    public TrustedIssuer(String issuer, Optional<URI> jwksUri, Optional<String> jwks) {
      this(issuer, jwksUri, jwks, false);
    }
  }

  /**
   * A verified caller.
   *
   * @param issuer its {@code iss}
   * @param subject its {@code sub} (the client id), if sent
   * @param tenant its {@code tenant}, if sent
   */
  public record Caller(String issuer, Optional<String> subject, Optional<String> tenant) {}

  /** Any refusal; the reason is for the server's log only, the client gets a bare 401. */
  public static final class Refused extends Exception {
    Refused(String reason) {
      super(reason);
    }
  }

  static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.ES384, JWSAlgorithm.RS384);
  private static final Duration MAX_LIFETIME = Duration.ofMinutes(5);
  private static final Duration SKEW = ReplayGuard.SKEW;

  private final Map<String, DefaultJWTProcessor<SecurityContext>> processors = new HashMap<>();
  private final ReplayGuard replays;
  private final Clock clock;

  /** A verifier that remembers the tokens it accepted in this process only (tests). */
  public ClientJwtVerifier(List<TrustedIssuer> issuers, Clock clock) {
    this(issuers, clock, ReplayGuard.inMemory(clock));
  }

  /**
   * @param replays where accepted tokens are remembered until they expire (the server: the database
   *     all its instances share)
   */
  public ClientJwtVerifier(List<TrustedIssuer> issuers, Clock clock, ReplayGuard replays) {
    this.clock = clock;
    this.replays = replays;
    for (TrustedIssuer issuer : issuers) {
      JWKSource<SecurityContext> keys;
      try {
        keys =
            issuer.jwksUri().isPresent()
                ? JWKSourceBuilder.create(issuer.jwksUri().get().toURL()).build()
                : new ImmutableJWKSet<>(JWKSet.parse(issuer.jwks().orElseThrow()));
      } catch (MalformedURLException | ParseException | NoSuchElementException e) {
        throw new IllegalArgumentException(
            "CDS client " + issuer.issuer() + ": a JWKS URL or valid JWKS keys are needed", e);
      }
      DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
      processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
      // Bouncy Castle verifies ES384 about three times faster than the JDK's provider (1.5 vs
      // 4.7 ms on the benchmark machine: docs/performance.md); it is used here only, not
      // registered as a JVM-wide provider
      DefaultJWSVerifierFactory verifiers = new DefaultJWSVerifierFactory();
      verifiers.getJCAContext().setProvider(BouncyCastleProviderSingleton.getInstance());
      processor.setJWSVerifierFactory(verifiers);
      processor.setJWTClaimsSetVerifier(
          new DefaultJWTClaimsVerifier<>(
              new JWTClaimsSet.Builder().issuer(issuer.issuer()).build(),
              requiredClaims(issuer.requireSub())) {
            @Override
            protected Date currentTime() {
              return Date.from(clock.instant()); // one clock for every time check
            }
          });
      processors.put(issuer.issuer(), processor);
    }
  }

  /**
   * Verifies an Authorization header for a call to a service.
   *
   * @param authorization the header's value ({@code Bearer <jwt>})
   * @param serviceUrl the URL called, which {@code aud} must name
   */
  public Caller verify(String authorization, String serviceUrl) throws Refused {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new Refused("no bearer token");
    }
    String token = authorization.substring(7).strip();
    SignedJWT jwt;
    JWTClaimsSet unverified;
    try {
      jwt = SignedJWT.parse(token); // an unsecured (alg: none) JWT does not parse as signed
      unverified = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new Refused("not a signed JWT");
    }
    JWSHeader header = jwt.getHeader();
    if (!ALGORITHMS.contains(header.getAlgorithm())) {
      throw new Refused("algorithm " + header.getAlgorithm() + " not accepted");
    }
    if (header.getKeyID() == null || header.getKeyID().isBlank()) {
      throw new Refused("no kid");
    }
    DefaultJWTProcessor<SecurityContext> processor = processors.get(unverified.getIssuer());
    if (processor == null) {
      throw new Refused("issuer not trusted");
    }
    // the cheap checks first, on the claims as sent: a token refused for its claims costs no
    // signature verification
    Instant now = clock.instant();
    checkClaims(unverified, serviceUrl, now);
    JWTClaimsSet claims;
    try {
      claims = processor.process(jwt, null); // signature by the issuer's key named by kid
    } catch (Exception e) {
      throw new Refused("verification failed: " + e.getMessage());
    }
    checkClaims(claims, serviceUrl, now);
    // remembered only once its signature is verified: a forged token cannot spend a jti
    if (!replays.firstUse(replayKey(claims), claims.getExpirationTime().toInstant())) {
      throw new Refused("jti replayed");
    }
    Object tenant = claims.getClaim("tenant");
    return new Caller(
        claims.getIssuer(),
        Optional.ofNullable(claims.getSubject()),
        tenant == null ? Optional.empty() : Optional.of(tenant.toString()));
  }

  /** The claims every token must carry (CDS Hooks 2.0, "Trusting CDS Clients"). */
  private static Set<String> requiredClaims(boolean requireSub) {
    Set<String> required = new HashSet<>(Set.of("iss", "aud", "exp", "iat", "jti"));
    if (requireSub) {
      required.add("sub");
    }
    return Set.copyOf(required);
  }

  private static void checkClaims(JWTClaimsSet claims, String serviceUrl, Instant now)
      throws Refused {
    if (claims.getAudience() == null || !claims.getAudience().contains(serviceUrl)) {
      throw new Refused("aud is not this service");
    }
    if (claims.getExpirationTime() == null
        || claims.getIssueTime() == null
        || claims.getJWTID() == null) {
      throw new Refused("exp, iat and jti are required");
    }
    Instant exp = claims.getExpirationTime().toInstant();
    Instant iat = claims.getIssueTime().toInstant();
    if (!exp.isAfter(now.minus(SKEW))) {
      throw new Refused("expired");
    }
    if (exp.isAfter(now.plus(MAX_LIFETIME).plus(SKEW))) {
      throw new Refused("exp more than five minutes ahead");
    }
    if (iat.isAfter(now.plus(SKEW))) {
      throw new Refused("issued in the future");
    }
  }

  private static String replayKey(JWTClaimsSet claims) {
    return claims.getIssuer() + "\n" + claims.getJWTID();
  }
}
