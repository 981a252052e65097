package org.lumbarcds.cds.advice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lumbarcds.cds.advice.MriAdviceRules.Advice;
import org.lumbarcds.cds.advice.MriAdviceRules.AiFinding;
import org.lumbarcds.cds.advice.MriAdviceRules.ClinicalPicture;
import org.lumbarcds.cds.advice.MriAdviceRules.Indicator;
import org.lumbarcds.cds.advice.MriAdviceRules.Recommendation;
import org.lumbarcds.cds.advice.MriAdviceRules.Suggestion;

/** Every branch of the advice rules, their precedence and their boundaries. */
class MriAdviceRulesTest {

  private static final LocalDate TODAY = LocalDate.of(2026, 11, 27);
  private static final double RULE_OUT = 0.18;
  private static final double RULE_IN = 0.69;
  private final MriAdviceRules rules = new MriAdviceRules(MriAdviceRules.Settings.defaults());

  private static ClinicalPicture picture(
      List<String> redFlags,
      LocalDate lastMri,
      LocalDate onset,
      boolean failedCare,
      boolean candidate) {
    return new ClinicalPicture(
        redFlags, Optional.ofNullable(lastMri), Optional.ofNullable(onset), failedCare, candidate);
  }

  /** No red flag, no MRI, symptoms for the given number of weeks (null: not recorded). */
  private static ClinicalPicture weeks(Integer weeks) {
    return picture(List.of(), null, weeks == null ? null : TODAY.minusWeeks(weeks), false, false);
  }

  private static Optional<AiFinding> ai(double p) {
    return Optional.of(
        new AiFinding(Optional.of(p), RULE_OUT, RULE_IN, TODAY.minusDays(2), Set.of()));
  }

  private Advice advise(ClinicalPicture picture, Optional<AiFinding> ai, boolean drafted) {
    return rules.advise(picture, ai, drafted, TODAY);
  }

  @Test
  void aRedFlagCallsForMriNowWhateverTheModelSays() {
    ClinicalPicture flagged =
        picture(List.of("cauda equina syndrome (G83.4)"), TODAY.minusMonths(2), null, false, false);
    Advice advice = advise(flagged, ai(0.01), false);
    assertThat(advice.recommendation()).isEqualTo(Recommendation.MRI_NOW_RED_FLAG);
    assertThat(advice.indicator()).isEqualTo(Indicator.CRITICAL);
    assertThat(advice.suggestion()).isEqualTo(Suggestion.ORDER_MRI);
    assertThat(advice.basis()).noneMatch(b -> b.contains("AI probability"));
    assertThat(advise(flagged, ai(0.01), true).suggestion()).isEqualTo(Suggestion.NONE);
  }

  @Test
  void aRecentMriMakesAnotherADuplicate() {
    ClinicalPicture recent =
        picture(List.of(), TODAY.minusMonths(12), TODAY.minusWeeks(10), true, false);
    Advice advice = advise(recent, ai(0.95), true);
    assertThat(advice.recommendation()).isEqualTo(Recommendation.DUPLICATE_MRI);
    assertThat(advice.indicator()).isEqualTo(Indicator.WARNING);
    assertThat(advice.suggestion()).isEqualTo(Suggestion.REMOVE_DRAFT_MRI);
    assertThat(advise(recent, ai(0.95), false).suggestion()).isEqualTo(Suggestion.NONE);
    // a day beyond the window it no longer counts
    ClinicalPicture older =
        picture(List.of(), TODAY.minusMonths(12).minusDays(1), TODAY.minusWeeks(10), true, false);
    assertThat(advise(older, ai(0.95), true).recommendation())
        .isEqualTo(Recommendation.MRI_RECOMMENDED);
  }

  @Test
  void withoutAUsableAiResultTheCardSaysWhatIsMissing() {
    Advice none = advise(weeks(10), Optional.empty(), true);
    assertThat(none.recommendation()).isEqualTo(Recommendation.NO_USABLE_AI_RESULT);
    assertThat(none.indicator()).isEqualTo(Indicator.INFO);
    assertThat(none.suggestion()).isEqualTo(Suggestion.NONE);
    assertThat(none.basis()).containsExactly("No AI result for this patient's lumbar radiographs.");

    Optional<AiFinding> failed =
        Optional.of(
            new AiFinding(
                Optional.empty(),
                RULE_OUT,
                RULE_IN,
                TODAY,
                Set.of("Flexion lateral view missing", "Image is not a lateral view")));
    assertThat(advise(weeks(10), failed, false).basis().get(0))
        .isEqualTo(
            "The AI analysis could not be used: Flexion lateral view missing; Image is not a"
                + " lateral view.");

    Optional<AiFinding> stale =
        Optional.of(
            new AiFinding(
                Optional.of(0.9), RULE_OUT, RULE_IN, TODAY.minusMonths(12).minusDays(1), Set.of()));
    assertThat(advise(weeks(10), stale, false).recommendation())
        .isEqualTo(Recommendation.NO_USABLE_AI_RESULT);
  }

  @ParameterizedTest(name = "p={0}, weeks={1}, failed care={2}, candidate={3}, drafted={4}")
  @CsvSource({
    // likely LSS: persistent symptoms or failed care or a candidate -> MRI
    "0.69, 6,   false, false, false, MRI_RECOMMENDED,                    INFO,    ORDER_MRI",
    "0.90, 10,  false, false, true,  MRI_RECOMMENDED,                    INFO,    NONE",
    "0.90, 2,   true,  false, false, MRI_RECOMMENDED,                    INFO,    ORDER_MRI",
    "0.90, 2,   false, true,  false, MRI_RECOMMENDED,                    INFO,    ORDER_MRI",
    // likely LSS, short or unrecorded symptoms: conservative care first
    "0.90, 5,   false, false, false, LSS_LIKELY_CONSERVATIVE_CARE_FIRST, INFO,    NONE",
    "0.90, ,    false, false, true,  LSS_LIKELY_CONSERVATIVE_CARE_FIRST, INFO,    NONE",
    // unlikely: a drafted MRI is questioned
    "0.18, 10,  false, false, true,  MRI_NOT_NEEDED_NOW,                 WARNING, REMOVE_DRAFT_MRI",
    "0.05, 10,  true,  false, false, MRI_NOT_NEEDED_NOW,                 INFO,    NONE",
    // in between: judgement
    "0.19, 10,  false, false, true,  INDETERMINATE,                      INFO,    NONE",
    "0.68, 10,  true,  true,  false, INDETERMINATE,                      INFO,    NONE",
  })
  void theProbabilityBandsWithSymptomsAndCare(
      double p,
      Integer weeks,
      boolean failedCare,
      boolean candidate,
      boolean drafted,
      Recommendation recommendation,
      Indicator indicator,
      Suggestion suggestion) {
    ClinicalPicture picture =
        picture(
            List.of(), null, weeks == null ? null : TODAY.minusWeeks(weeks), failedCare, candidate);
    Advice advice = advise(picture, ai(p), drafted);
    assertThat(advice.recommendation()).isEqualTo(recommendation);
    assertThat(advice.indicator()).isEqualTo(indicator);
    assertThat(advice.suggestion()).isEqualTo(suggestion);
    assertThat(advice.basis().get(0)).startsWith("AI probability ");
  }

  @Test
  void theBasisShowsTheNumbersAndTheFactsWeighed() {
    Advice advice = advise(weeks(null), ai(0.9), false);
    assertThat(advice.basis())
        .containsExactly(
            "AI probability 0.90 (rule-out 0.18, rule-in 0.69).",
            "Symptom duration not recorded.",
            "Severe central stenosis likely; MRI if symptoms persist past 6 weeks of conservative"
                + " care, or for a surgical or injection candidate.");
  }

  @Test
  void operatingPointsInTheWrongOrderAreRefused() {
    assertThatThrownBy(() -> new AiFinding(Optional.of(0.5), 0.7, 0.2, TODAY, Set.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
