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
import org.lumbarcds.cds.advice.MriAdviceRules.Indication;
import org.lumbarcds.cds.advice.MriAdviceRules.Indicator;
import org.lumbarcds.cds.advice.MriAdviceRules.Recommendation;
import org.lumbarcds.cds.advice.MriAdviceRules.Suggestion;
import org.lumbarcds.cds.advice.MriAdviceRules.Tier;

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
        redFlags.stream().map(f -> indication(Tier.CRITICAL, f)).toList(),
        List.of(),
        Optional.ofNullable(lastMri),
        Optional.ofNullable(onset),
        failedCare,
        candidate);
  }

  private static Indication indication(Tier tier, String label) {
    return new Indication(tier, label, List.of("a coded entry"), "MRI", true, "a guideline");
  }

  /** Symptoms for ten weeks, with the given indications and unchecked parts. */
  private static ClinicalPicture with(List<Indication> indications, List<String> unchecked) {
    return new ClinicalPicture(
        indications, unchecked, Optional.empty(), Optional.of(TODAY.minusWeeks(10)), false, false);
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
    "0.1799, 10, false, false, true, MRI_NOT_NEEDED_NOW,                 WARNING, REMOVE_DRAFT_MRI",
    "0.05, 10,  true,  false, false, MRI_NOT_NEEDED_NOW,                 INFO,    NONE",
    // in between: judgement; a probability equal to the rule-out point is not below it (the
    // point was chosen counting it as positive)
    "0.18, 10,  false, false, true,  INDETERMINATE,                      INFO,    NONE",
    // a stored value within its rounding (4 decimals) below the point may be a model output at it
    "0.17996, 10, false, false, true, INDETERMINATE,                     INFO,    NONE",
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
            "AI probability 0.9000 (rule-out 0.1800, rule-in 0.6900).",
            "Symptom duration not recorded.",
            "Severe central stenosis likely; MRI if symptoms persist past 6 weeks of conservative"
                + " care, or for a surgical or injection candidate.");
  }

  @Test
  void operatingPointsInTheWrongOrderAreRefused() {
    assertThatThrownBy(() -> new AiFinding(Optional.of(0.5), 0.7, 0.2, TODAY, Set.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anImagingIndicationIsAWarningThatNeverSuggestsRemoval() {
    Advice advice =
        advise(
            with(
                List.of(indication(Tier.IMAGING_WARRANTED, "suspected spinal infection")),
                List.of()),
            ai(0.01),
            true);
    assertThat(advice.recommendation()).isEqualTo(Recommendation.IMAGING_WARRANTED);
    assertThat(advice.indicator()).isEqualTo(Indicator.WARNING);
    assertThat(advice.suggestion()).isEqualTo(Suggestion.NONE);
    assertThat(advice.basis()).anyMatch(b -> b.contains("suspected spinal infection"));
    assertThat(advice.basis()).noneMatch(b -> b.contains("AI probability"));
  }

  @Test
  void anImagingIndicationWithoutADraftSuggestsTheMriOnlyWhenMriIsRatedFirst() {
    Indication radiographsFirst =
        new Indication(
            Tier.IMAGING_WARRANTED,
            "fracture risk",
            List.of("osteoporosis"),
            "radiographs",
            false,
            "x");
    assertThat(advise(with(List.of(radiographsFirst), List.of()), ai(0.01), false).suggestion())
        .isEqualTo(Suggestion.NONE);
    assertThat(
            advise(
                    with(
                        List.of(indication(Tier.IMAGING_WARRANTED, "history of cancer")),
                        List.of()),
                    ai(0.01),
                    false)
                .suggestion())
        .isEqualTo(Suggestion.ORDER_MRI);
  }

  @Test
  void aCriticalIndicationOutranksAnImagingOne() {
    Advice advice =
        advise(
            with(
                List.of(
                    indication(Tier.IMAGING_WARRANTED, "history of cancer"),
                    indication(Tier.CRITICAL, "suspected cauda equina syndrome")),
                List.of()),
            ai(0.01),
            true);
    assertThat(advice.recommendation()).isEqualTo(Recommendation.MRI_NOW_RED_FLAG);
    assertThat(advice.indicator()).isEqualTo(Indicator.CRITICAL);
  }

  @Test
  void anIndicationOutsideTheModelsScopeForbidsRemovalOfAnUnlikelyResult() {
    Advice advice =
        advise(
            with(
                List.of(indication(Tier.OUTSIDE_MODEL_SCOPE, "radiculopathy ≥ 6 weeks")),
                List.of()),
            ai(0.01),
            true);
    assertThat(advice.recommendation()).isEqualTo(Recommendation.STENOSIS_UNLIKELY_NOT_EXCLUDED);
    assertThat(advice.indicator()).isEqualTo(Indicator.INFO);
    assertThat(advice.suggestion()).isEqualTo(Suggestion.NONE);
    assertThat(advice.basis())
        .anyMatch(b -> b.startsWith("MRI indication the radiograph model does not judge"))
        .anyMatch(b -> b.contains("severe central stenosis only"));
  }

  @Test
  void anUncheckedPartOfTheRecordForbidsRemovalOfAnUnlikelyResultAndIsNamed() {
    Advice advice =
        advise(with(List.of(), List.of("medication orders could not be read")), ai(0.01), true);
    assertThat(advice.suggestion()).isEqualTo(Suggestion.NONE);
    assertThat(advice.basis()).contains("Not checked: medication orders could not be read.");
  }

  @Test
  void aDuplicateMriIsRemovedOnlyWhenTheWholeRecordWasReadAndNothingElseCallsForIt() {
    ClinicalPicture read =
        new ClinicalPicture(
            List.of(),
            List.of(),
            Optional.of(TODAY.minusMonths(3)),
            Optional.empty(),
            false,
            false);
    assertThat(advise(read, Optional.empty(), true).suggestion())
        .isEqualTo(Suggestion.REMOVE_DRAFT_MRI);
    ClinicalPicture partly =
        new ClinicalPicture(
            List.of(),
            List.of("procedures could not be read"),
            Optional.of(TODAY.minusMonths(3)),
            Optional.empty(),
            false,
            false);
    Advice advice = advise(partly, Optional.empty(), true);
    assertThat(advice.recommendation()).isEqualTo(Recommendation.DUPLICATE_MRI);
    assertThat(advice.suggestion()).isEqualTo(Suggestion.NONE);
  }

  @Test
  void noPictureWithAnyIndicationOrUncheckedPartEverLeadsToARemoval() {
    List<List<Indication>> indications =
        List.of(
            List.of(),
            List.of(indication(Tier.CRITICAL, "c")),
            List.of(indication(Tier.IMAGING_WARRANTED, "i")),
            List.of(indication(Tier.OUTSIDE_MODEL_SCOPE, "o")));
    for (List<Indication> found : indications) {
      for (List<String> unchecked : List.of(List.<String>of(), List.of("x"))) {
        for (LocalDate lastMri : java.util.Arrays.asList(null, TODAY.minusMonths(2))) {
          for (double p : new double[] {0.01, 0.5, 0.9}) {
            ClinicalPicture picture =
                new ClinicalPicture(
                    found,
                    unchecked,
                    Optional.ofNullable(lastMri),
                    Optional.of(TODAY.minusWeeks(10)),
                    false,
                    false);
            Advice advice = advise(picture, ai(p), true);
            boolean clean = found.isEmpty() && unchecked.isEmpty();
            if (!clean) {
              assertThat(advice.suggestion())
                  .as(picture.toString())
                  .isNotEqualTo(Suggestion.REMOVE_DRAFT_MRI);
            }
          }
        }
      }
    }
  }
}
