package org.lumbarcds.model.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Loads what the Python smoke pipeline exported during this build ({@code
 * training/tests/test_pipeline.py}, run by {@code lumbarcds_training.run_tests} in the {@code
 * training-tests} execution) and checks Java's outputs against Python's. Runs in the {@code
 * smoke-model} execution of {@code mvn verify}.
 */
class ExportedModelSmokeIT {

  @Test
  void javaLoadsAndMatchesWhatThePythonPipelineExported() throws Exception {
    Path dir = Path.of(System.getProperty("smoke.model.dir", "target/smoke-model"));
    String id = "lumbar-cds-lss-3view-phantom";
    try (ThreeViewModel model =
        ThreeViewModel.load(dir.resolve(id + ".card.json"), ThreeViewModel.Options.defaults())) {
      assertEquals("0.0.0-smoke", model.card().version());
      assertEquals(
          3, Parity.check(model, dir.resolve(id + ".parity.json"), dir.resolve("studies")));
    }
  }
}
