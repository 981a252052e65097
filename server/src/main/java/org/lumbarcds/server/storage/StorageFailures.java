package org.lumbarcds.server.storage;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import org.springframework.dao.DataAccessException;

/**
 * What a failed write's exception says about the storage under it, in words an operator can act on:
 * a full disk (the operating system's {@code ENOSPC}, "No space left on device"), or an H2 database
 * that closed itself after a failed write. Shared by the FHIR API, the DICOMweb store and backups.
 */
public final class StorageFailures {

  /** H2's "database is closed" (after a write to its file failed, H2 closes it). */
  static final int H2_DATABASE_IS_CLOSED = 90098;

  /** H2's I/O errors and its general error, which wraps a failed write of its store. */
  static final int H2_IO_EXCEPTION_1 = 90028;

  static final int H2_IO_EXCEPTION_2 = 90031;
  static final int H2_GENERAL_ERROR = 50000;

  /** How long after H2 reported a failed write a database failure is put down to it. */
  static final Duration RECENT = Duration.ofSeconds(30);

  private static volatile Instant lastFailure = Instant.EPOCH;
  private static volatile boolean lastWasDiskFull;

  private StorageFailures() {}

  /**
   * Records that H2 reported its storage failing (the connection pool's {@link
   * H2ConnectionEviction} sees every such error): a request failing soon after on a connection the
   * pool dropped, or with its first error overridden by a failed rollback, is put down to it.
   */
  static void recordDatabaseFailure(SQLException e) {
    lastWasDiskFull = diskFull(e);
    lastFailure = Instant.now();
  }

  /**
   * What a failed request's exception amounts to when its storage failed: {@code DISK_FULL}, {@code
   * DATABASE_UNAVAILABLE}, or {@code null} when it was something else.
   */
  public static Kind classify(Throwable failure) {
    if (diskFull(failure)) {
      return Kind.DISK_FULL;
    }
    if (databaseClosed(failure)) {
      return Kind.DATABASE_UNAVAILABLE;
    }
    if (databaseAccess(failure) && Instant.now().isBefore(lastFailure.plus(RECENT))) {
      return lastWasDiskFull ? Kind.DISK_FULL : Kind.DATABASE_UNAVAILABLE;
    }
    return null;
  }

  /** A storage failure, as a request's answer reports it. */
  public enum Kind {
    DISK_FULL,
    DATABASE_UNAVAILABLE
  }

  private static boolean databaseAccess(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException
          || t instanceof DataAccessException
          || t.getClass().getName().startsWith("org.hibernate.")) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** Whether the failure, or one of its causes, is a full disk. */
  public static boolean diskFull(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null && message.contains("No space left on device")) {
        return true;
      }
      if (t instanceof SQLException sql && "53100".equals(sql.getSQLState())) {
        return true; // PostgreSQL's disk_full
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** Whether the failure, or one of its causes, is H2 having closed its database. */
  public static boolean databaseClosed(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getErrorCode() == H2_DATABASE_IS_CLOSED) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
