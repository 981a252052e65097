package org.lumbarcds.server.cdshooks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers the client tokens accepted until they expire, so that each is accepted once. The server
 * uses {@link SharedReplayGuard} (the database every instance shares); {@link #inMemory} serves one
 * process alone (tests).
 */
public interface ReplayGuard {

  /** How long after its {@code exp} a token is still remembered (the verifier's clock skew). */
  Duration SKEW = Duration.ofSeconds(60);

  /**
   * Records a token's first use.
   *
   * @param key the issuer and {@code jti}, which identify the token
   * @param expiry its {@code exp}
   * @return true the first time, false for every later use of the same key before it is forgotten
   */
  boolean firstUse(String key, Instant expiry);

  /** Tokens remembered by this process only: a second instance would accept them again. */
  static ReplayGuard inMemory(Clock clock) {
    Map<String, Instant> seen = new ConcurrentHashMap<>();
    long[] nextPurge = {0};
    return (key, expiry) -> {
      Instant now = clock.instant();
      synchronized (nextPurge) {
        if (now.toEpochMilli() >= nextPurge[0]) { // at most once a second, not a scan per call
          nextPurge[0] = now.toEpochMilli() + 1000;
          seen.values().removeIf(e -> e.isBefore(now.minus(SKEW)));
        }
      }
      return seen.putIfAbsent(key, expiry) == null;
    };
  }
}
