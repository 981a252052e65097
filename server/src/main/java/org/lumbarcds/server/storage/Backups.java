package org.lumbarcds.server.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consistent backup of the server's data while it runs: the database first, then the DICOM
 * store's files. Instance files are never changed once in place and are written before their
 * catalogue row, so every instance the backed-up catalogue lists has its file in the backup; files
 * stored after the database was copied come along unlisted, and the store check of a server started
 * on the backup sets them aside ({@code DicomStoreCheck}).
 *
 * <p>On H2 the database is copied with H2's {@code BACKUP TO} (transactionally consistent, no lock)
 * and unpacked, so the backup folder is a data folder a server starts on. On PostgreSQL the
 * database is not the server's to copy: take {@code pg_dump} first, then this backup of the files
 * (docs/operations.md). A backup is written to {@code name.partial} and renamed when complete: a
 * folder without the suffix is whole.
 */
public class Backups {

  private static final Logger log = LoggerFactory.getLogger(Backups.class);
  private static final DateTimeFormatter NAME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final String TEMPORARY_PREFIX = ".stow-";
  static final String MANIFEST = "backup.json";

  /** A finished backup. */
  public record Backup(
      String name,
      String folder,
      String database,
      boolean databaseIncluded,
      long dicomFiles,
      long dicomBytes,
      Instant startedAt,
      Instant finishedAt,
      String restore) {}

  /** Another backup is being written. */
  public static final class BusyException extends Exception {
    BusyException() {
      super("a backup is being written; try again later");
    }
  }

  /** A backup that could not be written (nothing of it is left). */
  public static final class BackupException extends Exception {
    BackupException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final DataSource dataSource;
  private final Path dataDir;
  private final Path folder;
  private final ReentrantLock running = new ReentrantLock();
  private final ObjectMapper json =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  public Backups(DataSource dataSource, Path dataDir, Path folder) {
    this.dataSource = dataSource;
    this.dataDir = dataDir;
    this.folder = folder;
  }

  /** Whether a backup is being written now. */
  public boolean busy() {
    return running.isLocked();
  }

  /**
   * Writes a backup; one at a time.
   *
   * @throws BusyException when another backup is being written
   * @throws BackupException when it could not be written (e.g. the disk is full); the partial
   *     folder is removed
   */
  public Backup create() throws BackupException, BusyException {
    if (!running.tryLock()) {
      throw new BusyException();
    }
    try {
      return write();
    } finally {
      running.unlock();
    }
  }

  private Backup write() throws BackupException {
    Instant started = Instant.now();
    String name = "lumbar-cds-" + NAME.format(started);
    Path partial = folder.resolve(name + ".partial");
    Path done = folder.resolve(name);
    boolean postgres = Databases.isPostgres(dataSource);
    try {
      Files.createDirectories(folder);
      if (Files.exists(done) || Files.exists(partial)) {
        throw new FileAlreadyExistsException(done + " (one backup per second at most)");
      }
      Files.createDirectories(partial);
      if (!postgres) {
        copyH2(partial.resolve("h2"));
      }
      long[] dicom = copyDicom(dataDir.resolve("dicom"), partial.resolve("dicom"));
      Backup backup =
          new Backup(
              name,
              done.toAbsolutePath().toString(),
              postgres ? "PostgreSQL" : "H2",
              !postgres,
              dicom[0],
              dicom[1],
              started,
              Instant.now(),
              postgres
                  ? "restore the pg_dump taken before this backup into a new database, copy this"
                      + " folder's dicom/ into a new data folder and start the server on both"
                  : "copy this folder to a new data folder and start the server on it"
                      + " (--lumbarcds.data-dir)");
      writeSynced(partial.resolve(MANIFEST), json.writeValueAsBytes(backup));
      Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE);
      force(folder);
      log.info(
          "Backup {} written: database {}, {} DICOM file(s), {} bytes",
          name,
          postgres ? "not included (PostgreSQL: pg_dump)" : "H2",
          dicom[0],
          dicom[1]);
      return backup;
    } catch (IOException | SQLException | RuntimeException e) {
      remove(partial);
      log.error("Backup {} failed: {}", name, e.toString());
      throw new BackupException(
          "the backup could not be written: " + reason(e) + "; nothing of it was kept", e);
    }
  }

  /** H2's BACKUP TO: a zip of the database files, consistent as of one moment; unpacked. */
  private void copyH2(Path target) throws SQLException, IOException {
    Files.createDirectories(target);
    Path zip = target.resolve("backup.zip");
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute("BACKUP TO '" + zip.toAbsolutePath().toString().replace("'", "''") + "'");
    }
    try (InputStream in = Files.newInputStream(zip);
        ZipInputStream entries = new ZipInputStream(in)) {
      for (ZipEntry e; (e = entries.getNextEntry()) != null; ) {
        Path out = target.resolve(e.getName()).normalize();
        if (!out.startsWith(target) || e.isDirectory()) {
          continue;
        }
        Files.createDirectories(out.getParent());
        try (FileChannel channel =
            FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          channel.transferFrom(java.nio.channels.Channels.newChannel(entries), 0, Long.MAX_VALUE);
          channel.force(true);
        }
      }
    }
    Files.delete(zip);
  }

  /** Copies the store's instance files (not the temporary ones of writes in progress). */
  private static long[] copyDicom(Path source, Path target) throws IOException {
    long files = 0;
    long bytes = 0;
    Files.createDirectories(target);
    if (!Files.isDirectory(source)) {
      return new long[] {0, 0};
    }
    List<Path> all;
    try (Stream<Path> walk = Files.walk(source)) {
      all = walk.filter(Files::isRegularFile).toList();
    }
    for (Path file : all) {
      if (file.getFileName().toString().startsWith(TEMPORARY_PREFIX)) {
        continue;
      }
      Path out = target.resolve(source.relativize(file).toString());
      Files.createDirectories(out.getParent());
      try {
        Files.copy(file, out);
      } catch (java.nio.file.NoSuchFileException e) {
        continue; // moved aside by the store check meanwhile
      }
      force(out);
      files++;
      bytes += Files.size(out);
    }
    return new long[] {files, bytes};
  }

  private static void writeSynced(Path file, byte[] bytes) throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      channel.write(java.nio.ByteBuffer.wrap(bytes));
      channel.force(true);
    }
  }

  private static void force(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  private static void remove(Path partial) {
    if (!Files.exists(partial)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(partial)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.error("The partial backup {} could not be removed: {}", partial, e.toString());
    }
  }

  /** What went wrong, in words an operator can act on (no stack trace). */
  static String reason(Throwable e) {
    if (StorageFailures.diskFull(e)) {
      return "no space left on the device";
    }
    if (e instanceof FileAlreadyExistsException f) {
      return "a backup of that name exists (" + f.getMessage() + ")";
    }
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }
}
