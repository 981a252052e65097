package org.lumbarcds.server.storage;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.SQLException;

/**
 * Tells the connection pool to drop a connection to an H2 database that has closed itself. When a
 * write to its file fails (a full disk), H2 closes the database; its open connections still look
 * valid to the pool but fail every statement, so the server would stay broken after the space
 * returns. Dropped, they are replaced by new connections, which open the database again from its
 * last commit. Configured as {@code spring.datasource.hikari.exception-override-class-name}; it
 * acts on H2's error codes only (PostgreSQL reports a full disk on a connection that stays usable,
 * and the pool already drops connections PostgreSQL breaks).
 */
public class H2ConnectionEviction implements SQLExceptionOverride {

  @java.lang.Override
  public Override adjudicate(SQLException e) {
    return switch (e.getErrorCode()) {
      case StorageFailures.H2_DATABASE_IS_CLOSED,
          StorageFailures.H2_IO_EXCEPTION_1,
          StorageFailures.H2_IO_EXCEPTION_2,
          StorageFailures.H2_GENERAL_ERROR -> {
        StorageFailures.recordDatabaseFailure(e);
        yield Override.MUST_EVICT;
      }
      default -> Override.CONTINUE_EVICT;
    };
  }
}
