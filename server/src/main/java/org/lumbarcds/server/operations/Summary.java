package org.lumbarcds.server.operations;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.server.cdshooks.FeedbackStore;

/**
 * What the operations view shows ({@code GET /ops/api/summary?days=N}): aggregates only, no patient
 * data. Instants are ISO 8601 strings.
 *
 * @param generated when the summary was made
 * @param days the period, in days back from {@code generated}
 * @param model the model in use
 * @param jobs the analysis jobs now and the Tasks of the period
 * @param results the AI results of the period
 * @param feedback the cards and feedback of the period
 * @param foreignAiResultsIgnored AI results of another patient found in records and ignored, since
 *     this instance started (not per period)
 */
public record Summary(
    String generated,
    int days,
    Model model,
    Jobs jobs,
    Results results,
    Feedback feedback,
    long foreignAiResultsIgnored) {

  /** The model in use, from its card ({@code sha256}: the ONNX file's). */
  public record Model(
      String id,
      String version,
      String name,
      String sha256,
      boolean synthetic,
      double ruleOut,
      double ruleIn) {

    public static Model of(ModelCard card) {
      return new Model(
          card.id(),
          card.version(),
          card.name(),
          card.sha256(),
          card.synthetic(),
          card.ruleOut(),
          card.ruleIn());
    }
  }

  /**
   * The analysis jobs.
   *
   * @param now the job engine's queue now
   * @param tasks the Tasks last written in the period, by status
   * @param recentFailures the latest Tasks failed in the period
   */
  public record Jobs(Queue now, TaskCounts tasks, List<Failure> recentFailures) {}

  /** The job engine's queue. */
  public record Queue(long queued, long waitingToRetry, long running) {}

  /** Tasks by status (the FHIR codes). */
  public record TaskCounts(
      long requested, @JsonProperty("in-progress") long inProgress, long completed, long failed) {}

  /**
   * A failed Task.
   *
   * @param task {@code Task/<id>}
   * @param order the order it analysed (its focus)
   * @param reason its status reason
   * @param when when it was last modified; null when unknown
   */
  public record Failure(String task, String order, String reason, String when) {}

  /**
   * The AI results of the model in use issued in the period.
   *
   * @param read how many
   * @param otherModels results of other models, left out
   * @param truncated whether only the latest were read
   * @param withProbability those with a probability
   * @param qualityFailures those without (quality checks failed)
   * @param validation the card's validation histogram, or why there is none
   * @param histogram the period's probabilities in the validation's bins; left out without them
   * @param drift the period's drift against the validation; left out without its bins
   * @param perDay per day (UTC), oldest first
   */
  public record Results(
      int read,
      int otherModels,
      boolean truncated,
      int withProbability,
      int qualityFailures,
      Validation validation,
      @JsonInclude(JsonInclude.Include.NON_NULL) List<Long> histogram,
      @JsonInclude(JsonInclude.Include.NON_NULL) DriftFigure drift,
      List<Day> perDay) {}

  /**
   * The validation distribution of the model card: its bins ({@code source}, {@code edges}, {@code
   * counts}), or, when the card has none, what to run ({@code missing}).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Validation(String source, List<Double> edges, List<Long> counts, String missing) {

    static Validation of(List<Double> edges, List<Long> counts) {
      return new Validation(
          "model card: metrics.internal_test.probability_histogram", edges, counts, null);
    }

    static Validation absent() {
      return new Validation(
          null,
          null,
          null,
          "the model card has no probability histogram (metrics.internal_test."
              + "probability_histogram); run lumbarcds_training.evaluate and then "
              + "lumbarcds_training.export (model/training/README.md)");
    }
  }

  /**
   * A drift figure ({@link Drift}).
   *
   * @param psi the population stability index (4 decimals); null below {@link Drift#MIN_RESULTS}
   * @param reading its conventional reading, or why there is none
   */
  public record DriftFigure(Double psi, String reading) {}

  /**
   * One day's results.
   *
   * @param date the day (UTC), {@code yyyy-mm-dd}
   * @param results those with a probability
   * @param qualityFailures those without
   * @param meanProbability the mean probability; null without one
   * @param aboveRuleIn probabilities at or above the rule-in operating point
   * @param belowRuleOut probabilities below the rule-out operating point
   * @param drift the day's drift; left out without the validation's bins
   */
  public record Day(
      String date,
      int results,
      int qualityFailures,
      Double meanProbability,
      long aboveRuleIn,
      long belowRuleOut,
      @JsonInclude(JsonInclude.Include.NON_NULL) DriftFigure drift) {}

  /**
   * The cards and the physicians' feedback on them.
   *
   * @param cards cards issued
   * @param feedback feedback items received
   * @param acceptRate accepted / feedback; null without feedback
   * @param overrideRate overridden / feedback; null without feedback
   * @param services per service id
   */
  public record Feedback(
      long cards,
      long feedback,
      Double acceptRate,
      Double overrideRate,
      Map<String, FeedbackStore.ServiceFeedback> services) {}
}
