package org.lumbarcds.model.inference;

/**
 * A probability read against the card's operating points. Both thresholds were chosen on the
 * validation set: {@code rule_out} keeps sensitivity at or above its target for probabilities at or
 * above it, {@code rule_in} keeps specificity at or above its target for probabilities below it.
 */
public enum Interpretation {
  /** probability &lt; rule_out: severe central stenosis unlikely. */
  UNLIKELY,
  /** between the two operating points: the model does not decide. */
  INDETERMINATE,
  /** probability &ge; rule_in: severe central stenosis likely. */
  LIKELY;

  /**
   * Where the two points overlap (a sharp model can have rule_out above rule_in), a probability
   * that both would claim is indeterminate.
   */
  static Interpretation of(double probability, double ruleOut, double ruleIn) {
    boolean in = probability >= ruleIn;
    boolean out = probability < ruleOut;
    return in == out ? INDETERMINATE : in ? LIKELY : UNLIKELY;
  }
}
