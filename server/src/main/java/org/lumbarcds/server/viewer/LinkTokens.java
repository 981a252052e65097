package org.lumbarcds.server.viewer;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The viewer link's access token: the server signs, for each card it gives, a short-lived token
 * naming the AI result the link shows and the EHR user the card was shown to (the hook's {@code
 * userId}, with the EHR's issuer), so that the page can be opened from the card and a review
 * records who made it. HS256 with a secret kept in the server's database (shared by every instance,
 * made once). The token travels in the link's fragment, which browsers never send to a server: it
 * is not in access logs or Referer headers.
 */
class LinkTokens {

  static final String TABLE = "lcds_secret";
  private static final String AUDIENCE = "lumbar-cds-viewer";
  private static final String SECRET_NAME = "viewer-link";

  /**
   * Who the link was made for.
   *
   * @param user the EHR user ({@code Practitioner/…}), when the hook named one
   * @param issuer the EHR (the CDS client's issuer), when the call was authenticated
   * @param patient the patient of the card the link was on (the result must be theirs)
   */
  record Reader(Optional<String> user, Optional<String> issuer, Optional<String> patient) {
    static Reader nobody() {
      return new Reader(Optional.empty(), Optional.empty(), Optional.empty());
    }
  }

  /** A token that does not open this result. */
  static final class Invalid extends Exception {
    Invalid(String message) {
      super(message);
    }
  }

  private final byte[] secret;
  private final Duration lifetime;
  private final Clock clock;

  LinkTokens(JdbcTemplate jdbc, Duration lifetime, Clock clock) {
    this.secret = secret(jdbc);
    this.lifetime = lifetime;
    this.clock = clock;
  }

  /** A token opening one AI result for a reader. */
  String sign(String observationId, Reader reader) {
    Date now = Date.from(clock.instant());
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .audience(AUDIENCE)
            .claim("obs", observationId)
            .issueTime(now)
            .expirationTime(Date.from(clock.instant().plus(lifetime)));
    reader.user().ifPresent(claims::subject);
    reader.issuer().ifPresent(i -> claims.claim("ehr", i));
    reader.patient().ifPresent(p -> claims.claim("pat", p));
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
    try {
      jwt.sign(new MACSigner(secret));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a viewer link", e);
    }
    return jwt.serialize();
  }

  /** The reader of a token, if it opens this result now. */
  Reader verify(String token, String observationId) throws Invalid {
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
      if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())
          || !jwt.verify(new MACVerifier(secret))) {
        throw new Invalid("the link's signature is not valid");
      }
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      if (!claims.getAudience().contains(AUDIENCE)) {
        throw new Invalid("the link is not a viewer link");
      }
      if (claims.getExpirationTime() == null
          || !claims.getExpirationTime().toInstant().isAfter(clock.instant())) {
        throw new Invalid("the link has expired: open the result again from the card");
      }
      if (!observationId.equals(claims.getStringClaim("obs"))) {
        throw new Invalid("the link opens another result");
      }
      return new Reader(
          Optional.ofNullable(claims.getSubject()),
          Optional.ofNullable(claims.getStringClaim("ehr")),
          Optional.ofNullable(claims.getStringClaim("pat")));
    } catch (ParseException | JOSEException e) {
      throw new Invalid("the link's token cannot be read");
    }
  }

  private static byte[] secret(JdbcTemplate jdbc) {
    for (int attempt = 0; attempt < 2; attempt++) {
      List<String> found =
          jdbc.queryForList(
              "SELECT secret FROM " + TABLE + " WHERE name = ?", String.class, SECRET_NAME);
      if (!found.isEmpty()) {
        return HexFormat.of().parseHex(found.get(0));
      }
      byte[] fresh = new byte[32];
      new SecureRandom().nextBytes(fresh);
      try {
        jdbc.update(
            "INSERT INTO " + TABLE + " (name, secret) VALUES (?, ?)",
            SECRET_NAME,
            HexFormat.of().formatHex(fresh));
        return fresh;
      } catch (DataIntegrityViolationException e) {
        // another instance made it first: read theirs
      }
    }
    throw new IllegalStateException("cannot read or make the viewer link secret");
  }
}
