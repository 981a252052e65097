package org.lumbarcds.server.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DriftTest {

  private static final double[] EDGES = {0, 0.25, 0.5, 0.75, 1.0};

  @Test
  void countsPutEachValueInItsBinAndOneInTheLast() {
    assertThat(Drift.counts(List.of(0.0, 0.1, 0.25, 0.5, 0.99, 1.0, 1.2, -0.1), EDGES))
        .containsExactly(3, 1, 1, 3);
  }

  @Test
  void theSameDistributionIsStableAndAShiftedOneIsNot() {
    Random random = new Random(7);
    List<Double> validation = new ArrayList<>();
    List<Double> same = new ArrayList<>();
    List<Double> shifted = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      validation.add(random.nextDouble());
      same.add(random.nextDouble());
      shifted.add(Math.min(1, random.nextDouble() * 0.5 + 0.5));
    }
    long[] reference = Drift.counts(validation, EDGES);
    double stable = Drift.psi(Drift.counts(same, EDGES), reference);
    double moved = Drift.psi(Drift.counts(shifted, EDGES), reference);
    assertThat(stable).isLessThan(0.01);
    assertThat(Drift.reading(stable)).isEqualTo("stable");
    assertThat(moved).isGreaterThan(0.25);
    assertThat(Drift.reading(moved)).isEqualTo("major shift");
    assertThat(Drift.reading(0.15)).isEqualTo("moderate shift");
  }

  @Test
  void anEmptyBinStaysFinite() {
    assertThat(Drift.psi(new long[] {10, 0, 0, 0}, new long[] {0, 5, 5, 0})).isFinite();
  }
}
