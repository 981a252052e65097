package org.lumbarcds.server.cdshooks;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.lumbarcds.model.Sha256;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The tokens accepted, in the database every instance shares ({@code lcds_client_token}): the first
 * insert of a token's key wins, on whichever instance, and every later one meets the primary key.
 * Rows of tokens expired (beyond the clock skew) are deleted, at most once a minute per instance. A
 * database failure propagates: the call is refused rather than let through unchecked.
 */
public final class SharedReplayGuard implements ReplayGuard {

  private static final long PURGE_INTERVAL_MS = 60_000;

  private final JdbcTemplate jdbc;
  private final Clock clock;
  private final AtomicLong nextPurge = new AtomicLong();

  public SharedReplayGuard(JdbcTemplate jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  @Override
  public boolean firstUse(String key, Instant expiry) {
    purgeExpired();
    try {
      jdbc.update(
          "INSERT INTO lcds_client_token (token_key, expires_at_ms) VALUES (?, ?)",
          Sha256.hex(key.getBytes(StandardCharsets.UTF_8)),
          expiry.toEpochMilli());
      return true;
    } catch (DuplicateKeyException replayed) {
      return false;
    }
  }

  /** How many tokens are remembered (operations, tests). */
  public int remembered() {
    return jdbc.queryForObject("SELECT COUNT(*) FROM lcds_client_token", Integer.class);
  }

  private void purgeExpired() {
    long now = clock.millis();
    long due = nextPurge.get();
    if (now >= due && nextPurge.compareAndSet(due, now + PURGE_INTERVAL_MS)) {
      jdbc.update("DELETE FROM lcds_client_token WHERE expires_at_ms < ?", now - SKEW.toMillis());
    }
  }
}
