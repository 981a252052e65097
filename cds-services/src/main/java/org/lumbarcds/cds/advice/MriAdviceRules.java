package org.lumbarcds.cds.advice;

import java.time.LocalDate;
import java.time.Period;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.lumbarcds.model.inference.Posture;

/**
 * Whether a lumbar MRI is warranted (docs/clinical-logic.md; ACR Appropriateness Criteria Low Back
 * Pain, NICE NG59, NASS LSS guideline), in order of precedence:
 *
 * <ol>
 *   <li>a critical trigger (suspected cauda equina syndrome, severe or progressive neurological
 *       deficit) → MRI now, critical; the model's score is not the reason;
 *   <li>an imaging trigger (suspected infection or cancer, fracture risk, prior lumbar surgery) →
 *       imaging warranted, naming the modality the guideline rates first;
 *   <li>a lumbar MRI within the look-back window → duplicate warning;
 *   <li>no usable AI result (none, stale, another model's, disputed, or failed quality checks) →
 *       info on what is missing, no recommendation from the model;
 *   <li>probability ≥ rule-in with ≥ 6 weeks of symptoms or failed conservative care → MRI
 *       recommended (suggest the order when none is drafted);
 *   <li>probability ≥ rule-in, shorter symptoms → LSS likely; MRI if a surgical or injection
 *       candidate, else after conservative care;
 *   <li>probability &lt; rule-out → MRI likely not needed now; a drafted MRI gets a warning and a
 *       suggestion to remove it;
 *   <li>in between → indeterminate: clinical judgement, no suggestion.
 * </ol>
 *
 * Removing a drafted MRI (rules 3 and 7) is suggested only when the whole record was read and no
 * MRI indication outside what the model judges is present; otherwise the card reports what it
 * found, says what it cannot judge or could not check, and suggests nothing to remove. No trigger
 * ever leads to a removal suggestion.
 *
 * <p>Pure and thread-safe: the caller gathers the facts; every branch is a unit test.
 */
public final class MriAdviceRules {

  /**
   * Half the last decimal place of a stored AI result ({@code AiResultFactory} writes the
   * probability to 4 decimals): a stored value this close below the rule-out point may come from a
   * model output at or above it.
   */
  public static final double STORED_ROUNDING = 0.00005;

  /**
   * Whether a probability read from the record counts as below the rule-out point: strictly below
   * (the point was chosen on validation counting a probability equal to it as positive:
   * lumbarcds_training.metrics.rule_out_threshold, as {@code Interpretation} reads a model output)
   * and by more than the stored value's rounding, so that the advice never finds "unlikely" where
   * the model's own band did not.
   */
  public static boolean unlikely(double probability, double ruleOut) {
    return probability < ruleOut - STORED_ROUNDING;
  }

  /** What an indication leads to (the trigger table's tiers). */
  public enum Tier {
    CRITICAL,
    IMAGING_WARRANTED,
    OUTSIDE_MODEL_SCOPE
  }

  /**
   * A trigger found in the record.
   *
   * @param tier what it leads to
   * @param label what it is, in words (e.g. "suspected spinal infection")
   * @param evidence the facts behind it, in words
   * @param modality the imaging the guideline rates first for it
   * @param mri whether that is an MRI
   * @param source the guideline statement it encodes, cited
   */
  public record Indication(
      Tier tier, String label, List<String> evidence, String modality, boolean mri, String source) {
    public Indication {
      evidence = List.copyOf(evidence);
    }
  }

  /**
   * The facts from the record that the rules weigh.
   *
   * @param indications triggers found (every tier)
   * @param unchecked what could not be checked, in words: any of it forbids a removal suggestion
   * @param lastLumbarMri date of the most recent lumbar MRI, if any
   * @param symptomOnset when the current back or leg symptoms began, if recorded
   * @param conservativeCareFailed whether failed conservative care is documented
   * @param interventionCandidate whether the patient is a surgical or injection candidate
   */
  public record ClinicalPicture(
      List<Indication> indications,
      List<String> unchecked,
      Optional<LocalDate> lastLumbarMri,
      Optional<LocalDate> symptomOnset,
      boolean conservativeCareFailed,
      boolean interventionCandidate) {
    public ClinicalPicture {
      indications = List.copyOf(indications);
      unchecked = List.copyOf(unchecked);
    }

    List<Indication> of(Tier tier) {
      return indications.stream().filter(i -> i.tier() == tier).toList();
    }
  }

  /**
   * The latest AI result for the patient.
   *
   * @param probability the calibrated probability; empty when the analysis failed its quality
   *     checks
   * @param ruleOut the model card's rule-out threshold
   * @param ruleIn the model card's rule-in threshold
   * @param issued when the result was produced
   * @param qualityProblems what made the analysis unusable, in words (empty when it is usable)
   */
  public record AiFinding(
      Optional<Double> probability,
      double ruleOut,
      double ruleIn,
      LocalDate issued,
      Set<String> qualityProblems,
      Optional<Posture> missingView) {
    public AiFinding {
      qualityProblems = Set.copyOf(qualityProblems);
      if (!(ruleOut < ruleIn)) {
        throw new IllegalArgumentException("rule-out must be below rule-in");
      }
    }

    /** A finding from all three views. */
    public AiFinding(
        Optional<Double> probability,
        double ruleOut,
        double ruleIn,
        LocalDate issued,
        Set<String> qualityProblems) {
      this(probability, ruleOut, ruleIn, issued, qualityProblems, Optional.empty());
    }
  }

  /**
   * The windows the rules use.
   *
   * @param mriLookBack a lumbar MRI this recent makes a new one a duplicate (default 12 months)
   * @param symptomDuration symptoms this long count as persistent (default 6 weeks)
   * @param aiResultMaxAge an AI result older than this is stale (default 12 months)
   */
  public record Settings(Period mriLookBack, Period symptomDuration, Period aiResultMaxAge) {
    public static Settings defaults() {
      return new Settings(Period.ofMonths(12), Period.ofWeeks(6), Period.ofMonths(12));
    }
  }

  /** What the rules conclude. */
  public enum Recommendation {
    MRI_NOW_RED_FLAG,
    IMAGING_WARRANTED,
    DUPLICATE_MRI,
    NO_USABLE_AI_RESULT,
    MRI_RECOMMENDED,
    LSS_LIKELY_CONSERVATIVE_CARE_FIRST,
    MRI_NOT_NEEDED_NOW,
    /** Stenosis unlikely, but another MRI indication is present or part of the record unread. */
    STENOSIS_UNLIKELY_NOT_EXCLUDED,
    INDETERMINATE
  }

  /** CDS Hooks card indicator. */
  public enum Indicator {
    INFO,
    WARNING,
    CRITICAL;

    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What the card suggests doing. */
  public enum Suggestion {
    NONE,
    ORDER_MRI,
    REMOVE_DRAFT_MRI
  }

  /**
   * The advice.
   *
   * @param recommendation the rule that decided
   * @param indicator the card's urgency
   * @param suggestion the action offered
   * @param basis the facts behind it, in words, for the card's detail
   */
  public record Advice(
      Recommendation recommendation,
      Indicator indicator,
      Suggestion suggestion,
      List<String> basis) {
    public Advice {
      basis = List.copyOf(basis);
    }

    /** The same advice with one more line of basis. */
    public Advice withBasis(String line) {
      List<String> more = new ArrayList<>(basis);
      more.add(line);
      return new Advice(recommendation, indicator, suggestion, more);
    }
  }

  private final Settings settings;

  public MriAdviceRules(Settings settings) {
    this.settings = settings;
  }

  /**
   * Advises on a lumbar MRI.
   *
   * @param picture the clinical facts
   * @param ai the latest AI result, if any
   * @param mriDrafted whether the EHR's draft orders include a lumbar MRI (order-select/-sign)
   * @param today the date the advice is for
   */
  public Advice advise(
      ClinicalPicture picture, Optional<AiFinding> ai, boolean mriDrafted, LocalDate today) {
    List<String> basis = new ArrayList<>();
    List<Indication> critical = picture.of(Tier.CRITICAL);
    if (!critical.isEmpty()) {
      critical.forEach(i -> basis.add("Red flag: " + describe(i)));
      basis.add("Red flags call for MRI without delay, whatever the radiograph model says.");
      return withLimits(
          new Advice(
              Recommendation.MRI_NOW_RED_FLAG,
              Indicator.CRITICAL,
              mriDrafted ? Suggestion.NONE : Suggestion.ORDER_MRI,
              basis),
          picture);
    }
    List<Indication> warranted = picture.of(Tier.IMAGING_WARRANTED);
    if (!warranted.isEmpty()) {
      warranted.forEach(
          i -> basis.add("Imaging indication: " + describe(i) + "; first: " + i.modality() + "."));
      basis.add("These call for imaging whatever the radiograph model says.");
      boolean mriFirst = warranted.stream().anyMatch(Indication::mri);
      return withLimits(
          new Advice(
              Recommendation.IMAGING_WARRANTED,
              Indicator.WARNING,
              !mriDrafted && mriFirst ? Suggestion.ORDER_MRI : Suggestion.NONE,
              basis),
          picture);
    }
    boolean removable = removalSafe(picture);
    Optional<LocalDate> lastMri = picture.lastLumbarMri();
    if (lastMri.isPresent() && !lastMri.get().isBefore(today.minus(settings.mriLookBack()))) {
      basis.add("Lumbar MRI already done on " + lastMri.get() + ".");
      return withLimits(
          new Advice(
              Recommendation.DUPLICATE_MRI,
              Indicator.WARNING,
              mriDrafted && removable ? Suggestion.REMOVE_DRAFT_MRI : Suggestion.NONE,
              basis),
          picture);
    }
    Optional<String> unusable = unusable(ai, today);
    if (unusable.isPresent()) {
      basis.add(unusable.get());
      return withLimits(
          new Advice(Recommendation.NO_USABLE_AI_RESULT, Indicator.INFO, Suggestion.NONE, basis),
          picture);
    }
    AiFinding finding = ai.orElseThrow();
    double p = finding.probability().orElseThrow();
    boolean persistent =
        picture
            .symptomOnset()
            .map(onset -> !onset.plus(settings.symptomDuration()).isAfter(today))
            .orElse(false);
    basis.add(
        String.format(
            Locale.ROOT,
            "AI probability %.4f%s (rule-out %.4f, rule-in %.4f%s).",
            p,
            finding
                .missingView()
                .map(v -> " from two views — the " + v.id() + " view missing or unusable")
                .orElse(""),
            finding.ruleOut(),
            finding.ruleIn(),
            finding.missingView().isPresent() ? ": that configuration's operating points" : ""));
    basis.add(
        picture
            .symptomOnset()
            .map(onset -> "Symptoms since " + onset + ".")
            .orElse("Symptom duration not recorded."));
    if (picture.conservativeCareFailed()) {
      basis.add("Failed conservative care documented.");
    }
    if (p >= finding.ruleIn()) {
      if (persistent || picture.conservativeCareFailed() || picture.interventionCandidate()) {
        if (picture.interventionCandidate()) {
          basis.add("Surgical or injection candidate.");
        }
        return withLimits(
            new Advice(
                Recommendation.MRI_RECOMMENDED,
                Indicator.INFO,
                mriDrafted ? Suggestion.NONE : Suggestion.ORDER_MRI,
                basis),
            picture);
      }
      basis.add(
          "Severe central stenosis likely; MRI if symptoms persist past "
              + words(settings.symptomDuration())
              + " of conservative care, or for a surgical or injection candidate.");
      return withLimits(
          new Advice(
              Recommendation.LSS_LIKELY_CONSERVATIVE_CARE_FIRST,
              Indicator.INFO,
              Suggestion.NONE,
              basis),
          picture);
    }
    if (unlikely(p, finding.ruleOut())) {
      if (!removable) {
        basis.add(
            "The model screens for severe central stenosis only: it cannot say whether the MRI is"
                + " needed for anything else.");
        return withLimits(
            new Advice(
                Recommendation.STENOSIS_UNLIKELY_NOT_EXCLUDED,
                Indicator.INFO,
                Suggestion.NONE,
                basis),
            picture);
      }
      return withLimits(
          new Advice(
              Recommendation.MRI_NOT_NEEDED_NOW,
              mriDrafted ? Indicator.WARNING : Indicator.INFO,
              mriDrafted ? Suggestion.REMOVE_DRAFT_MRI : Suggestion.NONE,
              basis),
          picture);
    }
    return withLimits(
        new Advice(Recommendation.INDETERMINATE, Indicator.INFO, Suggestion.NONE, basis), picture);
  }

  /**
   * Whether removing a drafted MRI may be suggested: every part of the record was read, and no
   * indication is present (no trigger of any tier).
   */
  static boolean removalSafe(ClinicalPicture picture) {
    return picture.indications().isEmpty() && picture.unchecked().isEmpty();
  }

  /** The advice with the indications the model cannot judge and what was not checked. */
  private static Advice withLimits(Advice advice, ClinicalPicture picture) {
    List<String> basis = new ArrayList<>(advice.basis());
    picture
        .of(Tier.OUTSIDE_MODEL_SCOPE)
        .forEach(
            i ->
                basis.add(
                    "MRI indication the radiograph model does not judge: " + describe(i) + "."));
    picture.unchecked().forEach(u -> basis.add("Not checked: " + u + "."));
    if (advice.suggestion() == Suggestion.REMOVE_DRAFT_MRI && !removalSafe(picture)) {
      throw new IllegalStateException("a removal must never be suggested with an indication");
    }
    return new Advice(advice.recommendation(), advice.indicator(), advice.suggestion(), basis);
  }

  private static String describe(Indication i) {
    return i.label()
        + (i.evidence().isEmpty() ? "" : " — " + String.join("; ", i.evidence()))
        + " ["
        + i.source()
        + "]";
  }

  private static String words(Period period) {
    if (period.getYears() == 0 && period.getMonths() == 0 && period.getDays() % 7 == 0) {
      return period.getDays() / 7 + " weeks";
    }
    return period.toString();
  }

  private Optional<String> unusable(Optional<AiFinding> ai, LocalDate today) {
    if (ai.isEmpty()) {
      return Optional.of("No AI result for this patient's lumbar radiographs.");
    }
    AiFinding finding = ai.get();
    if (finding.probability().isEmpty()) {
      return Optional.of(
          "The AI analysis could not be used: "
              + (finding.qualityProblems().isEmpty()
                  ? "no probability"
                  : String.join("; ", finding.qualityProblems().stream().sorted().toList()))
              + ".");
    }
    if (finding.issued().isBefore(today.minus(settings.aiResultMaxAge()))) {
      return Optional.of("The latest AI result (" + finding.issued() + ") is out of date.");
    }
    return Optional.empty();
  }
}
