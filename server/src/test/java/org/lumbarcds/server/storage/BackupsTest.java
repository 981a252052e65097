package org.lumbarcds.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.stream.Stream;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup of an H2 data folder is itself a data folder: the database as of the backup, the
 * instance files without the temporary ones; a backup that cannot be written leaves nothing.
 */
class BackupsTest {

  @TempDir Path temp;

  private static JdbcDataSource h2(Path dataDir) {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + dataDir.resolve("h2/lumbarcds") + ";WRITE_DELAY=0");
    ds.setUser("sa");
    return ds;
  }

  @Test
  void aBackupIsADataFolderWithTheDatabaseAndTheInstanceFiles() throws Exception {
    Path dataDir = temp.resolve("data");
    JdbcDataSource live = h2(dataDir);
    try (Connection c = live.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (v INT)");
      s.execute("INSERT INTO t VALUES (1), (2)");
    }
    Path series = Files.createDirectories(dataDir.resolve("dicom/1.2/1.2.3"));
    Files.write(series.resolve("1.2.3.4.0123456789abcdef.dcm"), new byte[] {1, 2, 3});
    Files.write(series.resolve(".stow-1.part"), new byte[] {9});

    Backups.Backup backup = new Backups(live, dataDir, temp.resolve("backups")).create();

    Path folder = Path.of(backup.folder());
    assertThat(backup.databaseIncluded()).isTrue();
    assertThat(backup.dicomFiles()).isEqualTo(1);
    assertThat(folder.resolve("backup.json")).exists();
    assertThat(folder.resolve("dicom/1.2/1.2.3/1.2.3.4.0123456789abcdef.dcm"))
        .hasBinaryContent(new byte[] {1, 2, 3});
    assertThat(folder.resolve("dicom/1.2/1.2.3/.stow-1.part")).doesNotExist();
    try (Stream<Path> names = Files.list(temp.resolve("backups"))) {
      assertThat(names.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".partial"));
    }
    // the copy opens as a database of its own, with the rows as of the backup
    try (Connection c = h2(folder).getConnection();
        Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT COUNT(*) FROM t")) {
      rows.next();
      assertThat(rows.getInt(1)).isEqualTo(2);
    }
  }

  @Test
  void aBackupThatCannotBeWrittenLeavesNothing() throws Exception {
    Path dataDir = temp.resolve("data");
    JdbcDataSource live = h2(dataDir);
    try (Connection c = live.getConnection()) {
      c.createStatement().execute("CREATE TABLE t (v INT)");
    }
    Path backups = Files.writeString(temp.resolve("backups"), "a file where the folder goes");
    assertThatThrownBy(() -> new Backups(live, dataDir, backups).create())
        .isInstanceOf(Backups.BackupException.class)
        .hasMessageContaining("the backup could not be written")
        .hasMessageContaining("nothing of it was kept");
    assertThat(backups).isRegularFile();
  }
}
