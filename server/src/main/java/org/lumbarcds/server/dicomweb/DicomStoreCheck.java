package org.lumbarcds.server.dicomweb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the store's folder and its catalogue ({@link InstanceIndex}) back in line after a crash.
 * {@link DicomStore} writes an instance's file (forced to disk) before its catalogue row, so a
 * crash leaves at most a temporary file of a write cut short, or a complete file whose row was
 * never written (its request was never answered as stored). The check removes the first, moves the
 * second to {@code data-dir/dicom-unlisted} (kept, not deleted, in case an operator wants it), and
 * reports listed instances whose file is missing or has another size than recorded (something
 * outside the server changed the folder; they are left listed and reported, never dropped).
 *
 * <p>It runs when the server starts, before it takes requests, on files older than the grace period
 * (another instance sharing the folder may be writing younger ones), and once more when the grace
 * period has passed, on every file older than this server's start.
 */
final class DicomStoreCheck implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DicomStoreCheck.class);

  /** What a check found and did. */
  record Findings(int temporaryRemoved, int unlistedSetAside, int listedMissing, int sizeMismatch) {
    boolean clean() {
      return temporaryRemoved == 0
          && unlistedSetAside == 0
          && listedMissing == 0
          && sizeMismatch == 0;
    }
  }

  private final Path root;
  private final Path unlisted;
  private final InstanceIndex index;
  private final ScheduledExecutorService later =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "dicom-store-check");
            t.setDaemon(true);
            return t;
          });

  DicomStoreCheck(Path root, Path unlisted, InstanceIndex index) {
    this.root = root;
    this.unlisted = unlisted;
    this.index = index;
  }

  /** Checks now what is older than the grace period; the rest once the grace period has passed. */
  Findings start(Duration grace) throws IOException {
    Instant started = Instant.now();
    Findings now = check(started.minus(grace), "at start-up");
    if (!grace.isZero()) {
      later.schedule(
          () -> {
            try {
              check(started, "after the grace period");
            } catch (IOException | RuntimeException e) {
              log.error("The DICOM store check failed", e);
            }
          },
          grace.toMillis(),
          TimeUnit.MILLISECONDS);
    }
    return now;
  }

  /** Checks the files last modified before the given time. */
  Findings check(Instant before, String when) throws IOException {
    if (!Files.isDirectory(root)) {
      return new Findings(0, 0, 0, 0);
    }
    Map<String, Long> listed = index.files();
    FileTime limit = FileTime.from(before);
    int temporary = 0;
    int setAside = 0;
    Set<String> present = new HashSet<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    for (Path file : files) {
      String relative = root.relativize(file).toString().replace('\\', '/');
      if (listed.containsKey(relative)) {
        present.add(relative);
        continue;
      }
      FileTime modified;
      try {
        modified = Files.getLastModifiedTime(file);
      } catch (IOException e) {
        continue; // gone meanwhile
      }
      if (modified.compareTo(limit) >= 0) {
        continue; // may be another instance's write in progress
      }
      if (file.getFileName().toString().startsWith(DicomStore.TEMPORARY_PREFIX)) {
        Files.deleteIfExists(file);
        temporary++;
      } else if (!index.listed(relative)) { // read again: a row may have come meanwhile
        Path target = unlisted.resolve(relative);
        Files.createDirectories(target.getParent());
        Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
        setAside++;
      }
    }
    int missing = 0;
    int mismatch = 0;
    for (Map.Entry<String, Long> row : listed.entrySet()) {
      Path file = root.resolve(row.getKey());
      if (!present.contains(row.getKey())) {
        if (!Files.exists(file)) {
          missing++;
        }
      } else if (Files.size(file) != row.getValue()) {
        mismatch++;
      }
    }
    Findings findings = new Findings(temporary, setAside, missing, mismatch);
    if (findings.temporaryRemoved() > 0 || findings.unlistedSetAside() > 0) {
      log.warn(
          "DICOM store check ({}): {} temporary file(s) of writes cut short removed, {} file(s)"
              + " without a catalogue row (never answered as stored) moved to {}",
          when,
          temporary,
          setAside,
          unlisted);
    }
    if (missing > 0 || mismatch > 0) {
      log.error(
          "DICOM store check ({}): {} listed instance(s) have no file and {} a file of another"
              + " size than recorded: the folder was changed outside the server; restore it from"
              + " the backup (docs/operations.md)",
          when,
          missing,
          mismatch);
    }
    if (findings.clean()) {
      log.info(
          "DICOM store check ({}): {} instance(s), store and catalogue agree", when, listed.size());
    }
    return findings;
  }

  @Override
  public void close() {
    later.shutdownNow();
  }
}
