package org.lumbarcds.server.dicomweb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a crash can leave in the store's folder, and the start-up check bringing folder and
 * catalogue back in line: a temporary file of a write cut short, a complete file whose catalogue
 * row was never written, a listed instance whose file is gone.
 */
class DicomStoreCheckTest {

  @TempDir Path folder;
  private StoreFixture fixture;
  private Path root;
  private Path unlisted;

  @BeforeEach
  void store() throws IOException {
    fixture = new StoreFixture(folder);
    root = folder.resolve("dicom");
    unlisted = folder.resolve("dicom-unlisted");
    assertThat(fixture.stored("study1/neutral.dcm", "study1/flexion.dcm").failed()).isZero();
  }

  private DicomStoreCheck check() {
    return new DicomStoreCheck(root, unlisted, fixture.index);
  }

  private List<Path> files(Path under) throws IOException {
    if (!Files.isDirectory(under)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(under)) {
      return walk.filter(Files::isRegularFile).toList();
    }
  }

  private static void age(Path file, Duration by) throws IOException {
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(by)));
  }

  @Test
  void aStoreAndCatalogueInLineAreLeftAsTheyAre() throws IOException {
    List<Path> before = files(root);
    try (DicomStoreCheck check = check()) {
      DicomStoreCheck.Findings findings = check.check(Instant.now(), "test");
      assertThat(findings.clean()).isTrue();
    }
    assertThat(files(root)).containsExactlyInAnyOrderElementsOf(before);
    assertThat(before).hasSize(2);
  }

  @Test
  void whatACrashLeftIsRemovedOrSetAsideAndAMissingFileIsReported() throws IOException {
    List<Path> listed = files(root);
    Path series = listed.get(0).getParent();
    // a write cut short before its move: a temporary file
    Path temporary =
        Files.write(series.resolve(DicomStore.TEMPORARY_PREFIX + "123.part"), new byte[] {1, 2});
    age(temporary, Duration.ofMinutes(30));
    // a file moved into place whose row was never written (the request never answered "stored")
    Path orphan = series.resolve("1.2.3.4.0123456789abcdef.dcm");
    Files.copy(listed.get(0), orphan);
    age(orphan, Duration.ofMinutes(30));
    // a listed instance whose file is gone (changed outside the server)
    Files.delete(listed.get(1));

    DicomStoreCheck.Findings findings;
    try (DicomStoreCheck check = check()) {
      findings = check.start(Duration.ofMinutes(10));
    }
    assertThat(findings).isEqualTo(new DicomStoreCheck.Findings(1, 1, 1, 0));
    assertThat(temporary).doesNotExist();
    assertThat(orphan).doesNotExist();
    assertThat(unlisted.resolve(root.relativize(orphan))).exists();
    assertThat(files(root)).containsExactly(listed.get(0));
    // the missing one stays listed: reported, never dropped
    assertThat(fixture.index.files()).hasSize(2);
  }

  @Test
  void filesYoungerThanTheGracePeriodAreLeftUntilItHasPassed() throws IOException {
    Path series = files(root).get(0).getParent();
    Path young =
        Files.write(series.resolve(DicomStore.TEMPORARY_PREFIX + "9.part"), new byte[] {1});
    try (DicomStoreCheck check = check()) {
      assertThat(check.start(Duration.ofMinutes(10)).clean()).isTrue();
      assertThat(young).exists(); // another instance may be writing it
      // the run after the grace period covers every file older than the server's start
      assertThat(check.check(Instant.now().plusSeconds(1), "later").temporaryRemoved())
          .isEqualTo(1);
    }
    assertThat(young).doesNotExist();
  }

  @Test
  void aFileOfAnotherSizeThanRecordedIsReported() throws IOException {
    Path file = files(root).get(0);
    Files.write(file, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
    try (DicomStoreCheck check = check()) {
      assertThat(check.check(Instant.now(), "test").sizeMismatch()).isEqualTo(1);
    }
    assertThat(file).exists();
  }
}
