package org.lumbarcds.server.dicomweb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lumbarcds.cds.imaging.Multipart;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.testing.DicomFixtures;
import org.springframework.util.unit.DataSize;

/**
 * STOW-RS without HTTP: which parts are stored and why the others are not, what a body that breaks
 * off keeps, and the ImagingStudy indexing after the parts (its FHIR side a mock).
 */
class StowServiceTest {

  @TempDir Path folder;
  StoreFixture fixture;

  @BeforeEach
  void store() throws Exception {
    fixture = new StoreFixture(folder);
  }

  private StowService.Result part(String fixture, Optional<String> study) {
    return this.fixture.stow.store(DicomWeb.DICOM, DicomFixtures.bytes(fixture), study);
  }

  @Test
  void theInstancesOfARequestAreStoredAndTheirStudyIndexedOnceWithAllOfThem() throws Exception {
    StowService.Stored stored =
        fixture.stored("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");

    assertThat(stored.results()).allMatch(StowService.Result::ok).allMatch(r -> r.stored());
    assertThat(stored.failed()).isZero();
    assertThat(stored.warnings()).isEmpty();
    String study = DicomFixtures.studyUid("study1/neutral.dcm");
    assertThat(stored.results()).extracting(r -> r.studyUid().orElseThrow()).containsOnly(study);
    assertThat(fixture.index.instances(study, Optional.empty())).hasSize(3);
    verify(fixture.indexer, times(1))
        .index(
            argThat((List<DicomDataset> headers) -> headers.size() == 3),
            argThat(r -> r.getReference().equals(StoreFixture.ENDPOINT)));
  }

  @Test
  void theSameBytesAgainChangeNothingAndOtherBytesUnderTheUidAreRefused() throws Exception {
    assertThat(part("study1/flexion.dcm", Optional.empty()).stored()).isTrue();

    StowService.Result again = part("study1/flexion.dcm", Optional.empty());
    assertThat(again.ok()).isTrue();
    assertThat(again.stored()).isFalse();
    StowService.Result changed = part("study1/flexion-changed.dcm", Optional.empty());
    assertThat(changed.failureReason()).isEqualTo(StowService.DUPLICATE_SOP_INSTANCE);
    assertThat(changed.sopInstanceUid()).isEqualTo(again.sopInstanceUid());

    InstanceIndex.Row row = fixture.index.find(again.sopInstanceUid().orElseThrow()).orElseThrow();
    assertThat(fixture.store.read(row)).isEqualTo(DicomFixtures.bytes("study1/flexion.dcm"));
  }

  @Test
  void eachBadPartIsRefusedWithItsFailureReason() {
    byte[] dx = DicomFixtures.bytes("study1/extension.dcm");
    StowService stow = fixture.stow;

    assertThat(stow.store(DicomWeb.DICOM, "not dicom".getBytes(StandardCharsets.US_ASCII), none()))
        .satisfies(r -> assertThat(r.failureReason()).isEqualTo(StowService.CANNOT_UNDERSTAND))
        .satisfies(r -> assertThat(r.sopInstanceUid()).isEmpty());
    assertThat(
            stow.store(DicomWeb.DICOM, Arrays.copyOf(dx, dx.length - 700), none()).failureReason())
        .isEqualTo(StowService.CANNOT_UNDERSTAND);
    assertThat(stow.store("image/jpeg", dx, none()).message()).contains("image/jpeg");
    StowService.Result ct = part("bad/ct.dcm", none());
    assertThat(ct.failureReason()).isEqualTo(StowService.SOP_CLASS_NOT_SUPPORTED);
    assertThat(ct.sopClassUid()).contains("1.2.840.10008.5.1.4.1.1.2");
    StowService.Result jpegLs = part("bad/jpeg-ls.dcm", none());
    assertThat(jpegLs.failureReason()).isEqualTo(StowService.TRANSFER_SYNTAX_NOT_SUPPORTED);
    assertThat(jpegLs.message()).contains("JPEG-LS");
    assertThat(part("study1/neutral.dcm", Optional.of("1.2.3.4")).failureReason())
        .isEqualTo(StowService.DOES_NOT_MATCH_SOP_CLASS);
    assertThat(fixture.index.studies(none(), none(), none(), none(), none(), none(), 10, 0))
        .isEmpty();
  }

  @Test
  void aStudyNeverMixesTwoPatients() {
    assertThat(part("study1/neutral.dcm", none()).ok()).isTrue();

    StowService.Result intruder = part("study1/other-patient.dcm", none());
    assertThat(intruder.failureReason()).isEqualTo(StowService.CANNOT_UNDERSTAND);
    assertThat(intruder.message()).contains("another Patient ID");
  }

  @Test
  void aBodyThatBreaksOffKeepsTheInstancesBeforeAndTheRestIsOneFailure() throws Exception {
    StoreFixture.Body body = StoreFixture.brokenOff("study2/neutral.dcm");

    StowService.Stored stored =
        fixture.stow.store(
            new ByteArrayInputStream(body.bytes()), body.contentType(), Optional.empty());

    assertThat(stored.results()).hasSize(2);
    assertThat(stored.results().get(0).stored()).isTrue();
    assertThat(stored.results().get(1).failureReason()).isEqualTo(StowService.CANNOT_UNDERSTAND);
    assertThat(stored.warnings()).singleElement().asString().contains("the rest of the request");
    verify(fixture.indexer).index(anyList(), any());
  }

  @Test
  void aBodyMalformedOrTooLargeBeforeItsFirstPartStoresNothing() throws Exception {
    byte[] garbage = "--abc\r\nContent-Type: application/dicom\r\n\r\nshort".getBytes();
    assertThatThrownBy(
            () ->
                fixture.stow.store(
                    new ByteArrayInputStream(garbage),
                    "multipart/related; type=\"application/dicom\"; boundary=abc",
                    none()))
        .isInstanceOf(Multipart.MultipartException.class)
        .satisfies(e -> assertThat(((Multipart.MultipartException) e).tooLarge()).isFalse());

    StoreFixture small =
        new StoreFixture(
            folder.resolve("small"),
            StoreFixture.properties(DataSize.ofKilobytes(4), DataSize.ofGigabytes(1), null));
    StoreFixture.Body body = StoreFixture.body("study1/neutral.dcm");
    assertThatThrownBy(
            () ->
                small.stow.store(
                    new ByteArrayInputStream(body.bytes()), body.contentType(), none()))
        .isInstanceOf(Multipart.MultipartException.class)
        .satisfies(e -> assertThat(((Multipart.MultipartException) e).tooLarge()).isTrue());
    verify(fixture.indexer, never()).index(anyList(), any());
    try (var files = Files.walk(folder)) {
      assertThat(files.filter(p -> p.toString().endsWith(".dcm"))).isEmpty();
    }
  }

  @Test
  void aFailedIndexingIsAWarningAndTheInstancesStayStored() throws Exception {
    when(fixture.indexer.index(anyList(), any())).thenThrow(new IllegalStateException("FHIR down"));

    StowService.Stored stored = fixture.stored("study2/neutral.dcm");

    assertThat(stored.failed()).isZero();
    assertThat(stored.warnings())
        .containsExactly("instances stored, but the ImagingStudy could not be updated");
    String study = DicomFixtures.studyUid("study2/neutral.dcm");
    assertThat(fixture.index.instances(study, Optional.empty())).hasSize(1);
  }

  @Test
  void nothingIsIndexedWhenNothingIsStored() throws Exception {
    StowService.Stored stored = fixture.stored("bad/ct.dcm");

    assertThat(stored.failed()).isEqualTo(1);
    assertThat(stored.warnings()).singleElement().asString().contains("not accepted");
    verify(fixture.indexer, never()).index(anyList(), any());
  }

  private static Optional<String> none() {
    return Optional.empty();
  }
}
