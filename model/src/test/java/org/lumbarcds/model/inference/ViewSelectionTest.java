package org.lumbarcds.model.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lumbarcds.model.testing.Headers.header;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomException;

/**
 * The selection itself, on the caller's own instance type (here a name and a header); the
 * pipeline's flags for it are ViewSelectorTest's, the analyze tool's messages AnalyzeTest's.
 */
class ViewSelectionTest {

  private record Instance(String name, DicomDataset header, Optional<String> description) {}

  private static final ViewSelection SELECTION = new ViewSelection(ViewRules.defaults());

  private static Instance instance(String name, String pairs) throws DicomException {
    return new Instance(name, header(pairs), Optional.empty());
  }

  private static ViewSelection.Outcome<Instance> select(Instance... instances) {
    return SELECTION.select(List.of(instances), Instance::header, Instance::description);
  }

  @Test
  void oneUsableInstancePerPostureIsChosen() throws Exception {
    Instance neutral = instance("n", "code=DCM|109136");
    Instance flexion = instance("f", "SeriesDescription=LAT FLEX");
    Instance extension = instance("e", "code=SCT|24154002");
    ViewSelection.Outcome<Instance> outcome = select(neutral, flexion, extension);

    assertThat(outcome.complete()).isTrue();
    assertThat(outcome.views())
        .containsEntry(Posture.NEUTRAL, neutral)
        .containsEntry(Posture.FLEXION, flexion)
        .containsEntry(Posture.EXTENSION, extension);
    assertThat(outcome.repeated()).isEmpty();
    assertThat(outcome.gapIssues()).isEmpty();
    assertThat(outcome.decisions().get(1).reason())
        .isEqualTo("flexion view (SeriesDescription 'LAT FLEX')");
  }

  @Test
  void aRepeatedPostureNamesAllItsInstancesAndChoosesNone() throws Exception {
    Instance first = instance("f1", "code=SCT|9964006");
    Instance neutral = instance("n", "code=DCM|109136");
    Instance second = instance("f2", "SeriesDescription=LAT FLEX REPEAT");
    ViewSelection.Outcome<Instance> outcome = select(first, neutral, second);

    assertThat(outcome.views()).containsOnlyKeys(Posture.NEUTRAL);
    assertThat(outcome.repeated()).containsOnlyKeys(Posture.FLEXION);
    assertThat(outcome.repeated().get(Posture.FLEXION)).containsExactly(first, second);
    assertThat(outcome.decisions())
        .extracting(ViewSelection.Decision::chosen)
        .containsExactly(false, true, false);
    assertThat(outcome.decisions().get(2).reason())
        .isEqualTo("not used: 2 instances are flexion views");
  }

  @Test
  void refusedImagesExplainAGapAndNonImagesTakeNoPart() throws Exception {
    Instance ap = instance("ap", "code=SCT|9964006|ViewPosition=AP");
    Instance cervical = instance("c", "code=SCT|24154002|BodyPartExamined=CSPINE");
    Instance unnamed = instance("u", "SeriesDescription=LSPINE LAT");
    Instance report = instance("sr", "Modality=SR|Rows=");
    ViewSelection.Outcome<Instance> outcome = select(ap, cervical, unnamed, report);

    assertThat(outcome.views()).isEmpty();
    assertThat(outcome.gapIssues())
        .containsExactlyInAnyOrder(
            ViewRules.Issue.NOT_LATERAL,
            ViewRules.Issue.WRONG_BODY_PART,
            ViewRules.Issue.POSTURE_UNKNOWN);
    assertThat(outcome.decisions())
        .extracting(d -> d.instance().name())
        .containsExactly("ap", "c", "u");
  }

  @Test
  void aSeriesDescriptionNamesAPostureOnlyWhereTheHeaderNamesNone() throws Exception {
    Instance unnamed =
        new Instance("u", header("SeriesDescription=LSPINE LAT"), Optional.of("LAT EXTENSION"));
    Instance ambiguous =
        new Instance(
            "a", header("code=SCT|9964006|SeriesDescription=EXT"), Optional.of("extension"));

    assertThat(select(unnamed).views()).containsEntry(Posture.EXTENSION, unnamed);
    assertThat(select(ambiguous).views()).isEmpty();
    assertThat(select(ambiguous).gapIssues()).containsExactly(ViewRules.Issue.POSTURE_AMBIGUOUS);
  }
}
