package org.lumbarcds.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.lumbarcds.model.inference.Interpretation;

/** How the demo's cases get their patients from the analyses' results. */
class DemoCasesTest {

  private static final double MIDDLE = 0.43;

  private static DemoCases.Analysed study(String name, double p, Interpretation band) {
    return new DemoCases.Analysed(name, "p-" + name, Optional.of(p), Optional.of(band));
  }

  private static final DemoCases.Analysed MISSING =
      new DemoCases.Analysed("m", "p-m", Optional.empty(), Optional.empty());

  /** Case id to the study chosen for it. */
  private static Map<String, String> chosen(DemoCases.Choice choice) {
    return choice.chosen().entrySet().stream()
        .collect(Collectors.toMap(e -> e.getKey().id(), e -> e.getValue().study()));
  }

  @Test
  void eachBandCaseTakesTheMostTypicalStudyOfItsBandAndTheOthersTakeWhatIsLeftInPoolOrder() {
    List<DemoCases.Analysed> pool =
        List.of(
            study("a", 0.60, Interpretation.INDETERMINATE),
            study("b", 0.92, Interpretation.LIKELY),
            study("c", 0.08, Interpretation.UNLIKELY),
            study("d", 0.95, Interpretation.LIKELY),
            study("e", 0.45, Interpretation.INDETERMINATE),
            study("f", 0.15, Interpretation.UNLIKELY),
            study("g", 0.70, Interpretation.LIKELY));

    DemoCases.Choice choice = DemoCases.choose(pool, Optional.of(MISSING), MIDDLE);

    assertThat(choice.unfilled()).isEmpty();
    assertThat(chosen(choice))
        .containsEntry("likely-long-symptoms", "d") // the highest probability
        .containsEntry("likely-short-symptoms", "b") // the next
        .containsEntry("unlikely-mri-ordered", "c") // the lowest
        .containsEntry("indeterminate", "e") // nearest the middle of the operating points
        .containsEntry("missing-view", "m")
        .containsEntry("red-flag", "a") // what is left, in the pool's order
        .containsEntry("prior-mri", "f");
    assertThat(new ArrayList<>(choice.chosen().keySet())).isEqualTo(DemoCases.ALL);
  }

  @Test
  void aBandNoStudyReachedLeavesItsCaseEmptyAndSaysWhy() {
    List<DemoCases.Analysed> pool =
        List.of(
            study("a", 0.92, Interpretation.LIKELY),
            study("b", 0.95, Interpretation.LIKELY),
            study("c", 0.50, Interpretation.INDETERMINATE),
            study("d", 0.90, Interpretation.LIKELY));

    DemoCases.Choice choice = DemoCases.choose(pool, Optional.empty(), MIDDLE);

    Map<String, String> why =
        choice.unfilled().entrySet().stream()
            .collect(Collectors.toMap(e -> e.getKey().id(), Map.Entry::getValue));
    assertThat(why)
        .containsOnlyKeys("unlikely-mri-ordered", "missing-view", "prior-mri")
        .containsEntry(
            "unlikely-mri-ordered",
            "the model in use put none of the pool's 4 studies in the band 'unlikely'")
        .containsEntry("missing-view", "the missing-view study has no result")
        .containsEntry(
            "prior-mri", "no study of the pool with a probability was left for this case");
    assertThat(chosen(choice))
        .containsEntry("likely-long-symptoms", "b")
        .containsEntry("likely-short-symptoms", "a")
        .containsEntry("indeterminate", "c")
        .containsEntry("red-flag", "d");
  }

  @Test
  void aQualityFailureInThePoolServesNoCase() {
    DemoCases.Analysed failed =
        new DemoCases.Analysed("x", "p-x", Optional.empty(), Optional.empty());

    DemoCases.Choice choice = DemoCases.choose(List.of(failed), Optional.empty(), MIDDLE);

    assertThat(choice.chosen()).isEmpty();
    assertThat(choice.unfilled()).hasSize(DemoCases.ALL.size());
  }
}
