package org.lumbarcds.server.dicomweb;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;
import org.lumbarcds.model.Sha256;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomException;
import org.lumbarcds.model.dicom.DicomFile;
import org.lumbarcds.model.dicom.Tags;

/**
 * DICOM files under the data directory, catalogued in {@link InstanceIndex}. An instance is written
 * to a temporary file, forced to disk and moved into place under a name that carries its content
 * hash before its row is added: a crash leaves at most an unlisted file, never a listed one that is
 * half written, and two requests storing different content under one SOP Instance UID cannot
 * overwrite each other (the row decides which one was first).
 */
class DicomStore {

  /** What storing did. */
  enum Outcome {
    /** Stored now. */
    STORED,
    /** The same bytes were already stored under this SOP Instance UID: nothing changed. */
    ALREADY_STORED,
    /** Different bytes are stored under this SOP Instance UID: refused. */
    CONFLICT
  }

  /** DICOM UIDs (PS3.5 9.1): digits and dots; they become folder and file names. */
  static final Pattern UID = Pattern.compile("(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))*");

  /**
   * The name prefix of a file being written; {@link DicomStoreCheck} removes those a crash left.
   */
  static final String TEMPORARY_PREFIX = ".stow-";

  private final Path root;
  private final InstanceIndex index;

  DicomStore(Path root, InstanceIndex index) throws IOException {
    this.root = root;
    this.index = index;
    Files.createDirectories(root);
  }

  static boolean validUid(String uid) {
    return uid != null && uid.length() <= 64 && UID.matcher(uid).matches();
  }

  /** Stores a parsed instance whose UIDs the caller has checked with {@link #validUid}. */
  Outcome put(DicomFile file, byte[] bytes) throws IOException {
    DicomDataset ds = file.dataset();
    String study = ds.getString(Tags.STUDY_INSTANCE_UID).orElseThrow();
    String series = ds.getString(Tags.SERIES_INSTANCE_UID).orElseThrow();
    String sop = ds.getString(Tags.SOP_INSTANCE_UID).orElseThrow();
    String sha = Sha256.hex(bytes);
    Optional<InstanceIndex.Row> existing = index.find(sop);
    if (existing.isPresent()) {
      return existing.get().sha256().equals(sha) ? Outcome.ALREADY_STORED : Outcome.CONFLICT;
    }
    String relative = study + "/" + series + "/" + sop + "." + sha.substring(0, 16) + ".dcm";
    Path target = root.resolve(relative);
    Files.createDirectories(target.getParent());
    Path temp = Files.createTempFile(target.getParent(), TEMPORARY_PREFIX, ".part");
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.write(ByteBuffer.wrap(bytes));
        channel.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      // the move itself is durable only once the folder's entry is on disk
      try (FileChannel folder = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
        folder.force(true);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
    boolean inserted;
    try {
      inserted = index.insert(row(ds, file, sop, study, series, sha, bytes.length, relative));
    } catch (RuntimeException e) {
      // same bytes, same name: a concurrent request may have listed this very file
      if (index.find(sop).map(r -> !r.relativePath().equals(relative)).orElse(true)) {
        Files.deleteIfExists(target);
      }
      throw e;
    }
    if (inserted) {
      return Outcome.STORED;
    }
    // another request stored this SOP Instance UID in the meantime
    InstanceIndex.Row winner = index.find(sop).orElseThrow();
    if (winner.sha256().equals(sha)) {
      return Outcome.ALREADY_STORED; // same content, same file name: the file is the winner's
    }
    Files.deleteIfExists(target);
    return Outcome.CONFLICT;
  }

  /** The bytes of a stored instance. */
  byte[] read(InstanceIndex.Row row) throws IOException {
    return Files.readAllBytes(root.resolve(row.relativePath()));
  }

  private static InstanceIndex.Row row(
      DicomDataset ds,
      DicomFile file,
      String sop,
      String study,
      String series,
      String sha,
      long size,
      String relative) {
    return new InstanceIndex.Row(
        sop,
        study,
        series,
        ds.getString(Tags.SOP_CLASS_UID).orElse(""),
        file.transferSyntax().uid(),
        sha,
        size,
        relative,
        ds.getString(Tags.PATIENT_ID).orElse(null),
        ds.getString(Tags.PATIENT_NAME).orElse(null),
        ds.getString(Tags.ACCESSION_NUMBER).orElse(null),
        ds.getString(Tags.STUDY_DATE).orElse(null),
        ds.getString(Tags.STUDY_TIME).orElse(null),
        ds.getString(Tags.STUDY_DESCRIPTION).orElse(null),
        ds.getString(Tags.MODALITY).orElse(null),
        ds.getString(Tags.SERIES_DESCRIPTION).orElse(null),
        integer(ds, Tags.SERIES_NUMBER),
        integer(ds, Tags.INSTANCE_NUMBER),
        Instant.now());
  }

  private static Integer integer(DicomDataset ds, int tag) {
    try {
      var value = ds.getInt(tag);
      return value.isPresent() ? value.getAsInt() : null;
    } catch (DicomException e) {
      return null;
    }
  }
}
