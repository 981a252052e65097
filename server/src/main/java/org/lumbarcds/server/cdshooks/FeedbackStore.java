package org.lumbarcds.server.cdshooks;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.lumbarcds.cds.hooks.MriAdviceHooks;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The cards issued and the feedback on them, in the server's database: which advice a card gave (so
 * that acceptance and override rates can be read per recommendation) and each outcome the EHR
 * reported (accepted, or overridden with its reason). No patient identifier is kept: a card is
 * known by its uuid and the AI result it rested on.
 */
public class FeedbackStore {

  /** One feedback item as stored. */
  record Feedback(
      String cardUuid,
      String serviceId,
      String outcome,
      List<String> acceptedSuggestions,
      Optional<String> overrideReasonSystem,
      Optional<String> overrideReasonCode,
      Optional<String> overrideReasonDisplay,
      Optional<String> userComment,
      Instant outcomeTimestamp,
      Optional<String> recommendation,
      Optional<String> observationId) {

    /** An item of a service's feedback request, as it will be stored. */
    static Feedback of(String serviceId, FeedbackRequest.Item item) {
      Optional<FeedbackRequest.Coding> reason =
          Optional.ofNullable(item.overrideReason()).map(FeedbackRequest.OverrideReason::reason);
      return new Feedback(
          item.card(),
          serviceId,
          item.outcome(),
          item.acceptedIds(),
          reason.map(FeedbackRequest.Coding::system),
          reason.map(FeedbackRequest.Coding::code),
          reason.map(FeedbackRequest.Coding::display),
          Optional.ofNullable(item.overrideReason())
              .map(FeedbackRequest.OverrideReason::userComment),
          item.outcomeTimestamp() == null ? Instant.now() : item.outcomeTimestamp().toInstant(),
          Optional.empty(),
          Optional.empty());
    }
  }

  /**
   * A service's feedback since a time, as {@code GET /cds-services/{id}/feedback} answers it.
   *
   * @param service the service id
   * @param summary the counts
   * @param feedback the items, oldest first
   */
  record Report(String service, Summary summary, List<Item> feedback) {

    static Report of(String serviceId, List<Feedback> items) {
      Map<String, Long> outcomes = new LinkedHashMap<>();
      Map<String, Long> reasons = new LinkedHashMap<>();
      for (Feedback f : items) {
        outcomes.merge(f.outcome(), 1L, Long::sum);
        f.overrideReasonCode().ifPresent(c -> reasons.merge(c, 1L, Long::sum));
      }
      return new Report(
          serviceId,
          new Summary(items.size(), outcomes, reasons),
          items.stream().map(Item::of).toList());
    }
  }

  /** Counts per outcome and per override reason code. */
  record Summary(int total, Map<String, Long> outcomes, Map<String, Long> overrideReasons) {}

  /** One item read back, with the advice of its card and the AI result it rested on. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  record Item(
      String card,
      String outcome,
      String outcomeTimestamp,
      List<String> acceptedSuggestions,
      Reason overrideReason,
      String userComment,
      String recommendation,
      String observation) {

    static Item of(Feedback f) {
      return new Item(
          f.cardUuid(),
          f.outcome(),
          f.outcomeTimestamp().toString(),
          f.acceptedSuggestions(),
          f.overrideReasonCode()
              .map(
                  c ->
                      new Reason(
                          f.overrideReasonSystem().orElse(null),
                          c,
                          f.overrideReasonDisplay().orElse(null)))
              .orElse(null),
          f.userComment().orElse(null),
          f.recommendation().orElse(null),
          f.observationId().map(o -> "Observation/" + o).orElse(null));
    }
  }

  /** An override reason's coding. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Reason(String system, String code, String display) {}

  /** Column limits; longer values are refused (400) before anything is stored. */
  static final int MAX_CODE = 64;

  static final int MAX_TEXT = 255;
  static final int MAX_COMMENT = 2000;
  static final int MAX_SUGGESTIONS = 1000;

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transactions;

  FeedbackStore(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
    this.transactions =
        new TransactionTemplate(new DataSourceTransactionManager(jdbc.getDataSource()));
  }

  void issued(String serviceId, List<MriAdviceHooks.Issued> cards) {
    Timestamp now = Timestamp.from(Instant.now());
    for (MriAdviceHooks.Issued c : cards) {
      jdbc.update(
          "INSERT INTO lcds_cds_card (uuid, service_id, recommendation, indicator,"
              + " observation_id, issued_at) VALUES (?, ?, ?, ?, ?, ?)",
          c.uuid(),
          serviceId,
          c.recommendation().name(),
          c.indicator(),
          c.observationId().orElse(null),
          now);
    }
  }

  /** Stores the items of one feedback request together: all or none. */
  void save(String serviceId, List<Feedback> items) {
    transactions.executeWithoutResult(status -> insert(serviceId, items));
  }

  private void insert(String serviceId, List<Feedback> items) {
    Timestamp now = Timestamp.from(Instant.now());
    for (Feedback f : items) {
      jdbc.update(
          "INSERT INTO lcds_cds_feedback (card_uuid, service_id, outcome, accepted_suggestions,"
              + " override_system, override_code, override_display, user_comment, outcome_at,"
              + " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          f.cardUuid(),
          serviceId,
          f.outcome(),
          String.join(",", f.acceptedSuggestions()),
          f.overrideReasonSystem().orElse(null),
          f.overrideReasonCode().orElse(null),
          f.overrideReasonDisplay().orElse(null),
          f.userComment().orElse(null),
          Timestamp.from(f.outcomeTimestamp()),
          now);
    }
  }

  /** The feedback on a service's cards since a time, oldest first, with the cards' advice. */
  List<Feedback> since(String serviceId, Instant since) {
    return jdbc.query(
        "SELECT f.card_uuid, f.service_id, f.outcome, f.accepted_suggestions, f.override_system,"
            + " f.override_code, f.override_display, f.user_comment, f.outcome_at,"
            + " c.recommendation, c.observation_id FROM lcds_cds_feedback f"
            + " LEFT JOIN lcds_cds_card c ON c.uuid = f.card_uuid"
            + " WHERE f.service_id = ? AND f.outcome_at >= ? ORDER BY f.outcome_at, f.id",
        (rs, i) -> {
          String accepted = rs.getString(4);
          return new Feedback(
              rs.getString(1),
              rs.getString(2),
              rs.getString(3),
              accepted == null || accepted.isEmpty() ? List.of() : List.of(accepted.split(",")),
              Optional.ofNullable(rs.getString(5)),
              Optional.ofNullable(rs.getString(6)),
              Optional.ofNullable(rs.getString(7)),
              Optional.ofNullable(rs.getString(8)),
              rs.getTimestamp(9).toInstant(),
              Optional.ofNullable(rs.getString(10)),
              Optional.ofNullable(rs.getString(11)));
        },
        serviceId,
        Timestamp.from(since));
  }

  /**
   * A service's cards and feedback since a time, for the operations view: no patient data.
   *
   * @param cards cards issued
   * @param outcomes feedback items per outcome
   * @param overrideReasons overrides per reason code
   */
  public record ServiceFeedback(
      long cards, Map<String, Long> outcomes, Map<String, ReasonCount> overrideReasons) {}

  /** The overrides with one reason code: its display and how many. */
  public record ReasonCount(String display, long count) {}

  /**
   * Per service since a time, by service id: cards issued, and feedback counts per outcome and per
   * override reason.
   */
  public Map<String, ServiceFeedback> overview(Instant since) {
    Map<String, Long> cards = new TreeMap<>();
    jdbc.query(
        "SELECT service_id, COUNT(*) FROM lcds_cds_card WHERE issued_at >= ? GROUP BY service_id",
        rs -> {
          cards.put(rs.getString(1), rs.getLong(2));
        },
        Timestamp.from(since));
    Map<String, Map<String, Long>> outcomes = new TreeMap<>();
    Map<String, Map<String, ReasonCount>> reasons = new TreeMap<>();
    jdbc.query(
        "SELECT service_id, outcome, override_code, MAX(override_display), COUNT(*) FROM"
            + " lcds_cds_feedback WHERE outcome_at >= ? GROUP BY service_id, outcome,"
            + " override_code",
        rs -> {
          String service = rs.getString(1);
          long count = rs.getLong(5);
          outcomes
              .computeIfAbsent(service, k -> new TreeMap<>())
              .merge(rs.getString(2), count, Long::sum);
          reasons.computeIfAbsent(service, k -> new TreeMap<>());
          if (rs.getString(3) != null) {
            reasons
                .get(service)
                .merge(
                    rs.getString(3),
                    new ReasonCount(rs.getString(4), count),
                    (a, b) -> new ReasonCount(b.display(), a.count() + b.count()));
          }
        },
        Timestamp.from(since));
    Map<String, ServiceFeedback> services = new TreeMap<>();
    for (String id : cards.keySet()) {
      services.put(id, new ServiceFeedback(cards.get(id), Map.of(), Map.of()));
    }
    outcomes.forEach(
        (id, counts) ->
            services.put(
                id, new ServiceFeedback(cards.getOrDefault(id, 0L), counts, reasons.get(id))));
    return services;
  }
}
