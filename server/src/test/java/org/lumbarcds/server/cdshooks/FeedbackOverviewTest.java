package org.lumbarcds.server.cdshooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.init.ScriptUtils;

/**
 * {@link FeedbackStore#overview}, what the operations view shows of the cards and feedback, over
 * the project's tables in an in-memory H2 database.
 */
class FeedbackOverviewTest {

  private static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");

  private JdbcTemplate jdbc;

  @BeforeEach
  void setUp() throws Exception {
    jdbc =
        new JdbcTemplate(
            new DriverManagerDataSource(
                "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", ""));
    try (Connection c = jdbc.getDataSource().getConnection()) {
      ScriptUtils.executeSqlScript(
          c, new ClassPathResource("db/lumbarcds/common/V1__project_tables.sql"));
    }
  }

  private void card(String uuid, String service, Instant when) {
    jdbc.update(
        "INSERT INTO lcds_cds_card (uuid, service_id, recommendation, indicator, issued_at)"
            + " VALUES (?, ?, 'ORDER_MRI', 'info', ?)",
        uuid,
        service,
        Timestamp.from(when));
  }

  private void feedback(String card, String service, String outcome, String code, String display) {
    jdbc.update(
        "INSERT INTO lcds_cds_feedback (card_uuid, service_id, outcome, override_code,"
            + " override_display, outcome_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        card,
        service,
        outcome,
        code,
        display,
        Timestamp.from(NOW),
        Timestamp.from(NOW));
  }

  @Test
  void perServiceCardsOutcomesAndOverrideReasonsSinceATime() throws Exception {
    card("c1", "svc-a", NOW);
    card("c2", "svc-a", NOW);
    card("c0", "svc-a", NOW.minusSeconds(7200)); // before the period
    card("c3", "svc-b", NOW);
    feedback("c1", "svc-a", "accepted", null, null);
    feedback("c2", "svc-a", "overridden", "r1", "Reason one");
    feedback("c2", "svc-a", "overridden", "r1", "Reason one");
    feedback("c2", "svc-a", "overridden", "r2", null);
    // a reason sent with another outcome: counted with the reason's other items
    feedback("c1", "svc-a", "accepted", "r1", "Reason one");
    feedback("c9", "svc-c", "overridden", null, null);

    var overview = new FeedbackStore(jdbc).overview(NOW.minusSeconds(3600));

    assertThat(overview).containsOnlyKeys("svc-a", "svc-b", "svc-c");
    assertThat(overview.get("svc-a").cards()).isEqualTo(2);
    assertThat(overview.get("svc-c").cards()).isZero();
    assertThat(new ObjectMapper().writeValueAsString(overview))
        .isEqualTo(
            "{\"svc-a\":{\"cards\":2,\"outcomes\":{\"accepted\":2,\"overridden\":3},"
                + "\"overrideReasons\":{\"r1\":{\"display\":\"Reason one\",\"count\":3},"
                + "\"r2\":{\"display\":null,\"count\":1}}},"
                + "\"svc-b\":{\"cards\":1,\"outcomes\":{},\"overrideReasons\":{}},"
                + "\"svc-c\":{\"cards\":0,\"outcomes\":{\"overridden\":1},\"overrideReasons\":{}}}");
  }

  @Test
  void nothingInThePeriodIsNoService() {
    card("c1", "svc-a", NOW.minusSeconds(7200));
    assertThat(new FeedbackStore(jdbc).overview(NOW.minusSeconds(3600))).isEmpty();
  }
}
