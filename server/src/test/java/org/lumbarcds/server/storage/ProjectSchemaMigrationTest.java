package org.lumbarcds.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lumbarcds.server.storage.ProjectDatabase.dataSource;
import static org.lumbarcds.server.storage.ProjectDatabase.memoryDatabase;
import static org.lumbarcds.server.storage.ProjectDatabase.migrate;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ScriptUtils;

/**
 * The project's migrations (db/lumbarcds) as the server runs them ({@link ProjectDatabase#migrate})
 * on a database of the release before migrations existed, and on an empty one.
 */
class ProjectSchemaMigrationTest {

  private static final String FIXTURE = "db/schema-before-migrations-h2.sql";

  @Test
  void aDatabaseOfTheReleaseBeforeMigrationsIsMigratedWithItsRowsKept() throws Exception {
    String url = memoryDatabase();
    JdbcTemplate jdbc = new JdbcTemplate(dataSource(url));
    try (Connection c = jdbc.getDataSource().getConnection()) {
      ScriptUtils.executeSqlScript(c, new ClassPathResource(FIXTURE));
    }

    migrate(url);

    assertThat(history(jdbc))
        .containsExactly(
            "0:BASELINE:TRUE", "1:SQL:TRUE", "1.1:SQL:TRUE", "1.2:SQL:TRUE", "1.3:SQL:TRUE");
    assertThat(jdbc.queryForObject("SELECT size_bytes FROM lcds_dicom_instance", Long.class))
        .isEqualTo(1024L);
    assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM lcds_cds_feedback", Long.class))
        .isEqualTo(1L);
    assertThat(jdbc.queryForObject("SELECT counter FROM lcds_record_change", Long.class))
        .isEqualTo(3L);
    assertThat(jdbc.queryForObject("SELECT secret FROM lcds_secret", String.class)).isEqualTo("ab");
    assertThat(jdbc.queryForObject("SELECT task_instance FROM lcds_scheduled_tasks", String.class))
        .isEqualTo("order-1");
    // the migrated tables are the ones an empty database gets
    String fresh = memoryDatabase();
    migrate(fresh);
    assertThat(columns(jdbc)).isEqualTo(columns(new JdbcTemplate(dataSource(fresh))));
    assertThat(indexes(jdbc))
        .isEqualTo(indexes(new JdbcTemplate(dataSource(fresh))))
        .contains(
            "LCDS_DICOM_INSTANCE.LCDS_DICOM_INSTANCE_STUDY",
            "LCDS_SCHEDULED_TASKS.LCDS_SCHEDULED_TASKS_EXECUTION_TIME");
    // the next feedback row gets an identity past the fixture's
    jdbc.update(
        "INSERT INTO lcds_cds_feedback (card_uuid, service_id, outcome, outcome_at, received_at)"
            + " VALUES ('card-1', 'lss-mri-order-sign', 'overridden', CURRENT_TIMESTAMP,"
            + " CURRENT_TIMESTAMP)");
    assertThat(jdbc.queryForList("SELECT id FROM lcds_cds_feedback ORDER BY id", Long.class))
        .hasSize(2)
        .doesNotHaveDuplicates();
  }

  @Test
  void anEmptyDatabaseGetsEveryTableAndAMigrationRunsOnce() {
    String url = memoryDatabase();
    migrate(url);
    migrate(url);
    JdbcTemplate jdbc = new JdbcTemplate(dataSource(url));
    assertThat(history(jdbc))
        .containsExactly("1:SQL:TRUE", "1.1:SQL:TRUE", "1.2:SQL:TRUE", "1.3:SQL:TRUE");
    assertThat(columns(jdbc).keySet())
        .containsExactly(
            "LCDS_AUDIT_EVENT",
            "LCDS_AUDIT_EVENT_AGENT",
            "LCDS_AUDIT_EVENT_PATIENT",
            "LCDS_CDS_CARD",
            "LCDS_CDS_FEEDBACK",
            "LCDS_CLIENT_TOKEN",
            "LCDS_DICOM_INSTANCE",
            "LCDS_RECORD_CHANGE",
            "LCDS_SCHEDULED_TASKS",
            "LCDS_SECRET");
  }

  private static List<String> history(JdbcTemplate jdbc) {
    return jdbc.queryForList(
        "SELECT \"version\" || ':' || \"type\" || ':' || \"success\" FROM \"lcds_schema_history\""
            + " WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\"",
        String.class);
  }

  /** The project tables' indexes other than primary keys, as TABLE.INDEX. */
  private static List<String> indexes(JdbcTemplate jdbc) {
    return jdbc.queryForList(
        "SELECT TABLE_NAME || '.' || INDEX_NAME FROM INFORMATION_SCHEMA.INDEXES"
            + " WHERE TABLE_NAME LIKE 'LCDS_%' AND INDEX_TYPE_NAME <> 'PRIMARY KEY'"
            + " ORDER BY 1",
        String.class);
  }

  /** Each project table's columns with their types, nullability and defaults. */
  private static Map<String, List<String>> columns(JdbcTemplate jdbc) {
    Map<String, List<String>> out = new TreeMap<>();
    jdbc.query(
        "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, IS_NULLABLE,"
            + " IS_IDENTITY FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME LIKE 'LCDS_%'"
            + " ORDER BY TABLE_NAME, ORDINAL_POSITION",
        rs -> {
          out.computeIfAbsent(rs.getString(1), t -> new ArrayList<>())
              .add(
                  String.join(
                      " ",
                      rs.getString(2),
                      rs.getString(3),
                      String.valueOf(rs.getObject(4)),
                      rs.getString(5),
                      rs.getString(6)));
        });
    return out;
  }
}
