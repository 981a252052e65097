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
 * few kills in the installed-tools build; {@code tests/crash/run.sh postgres 20} runs twenty. The
 * report goes to the output and to {@code tests/target/crash-load-postgres.txt}.
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
    String url = cluster("start", cluster);
    try {
      CrashLoadTest.report(
          "postgres",
          CrashLoadTest.run(
              "PostgreSQL",
              work,
              Map.of(
                  "SPRING_PROFILES_ACTIVE", "postgres",
                  "LUMBARCDS_DB_URL", url,
                  "LUMBARCDS_DB_USER", "lumbarcds",
                  "LUMBARCDS_DB_PASSWORD", "unused")));
    } finally {
      cluster("stop", cluster);
    }
  }

  private static String cluster(String command, Path folder) throws Exception {
    Process p =
        new ProcessBuilder("smoke/pg-cluster.sh", command, folder.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("pg-cluster.sh " + command + " failed");
    }
    return out;
  }
}
