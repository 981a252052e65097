package org.lumbarcds.model.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InterpretationTest {

  @ParameterizedTest(name = "p {0}, rule-out {1}, rule-in {2}: {3}")
  @CsvSource({
    "0.10, 0.2, 0.8, UNLIKELY",
    "0.20, 0.2, 0.8, INDETERMINATE",
    "0.79, 0.2, 0.8, INDETERMINATE",
    "0.80, 0.2, 0.8, LIKELY",
    // overlapping points: what both would claim is indeterminate
    "0.50, 0.6, 0.4, INDETERMINATE",
    "0.30, 0.6, 0.4, UNLIKELY",
    "0.70, 0.6, 0.4, LIKELY",
  })
  void probabilitiesAreReadAgainstBothPoints(
      double p, double ruleOut, double ruleIn, Interpretation expected) {
    assertEquals(expected, Interpretation.of(p, ruleOut, ruleIn));
  }
}
