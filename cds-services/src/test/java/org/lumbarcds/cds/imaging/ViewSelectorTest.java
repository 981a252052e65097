package org.lumbarcds.cds.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lumbarcds.model.testing.Headers.header;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.lumbarcds.model.dicom.DicomException;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.ViewRules;
import org.lumbarcds.terminology.QualityFlag;

class ViewSelectorTest {

  private final ViewSelector selector = new ViewSelector(ViewRules.defaults());

  private static ViewSelector.Candidate candidate(String uid, String pairs) throws DicomException {
    return candidate(uid, pairs, null);
  }

  private static ViewSelector.Candidate candidate(String uid, String pairs, String description)
      throws DicomException {
    return new ViewSelector.Candidate(
        header("SOPInstanceUID=" + uid + "|SeriesInstanceUID=s" + uid + "|" + pairs),
        Optional.ofNullable(description));
  }

  private static List<ViewSelector.Candidate> threeCoded() throws DicomException {
    List<ViewSelector.Candidate> list = new ArrayList<>();
    list.add(candidate("1", "code=DCM|109136"));
    list.add(candidate("2", "code=SCT|9964006"));
    list.add(candidate("3", "code=SCT|24154002"));
    return list;
  }

  @Test
  void threeCodedLateralsAreChosenByPosture() throws Exception {
    ViewSelector.Selection s = selector.select(threeCoded());
    assertThat(s.complete()).isTrue();
    assertThat(s.flags()).isEmpty();
    assertThat(s.views().get(Posture.FLEXION).sopInstanceUid()).isEqualTo("2");
    assertThat(s.views().get(Posture.EXTENSION).sopInstanceUid()).isEqualTo("3");
    assertThat(s.decisions()).allMatch(ViewSelector.Decision::chosen);
    assertThat(s.decisions().get(1).reason())
        .isEqualTo("flexion view (View Modifier Code SCT|9964006)");
  }

  @Test
  void anApViewAndAReportInTheStudyChangeNothing() throws Exception {
    List<ViewSelector.Candidate> list = threeCoded();
    list.add(candidate("4", "ViewPosition=AP|SeriesDescription=L-SPINE AP"));
    list.add(candidate("5", "Modality=SR|Rows="));
    ViewSelector.Selection s = selector.select(list);
    assertThat(s.complete()).isTrue();
    assertThat(s.flags()).isEmpty();
    assertThat(s.decisions()).hasSize(4); // the report is not an image
    assertThat(s.decisions().get(3).chosen()).isFalse();
    assertThat(s.decisions().get(3).reason()).contains("NOT_LATERAL");
  }

  @Test
  void aMissingViewIsFlaggedAndTheOthersKept() throws Exception {
    ViewSelector.Selection s = selector.select(threeCoded().subList(0, 2));
    assertThat(s.complete()).isFalse();
    assertThat(s.views()).containsOnlyKeys(Posture.NEUTRAL, Posture.FLEXION);
    assertThat(s.flags()).containsExactly(QualityFlag.VIEW_MISSING_EXTENSION);
  }

  @Test
  void fourCandidateLateralsLeaveTheRepeatedPostureUnchosen() throws Exception {
    List<ViewSelector.Candidate> list = threeCoded();
    list.add(candidate("4", "SeriesDescription=LAT FLEX REPEAT"));
    ViewSelector.Selection s = selector.select(list);
    assertThat(s.views()).containsOnlyKeys(Posture.NEUTRAL, Posture.EXTENSION);
    assertThat(s.flags()).containsExactly(QualityFlag.VIEW_AMBIGUOUS);
    assertThat(s.decisions().get(3).reason()).isEqualTo("not used: 2 instances are flexion views");
  }

  @Test
  void theImagingStudySeriesDescriptionNamesAViewItsHeaderDoesNot() throws Exception {
    List<ViewSelector.Candidate> list = threeCoded().subList(0, 2);
    list = new ArrayList<>(list);
    list.add(candidate("3", "SeriesDescription=LSPINE LAT", "Lumbar lateral EXTENSION"));
    ViewSelector.Selection s = selector.select(list);
    assertThat(s.complete()).isTrue();
    assertThat(s.decisions().get(2).reason())
        .isEqualTo("extension view (ImagingStudy series description 'Lumbar lateral EXTENSION')");
  }

  @Test
  void theSeriesDescriptionNeverOverridesTheHeader() throws Exception {
    List<ViewSelector.Candidate> list = new ArrayList<>(threeCoded().subList(0, 2));
    // the header is ambiguous; the RIS description must not settle it
    list.add(candidate("3", "code=SCT|9964006|SeriesDescription=EXT", "extension"));
    ViewSelector.Selection s = selector.select(list);
    assertThat(s.views()).doesNotContainKey(Posture.EXTENSION);
    assertThat(s.flags())
        .containsExactlyInAnyOrder(QualityFlag.VIEW_MISSING_EXTENSION, QualityFlag.VIEW_AMBIGUOUS);
  }

  @Test
  void refusedImagesExplainTheGap() throws Exception {
    List<ViewSelector.Candidate> list = new ArrayList<>(threeCoded().subList(0, 1));
    list.add(candidate("2", "code=SCT|9964006|ViewPosition=AP"));
    list.add(candidate("3", "code=SCT|24154002|BodyPartExamined=CSPINE"));
    ViewSelector.Selection s = selector.select(list);
    assertThat(s.views()).containsOnlyKeys(Posture.NEUTRAL);
    assertThat(s.flags())
        .containsExactlyInAnyOrder(
            QualityFlag.VIEW_MISSING_FLEXION,
            QualityFlag.VIEW_MISSING_EXTENSION,
            QualityFlag.VIEW_NOT_LATERAL,
            QualityFlag.WRONG_BODY_PART);
  }

  @Test
  void noImagesAtAll() {
    ViewSelector.Selection s = selector.select(List.of());
    assertThat(s.views()).isEmpty();
    assertThat(s.flags())
        .containsExactlyInAnyOrder(
            QualityFlag.VIEW_MISSING_NEUTRAL,
            QualityFlag.VIEW_MISSING_FLEXION,
            QualityFlag.VIEW_MISSING_EXTENSION);
  }
}
