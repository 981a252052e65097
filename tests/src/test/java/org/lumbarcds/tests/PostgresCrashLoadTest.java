package org.lumbarcds.tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash test ({@link CrashLoad}) on PostgreSQL (the {@code postgres} profile), on a throw-away
 * cluster of its own ({@code tests/smoke/pg-cluster.sh}; Debian's {@code postgresql} package): a
 * few kills in the installed-tools build, then its backup (pg_dump and the server's backup of the
 * DICOM files) restored into a new database and data folder; {@code tests/crash/run.sh postgres 20}
 * runs twenty kills. The report goes to the output and to {@code
 * tests/target/crash-load-postgres.txt}.
 */
@Tag("postgres")
class PostgresCrashLoadTest {

  // kept when the test fails: the servers' logs and the data
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path work;

  @Test
  void nothingAnsweredIsLostWhenTheServerIsKilledUnderLoad() throws Exception {
    // a folder of its own: as root the cluster runs as the postgres user, which cannot enter work
    Path cluster = Files.createTempDirectory("lumbarcds-pg-");
    String url = cluster("start", cluster.toString());
    try {
      CrashLoadTest.report("postgres", CrashLoadTest.run(new Postgres(url), work));
    } finally {
      cluster("stop", cluster.toString());
    }
  }

  /** The database of the throw-away cluster; its backup is pg_dump, restored into a new one. */
  private record Postgres(String url) implements CrashLoad.Database {
    @Override
    public String name() {
      return "PostgreSQL";
    }

    @Override
    public Map<String, String> environment() {
      return environment(url);
    }

    @Override
    public void dump(Path file) throws Exception {
      cluster("dump", url, file.toString());
    }

    @Override
    public Map<String, String> restore(Path file) throws Exception {
      String restored = url.replaceFirst("/[^/]+$", "/lumbarcds_restored");
      cluster("restore", restored, file.toString());
      return environment(restored);
    }

    private static Map<String, String> environment(String url) {
      return Map.of(
          "SPRING_PROFILES_ACTIVE", "postgres",
          "LUMBARCDS_DB_URL", url,
          "LUMBARCDS_DB_USER", "lumbarcds",
          "LUMBARCDS_DB_PASSWORD", "unused");
    }
  }

  private static String cluster(String... arguments) throws Exception {
    java.util.List<String> command =
        new java.util.ArrayList<>(java.util.List.of("smoke/pg-cluster.sh"));
    command.addAll(java.util.List.of(arguments));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("pg-cluster.sh " + String.join(" ", arguments) + " failed");
    }
    return out;
  }
}
