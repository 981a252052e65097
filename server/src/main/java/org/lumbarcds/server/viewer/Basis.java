package org.lumbarcds.server.viewer;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.lumbarcds.cds.hooks.CardFactory;
import org.lumbarcds.cds.result.AiResult;
import org.lumbarcds.cds.result.AiResultFactory;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.terminology.Code;

/**
 * What the viewer page shows of an AI result ({@code GET /viewer/api/{id}}, and the answer to a
 * review): the stored Observation's numbers, never a new run's; the model in use; the reviews so
 * far; and who reads it. No patient name or identifier.
 *
 * @param id the Observation's id
 * @param version the Observation's version: a review names the version the page showed
 * @param status the Observation's status ({@code preliminary} until reviewed)
 * @param disputed whether a physician disputed it
 * @param issued when it was issued; null when the Observation does not say
 * @param probability the stored probability; left out for a quality failure
 * @param band the probability read against the operating points; left out when not recorded
 * @param viewScores the single-view scores, by posture id, in posture order
 * @param viewsUsed the posture ids the model used (or found, for a quality failure)
 * @param qualityFlags why no probability could be given (displays)
 * @param model the model in use, and whether it made this result
 * @param caveats what the result is not
 * @param reviews the reviews recorded, oldest first
 * @param reader the EHR user the link was made for; null when it names none
 * @param mayReview whether this reader may record a review
 */
record Basis(
    String id,
    String version,
    String status,
    boolean disputed,
    String issued,
    @JsonInclude(JsonInclude.Include.NON_NULL) Double probability,
    @JsonInclude(JsonInclude.Include.NON_NULL) Band band,
    Map<String, Double> viewScores,
    List<String> viewsUsed,
    List<String> qualityFlags,
    Model model,
    List<String> caveats,
    List<Review> reviews,
    String reader,
    boolean mayReview) {

  /** The interpretation's coding. */
  record Band(String code, String display) {}

  /**
   * The model in use.
   *
   * @param validation its validation figures, in one sentence
   * @param madeThisResult whether it made the result shown (heatmaps explain only its own)
   * @param resultModel the model that made the result ({@code <id>|<version>}, or {@code unnamed})
   */
  record Model(
      String id,
      String version,
      String name,
      boolean synthetic,
      double ruleOut,
      double ruleIn,
      String validation,
      boolean madeThisResult,
      String resultModel) {}

  /**
   * A review recorded.
   *
   * @param action {@code acknowledged} or {@code disputed}
   * @param who who reviewed, as recorded
   * @param when when (an instant)
   */
  record Review(String action, String who, String when) {}

  /** The basis of a stored result, read against the model in use. */
  static Basis of(
      Observation obs,
      ModelCard card,
      List<Review> reviews,
      Optional<String> reader,
      boolean mayReview) {
    AiResult result = AiResultFactory.read(obs);
    Map<String, Double> scores = new LinkedHashMap<>();
    for (Posture p : Posture.values()) {
      if (result.viewScores().containsKey(p)) {
        scores.put(p.id(), result.viewScores().get(p));
      }
    }
    // a two-view result is read against that configuration's points and figures
    ModelCard.OperatingPoints points =
        result.probability().isPresent()
            ? card.operatingPoints(result.viewsUsed())
            : new ModelCard.OperatingPoints(card.ruleOut(), card.ruleIn());
    List<String> caveats = new ArrayList<>();
    Posture.missing(result.viewsUsed())
        .filter(m -> result.probability().isPresent() && card.twoViewPoints(m).isPresent())
        .ifPresent(
            m ->
                caveats.add(
                    "From two views: the "
                        + m.id()
                        + " view was missing or unusable; the operating points shown are those of"
                        + " that configuration. "
                        + CardFactory.validation(card, m)));
    caveats.add(CardFactory.CAVEATS);
    if (card.synthetic()) {
      caveats.add(CardFactory.SYNTHETIC_CAVEAT);
    }
    return new Basis(
        obs.getIdElement().getIdPart(),
        obs.getIdElement().getVersionIdPart(),
        obs.getStatus().toCode(),
        result.disputed(),
        obs.hasIssued() ? new InstantType(obs.getIssued()).asStringValue() : null,
        result.probability().orElse(null),
        result.band().map(b -> new Band(b.code(), b.display())).orElse(null),
        scores,
        Arrays.stream(Posture.values())
            .filter(result.viewsUsed()::contains)
            .map(Posture::id)
            .toList(),
        result.qualityFlags().stream().map(Code::display).toList(),
        new Model(
            card.id(),
            card.version(),
            card.name(),
            card.synthetic(),
            points.ruleOut(),
            points.ruleIn(),
            CardFactory.validation(card),
            result.madeBy(card.id(), card.version()),
            result.model().orElse("unnamed")),
        caveats,
        reviews,
        reader.orElse(null),
        mayReview);
  }
}
