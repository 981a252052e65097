package org.lumbarcds.tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash test ({@link CrashLoad}) on the embedded default database, H2, and its backup restored
 * into a new data folder: a few kills in the build; {@code tests/crash/run.sh h2 20} runs twenty
 * (the figures in docs/operations.md).
 *
 * <p>{@code -Dcrash.kills=N}, {@code -Dcrash.clients=N} and {@code -Dcrash.seed=N} change the run;
 * the report goes to the output and to {@code tests/target/crash-load-h2.txt}.
 */
class CrashLoadTest {

  // kept when the test fails: the servers' logs and the data
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path work;

  @Test
  void nothingAnsweredIsLostWhenTheServerIsKilledUnderLoad() throws Exception {
    report("h2", run(CrashLoad.H2, work));
  }

  static String run(CrashLoad.Database database, Path work) throws Exception {
    return new CrashLoad(
            new CrashLoad.Settings(
                database,
                Integer.getInteger("crash.kills", 3),
                Integer.getInteger("crash.clients", 4),
                Duration.ofSeconds(3),
                Duration.ofSeconds(15),
                Long.getLong("crash.seed", System.nanoTime()),
                work))
        .run();
  }

  static void report(String name, String report) throws Exception {
    System.out.println(report);
    Files.writeString(Path.of("target", "crash-load-" + name + ".txt"), report);
  }
}
