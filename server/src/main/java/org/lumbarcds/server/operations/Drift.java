package org.lumbarcds.server.operations;

import java.util.List;
import java.util.stream.LongStream;

/**
 * How far a set of results' probabilities has moved from the model's validation distribution: the
 * population stability index over the card's histogram bins, {@code Σ (p − q) ln(p / q)} with p the
 * recent share and q the validation share of each bin (half a count added to every bin of both so
 * that an empty bin stays finite). Conventional reading: below 0.1 stable, 0.1–0.25 a moderate
 * shift, above 0.25 a major one. Below {@value #MIN_RESULTS} results it is not computed.
 */
final class Drift {

  static final int MIN_RESULTS = 30;

  private Drift() {}

  /** The counts of {@code values} in the bins of {@code edges} (the last bin includes 1). */
  static long[] counts(List<Double> values, double[] edges) {
    long[] counts = new long[edges.length - 1];
    for (double v : values) {
      double x = Math.min(1, Math.max(0, v));
      int bin = counts.length - 1;
      for (int i = 0; i < counts.length; i++) {
        if (x < edges[i + 1]) {
          bin = i;
          break;
        }
      }
      counts[bin]++;
    }
    return counts;
  }

  /** The population stability index of {@code recent} against {@code reference}. */
  static double psi(long[] recent, long[] reference) {
    double recentTotal = 0;
    double referenceTotal = 0;
    for (int i = 0; i < recent.length; i++) {
      recentTotal += recent[i] + 0.5;
      referenceTotal += reference[i] + 0.5;
    }
    double psi = 0;
    for (int i = 0; i < recent.length; i++) {
      double p = (recent[i] + 0.5) / recentTotal;
      double q = (reference[i] + 0.5) / referenceTotal;
      psi += (p - q) * Math.log(p / q);
    }
    return psi;
  }

  /**
   * The drift of {@code recent} against {@code reference}: the index (to 4 decimals) and its
   * reading, or, below {@value #MIN_RESULTS} results, no index and why.
   */
  static Summary.DriftFigure figure(long[] recent, long[] reference) {
    long n = LongStream.of(recent).sum();
    if (n < MIN_RESULTS) {
      return new Summary.DriftFigure(null, "too few results (" + n + " < " + MIN_RESULTS + ")");
    }
    double psi = psi(recent, reference);
    return new Summary.DriftFigure(Math.round(psi * 10_000) / 10_000.0, reading(psi));
  }

  /** The conventional reading of an index. */
  static String reading(double psi) {
    return psi < 0.1 ? "stable" : psi <= 0.25 ? "moderate shift" : "major shift";
  }
}
