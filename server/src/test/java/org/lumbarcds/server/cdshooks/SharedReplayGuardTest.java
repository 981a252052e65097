package org.lumbarcds.server.cdshooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.lumbarcds.server.TestClock;
import org.lumbarcds.server.storage.ProjectDatabase;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/** The tokens accepted, remembered in the shared database until they expire. */
class SharedReplayGuardTest {

  private static final Instant T0 = Instant.parse("2031-05-01T10:00:00Z");
  private final JdbcTemplate jdbc = ProjectDatabase.withProjectTables();
  private final TestClock now = new TestClock(T0);
  private final Clock clock = now;

  @Test
  void eachKeyIsUsedOnceAcrossInstancesAndForgottenOnceExpired() {
    SharedReplayGuard a = new SharedReplayGuard(jdbc, clock);
    SharedReplayGuard b = new SharedReplayGuard(jdbc, clock);
    assertThat(a.firstUse("https://ehr\\njti-1", T0.plusSeconds(240))).isTrue();
    assertThat(b.firstUse("https://ehr\\njti-1", T0.plusSeconds(240))).isFalse();
    assertThat(a.firstUse("https://ehr\\njti-1", T0.plusSeconds(240))).isFalse();
    assertThat(b.firstUse("https://other\\njti-1", T0.plusSeconds(240))).isTrue();
    assertThat(a.firstUse("https://ehr\\njti-2", T0.plusSeconds(30))).isTrue();
    // nothing of the token is stored: only a fixed-length digest of issuer and jti
    assertThat(jdbc.queryForList("SELECT token_key FROM lcds_client_token", String.class))
        .hasSize(3)
        .allMatch(k -> k.matches("[0-9a-f]{64}"));

    // past jti-2's expiry and the clock skew, and the minute between purges: jti-2 is forgotten,
    // the others (still valid) are kept
    now.set(T0.plus(Duration.ofSeconds(30)).plus(ReplayGuard.SKEW).plusSeconds(61));
    assertThat(a.firstUse("https://ehr\\njti-3", T0.plusSeconds(400))).isTrue();
    assertThat(a.remembered()).isEqualTo(3);
    assertThat(b.firstUse("https://ehr\\njti-1", T0.plusSeconds(240))).isFalse();
  }

  @Test
  void aDatabaseFailureIsNotTakenForAFirstUse() {
    SharedReplayGuard guard = new SharedReplayGuard(jdbc, clock);
    jdbc.execute("DROP TABLE lcds_client_token");
    assertThatThrownBy(() -> guard.firstUse("https://ehr\\njti-1", T0.plusSeconds(60)))
        .isInstanceOf(DataAccessException.class);
  }

  @Test
  void theInMemoryGuardServesOneProcess() {
    ReplayGuard memory = ReplayGuard.inMemory(clock);
    assertThat(memory.firstUse("k", T0.plusSeconds(30))).isTrue();
    assertThat(memory.firstUse("k", T0.plusSeconds(30))).isFalse();
    now.set(T0.plusSeconds(30).plus(ReplayGuard.SKEW).plusSeconds(2));
    assertThat(memory.firstUse("other", T0.plusSeconds(400))).isTrue();
    assertThat(memory.firstUse("k", T0.plusSeconds(30))).isTrue(); // forgotten once expired
  }
}
