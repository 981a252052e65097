package org.lumbarcds.cds.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomFile;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.ViewRules;
import org.lumbarcds.model.testing.DicomFixtures;

/**
 * The WADO-RS client against a real Orthanc with its DICOMweb plugin (happy path, missing study,
 * credentials, size bound); needs Debian's {@code orthanc} and {@code orthanc-dicomweb}, so it runs
 * in the {@code installed-tools} profile. The faults that need no PACS: {@link
 * DicomWebClientFaultsTest}.
 */
@Tag("orthanc")
class DicomWebClientTest {

  private static OrthancServer orthanc;
  private static String studyUid;

  @BeforeAll
  static void startOrthanc() throws Exception {
    orthanc = OrthancServer.start();
    orthanc.stow(
        DicomFixtures.bytes("study1/neutral.dcm"),
        DicomFixtures.bytes("study1/flexion.dcm"),
        DicomFixtures.bytes("study1/extension.dcm"));
    studyUid = DicomFixtures.studyUid("study1/neutral.dcm");
  }

  @AfterAll
  static void stopOrthanc() throws Exception {
    if (orthanc != null) {
      orthanc.close();
    }
  }

  private static DicomWebClient orthancClient() {
    return DicomWebClientFaultsTest.client(
        orthanc.dicomWebRoot(), OrthancServer.PASSWORD, 64 << 20, 3);
  }

  @Test
  void metadataOfAStudyFromOrthancChoosesItsThreeViews() throws Exception {
    List<DicomDataset> headers = orthancClient().metadata(studyUid);
    assertThat(headers).hasSize(3);
    ViewSelector.Selection selection =
        new ViewSelector(ViewRules.defaults())
            .select(
                headers.stream()
                    .map(h -> new ViewSelector.Candidate(h, Optional.empty()))
                    .toList());
    assertThat(selection.complete()).isTrue();
    assertThat(selection.flags()).isEmpty();
  }

  @Test
  void anInstanceComesBackWithItsPixels() throws Exception {
    DicomFile original = new DicomReader().read(DicomFixtures.bytes("study1/flexion.dcm"));
    DicomDataset ds = original.dataset();
    byte[] bytes =
        orthancClient()
            .retrieve(
                studyUid,
                ds.getString(Tags.SERIES_INSTANCE_UID).orElseThrow(),
                ds.getString(Tags.SOP_INSTANCE_UID).orElseThrow());
    DicomFile fetched = new DicomReader().read(bytes);
    assertThat(fetched.dataset().getString(Tags.SOP_INSTANCE_UID))
        .isEqualTo(ds.getString(Tags.SOP_INSTANCE_UID));
    assertThat(fetched.dataset().get(Tags.PIXEL_DATA).orElseThrow().value())
        .isEqualTo(ds.get(Tags.PIXEL_DATA).orElseThrow().value());
    assertThat(ViewRules.defaults().classify(fetched.dataset()).posture())
        .contains(Posture.FLEXION);
  }

  @Test
  void aStudyThePacsDoesNotHaveIsNotFound() {
    assertThatThrownBy(() -> orthancClient().metadata("1.2.3.4.5.6.7.8.9"))
        .isInstanceOfSatisfying(
            ImageSourceException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageSourceException.Reason.NOT_FOUND));
  }

  @Test
  void wrongCredentialsAreRefusedWithoutRetrying() {
    assertThatThrownBy(
            () ->
                DicomWebClientFaultsTest.client(orthanc.dicomWebRoot(), "wrong", 1 << 20, 3)
                    .metadata(studyUid))
        .isInstanceOfSatisfying(
            ImageSourceException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageSourceException.Reason.REFUSED));
    assertThatThrownBy(
            () ->
                DicomWebClientFaultsTest.client(orthanc.dicomWebRoot(), null, 1 << 20, 3)
                    .metadata(studyUid))
        .isInstanceOfSatisfying(
            ImageSourceException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageSourceException.Reason.REFUSED));
  }

  @Test
  void anAnswerLargerThanTheBoundIsRefused() throws Exception {
    DicomDataset ds = new DicomReader().read(DicomFixtures.bytes("study1/flexion.dcm")).dataset();
    DicomWebClient small =
        DicomWebClientFaultsTest.client(orthanc.dicomWebRoot(), OrthancServer.PASSWORD, 1000, 1);
    assertThatThrownBy(
            () ->
                small.retrieve(
                    studyUid,
                    ds.getString(Tags.SERIES_INSTANCE_UID).orElseThrow(),
                    ds.getString(Tags.SOP_INSTANCE_UID).orElseThrow()))
        .isInstanceOfSatisfying(
            ImageSourceException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageSourceException.Reason.TOO_LARGE));
    assertThatThrownBy(() -> small.metadata(studyUid))
        .isInstanceOfSatisfying(
            ImageSourceException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageSourceException.Reason.TOO_LARGE));
  }
}
