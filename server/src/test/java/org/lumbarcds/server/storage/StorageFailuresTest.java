package org.lumbarcds.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * Telling a full disk and a closed H2 database apart from other failures, and what the pool does.
 */
class StorageFailuresTest {

  @Test
  void aFullDiskIsFoundAmongTheCauses() {
    RuntimeException wrapped =
        new IllegalStateException(
            "write failed", new UncheckedIOException(new IOException("No space left on device")));
    assertThat(StorageFailures.diskFull(wrapped)).isTrue();
    assertThat(StorageFailures.diskFull(new SQLException("could not extend file", "53100")))
        .as("PostgreSQL's disk_full")
        .isTrue();
    assertThat(StorageFailures.diskFull(new IOException("Permission denied"))).isFalse();
    assertThat(StorageFailures.diskFull(new IllegalStateException((String) null))).isFalse();
  }

  @Test
  void aClosedH2DatabaseIsFoundAmongTheCauses() {
    SQLException closed = new SQLException("The database has been closed", "90098", 90098);
    assertThat(StorageFailures.databaseClosed(new RuntimeException(closed))).isTrue();
    assertThat(StorageFailures.databaseClosed(new SQLException("syntax", "42000", 42000)))
        .isFalse();
  }

  @Test
  void connectionsToAClosedOrFailedH2DatabaseAreDroppedOthersAreLeftToThePool() {
    H2ConnectionEviction eviction = new H2ConnectionEviction();
    for (int code : new int[] {90098, 90028, 90031, 50000}) {
      assertThat(eviction.adjudicate(new SQLException("h2", "HY000", code)))
          .as("H2 error %d", code)
          .isEqualTo(SQLExceptionOverride.Override.MUST_EVICT);
    }
    assertThat(eviction.adjudicate(new SQLException("unique", "23505", 23505)))
        .isEqualTo(SQLExceptionOverride.Override.CONTINUE_EVICT);
  }

  @Test
  void aDatabaseFailureSoonAfterH2ReportedAFullDiskIsPutDownToIt() {
    // the pool sees H2's failed write; the request's own error is a failed rollback
    new H2ConnectionEviction()
        .adjudicate(
            new SQLException(
                "General error", "HY000", 50000, new IOException("No space left on device")));
    assertThat(
            StorageFailures.classify(
                new org.springframework.orm.jpa.JpaSystemException(
                    new RuntimeException("Unable to rollback against JDBC Connection"))))
        .isEqualTo(StorageFailures.Kind.DISK_FULL);
    assertThat(StorageFailures.classify(new IllegalArgumentException("not a database failure")))
        .isNull();
  }
}
