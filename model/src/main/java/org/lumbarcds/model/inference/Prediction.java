package org.lumbarcds.model.inference;

import java.util.Map;
import java.util.Set;

/**
 * What the model says about one study.
 *
 * @param probability calibrated probability of severe central stenosis
 * @param interpretation the probability read against the card's operating points
 * @param ruleOut the rule-out threshold it was read against
 * @param ruleIn the rule-in threshold it was read against
 * @param viewScores single-view scores (sigmoid of each posture's auxiliary head), for the views
 *     present only
 * @param viewsUsed the postures the model saw
 * @param cams class-activation maps of the views present: each cell's contribution to the fused
 *     logit
 * @param model which model produced it
 */
public record Prediction(
    double probability,
    Interpretation interpretation,
    double ruleOut,
    double ruleIn,
    Map<Posture, Double> viewScores,
    Set<Posture> viewsUsed,
    Map<Posture, Cam> cams,
    ModelIdentity model) {

  /**
   * One view's class-activation map over the whole input canvas (padding included).
   *
   * @param rows map rows
   * @param columns map columns
   * @param values row-major contributions to the fused logit
   */
  public record Cam(int rows, int columns, float[] values) {}

  /**
   * The model behind a prediction, for the result's Device and provenance.
   *
   * @param id card id
   * @param version card version
   * @param sha256 SHA-256 of the ONNX file that ran
   * @param synthetic whether it was trained on synthetic data only
   */
  public record ModelIdentity(String id, String version, String sha256, boolean synthetic) {}
}
