package org.lumbarcds.server.cdshooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.advice.MriAdviceRules;
import org.lumbarcds.cds.hooks.MriAdviceHooks;
import org.lumbarcds.server.storage.ProjectDatabase;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/** The cards issued and their feedback, on the project's tables in H2. */
class FeedbackStoreTest {

  private final JdbcTemplate jdbc = ProjectDatabase.withProjectTables();
  private final FeedbackStore store = new FeedbackStore(jdbc);

  private static FeedbackStore.Feedback item(String card, String outcome, String comment) {
    return new FeedbackStore.Feedback(
        card,
        "lss-mri-order-sign",
        outcome,
        List.of("s1", "s2"),
        Optional.of("http://reasons"),
        Optional.of("o1"),
        Optional.of("Judgement"),
        Optional.ofNullable(comment),
        Instant.parse("2026-11-30T10:00:00Z"),
        Optional.empty(),
        Optional.empty());
  }

  @Test
  void feedbackIsReadBackWithTheAdviceOfItsCard() {
    store.issued(
        "lss-mri-order-sign",
        List.of(
            new MriAdviceHooks.Issued(
                "c1", MriAdviceRules.Recommendation.MRI_RECOMMENDED, "info", Optional.of("42"))));
    store.save(
        "lss-mri-order-sign",
        List.of(item("c1", "overridden", "seen"), item("c9", "accepted", null)));

    List<FeedbackStore.Feedback> back =
        store.since("lss-mri-order-sign", Instant.parse("2026-11-01T00:00:00Z"));
    assertThat(back).hasSize(2);
    FeedbackStore.Feedback first = back.get(0);
    assertThat(first.acceptedSuggestions()).containsExactly("s1", "s2");
    assertThat(first.userComment()).contains("seen");
    assertThat(first.recommendation()).contains("MRI_RECOMMENDED");
    assertThat(first.observationId()).contains("42");
    // a card this server did not issue (or no longer knows): its feedback is kept all the same
    assertThat(back.get(1).recommendation()).isEmpty();
    assertThat(store.since("lss-mri-order-sign", Instant.parse("2026-12-01T00:00:00Z"))).isEmpty();
    assertThat(store.since("lss-patient-view", Instant.EPOCH)).isEmpty();
  }

  @Test
  void aRequestIsStoredWholeOrNotAtAll() {
    FeedbackStore.Feedback tooLong =
        item("c2", "accepted", "x".repeat(FeedbackStore.MAX_COMMENT + 1));
    assertThatThrownBy(
            () -> store.save("lss-mri-order-sign", List.of(item("c1", "accepted", null), tooLong)))
        .isInstanceOf(DataAccessException.class);
    assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM lcds_cds_feedback", Long.class)).isZero();
  }
}
