package org.lumbarcds.cds.result;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.terminology.Code;

/**
 * An AI result as the project reads it, whoever stored the Observation: {@link
 * AiResultFactory#read} is the one reader of what {@link AiResultFactory} writes.
 *
 * @param id the Observation's id part (empty for a result not stored yet)
 * @param version the Observation's version (empty when unknown)
 * @param status the Observation's status code ({@code preliminary}, {@code final} …)
 * @param subject the subject reference as written (empty when there is none)
 * @param studies the ImagingStudy references it derives from
 * @param analysisIdentifier {@code <Study UID>|<model id>|<model version>}, when present
 * @param issued when it was issued (else its effective time, else its last update)
 * @param probability the calibrated probability; empty for a quality failure
 * @param band the interpretation against the operating points, when recorded
 * @param viewScores single-posture scores
 * @param viewsUsed the postures the model used (or found, for a quality failure)
 * @param qualityFlags why no probability could be given
 * @param disputed a physician who reviewed the radiographs disputes it
 */
public record AiResult(
    Optional<String> id,
    Optional<String> version,
    String status,
    Optional<String> subject,
    List<String> studies,
    Optional<String> analysisIdentifier,
    Optional<Instant> issued,
    Optional<Double> probability,
    Optional<Code> band,
    Map<Posture, Double> viewScores,
    Set<Posture> viewsUsed,
    List<Code> qualityFlags,
    boolean disputed) {

  public AiResult {
    studies = List.copyOf(studies);
    viewScores = Map.copyOf(viewScores);
    viewsUsed = Set.copyOf(viewsUsed);
    qualityFlags = List.copyOf(qualityFlags);
  }

  /** Whether this model id and version made it (its analysis identifier says so). */
  public boolean madeBy(String modelId, String modelVersion) {
    return analysisIdentifier
        .map(i -> i.endsWith("|" + modelId + "|" + modelVersion))
        .orElse(false);
  }

  /** The model that made it, {@code <id>|<version>}, as its identifier names it. */
  public Optional<String> model() {
    return analysisIdentifier
        .filter(i -> i.contains("|"))
        .map(i -> i.substring(i.indexOf('|') + 1));
  }
}
