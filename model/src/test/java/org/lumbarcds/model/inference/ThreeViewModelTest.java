package org.lumbarcds.model.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lumbarcds.model.Sha256;

/** The committed reference model: parity with Python, the pool, and every refusal. */
class ThreeViewModelTest {

  static final Path REFERENCE = Path.of("reference");
  static final String ID = "lumbar-cds-lss-3view-phantom";
  static final Path CARD = REFERENCE.resolve(ID + ".card.json");
  static final Path STUDIES = Path.of("src/test/resources/inference/parity");

  static ThreeViewModel model;

  @BeforeAll
  static void load() throws ModelException {
    model = ThreeViewModel.load(CARD, new ThreeViewModel.Options(2, 1, Duration.ofSeconds(60)));
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void javaMatchesThePythonPipelineOnTheParityStudies() throws Exception {
    int cases = Parity.check(model, REFERENCE.resolve(ID + ".parity.json"), STUDIES);
    assertEquals(3, cases);
  }

  @Test
  void theReferenceModelSaysItIsSyntheticAndMeetsTheSizeLimit() throws Exception {
    assertTrue(model.card().synthetic());
    assertTrue(model.card().statement().contains("not clinically validated"));
    assertTrue(Files.size(REFERENCE.resolve(model.card().fileName())) <= 30L << 20);
  }

  @Test
  void aMissingViewIsMaskedAndReported() throws Exception {
    Map<Posture, float[]> inputs = inputs("INT00000");
    inputs.remove(Posture.FLEXION);
    Prediction p = model.predictInputs(inputs);
    assertEquals(Set.of(Posture.NEUTRAL, Posture.EXTENSION), p.viewsUsed());
    assertEquals(Set.of(Posture.NEUTRAL, Posture.EXTENSION), p.viewScores().keySet());
    assertEquals(Set.of(Posture.NEUTRAL, Posture.EXTENSION), p.cams().keySet());
    Prediction all = model.predictInputs(inputs("INT00000"));
    assertTrue(Math.abs(all.probability() - p.probability()) > 1e-6, "the mask changes the result");
  }

  @Test
  void predictionsCarryTheModelIdentityAndTheOperatingPoints() throws Exception {
    Prediction p = model.predictInputs(inputs("EXT00001"));
    assertEquals(model.card().id(), p.model().id());
    assertEquals(model.card().sha256(), p.model().sha256());
    assertEquals(model.card().ruleOut(), p.ruleOut());
    assertEquals(
        Interpretation.of(p.probability(), model.card().ruleOut(), model.card().ruleIn()),
        p.interpretation());
    Prediction.Cam cam = p.cams().get(Posture.NEUTRAL);
    assertEquals(model.card().camRows() * model.card().camColumns(), cam.values().length);
  }

  @Test
  void concurrentStudiesGetTheSameAnswersAsSerialOnes() throws Exception {
    List<Map<Posture, float[]>> studies = List.of(inputs("INT00000"), inputs("EXT00001"));
    double[] serial = {
      model.predictInputs(studies.get(0)).probability(),
      model.predictInputs(studies.get(1)).probability()
    };
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<Double>> results = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        Map<Posture, float[]> study = studies.get(i % 2);
        results.add(pool.submit(() -> model.predictInputs(study).probability()));
      }
      for (int i = 0; i < results.size(); i++) {
        assertEquals(serial[i % 2], results.get(i).get(), 1e-6);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anEmptyStudyOrAWrongSizedInputIsRefused() {
    assertEquals(
        ModelException.Reason.STUDY_INVALID,
        assertThrows(ModelException.class, () -> model.predictInputs(Map.of())).reason());
    assertEquals(
        ModelException.Reason.STUDY_INVALID,
        assertThrows(
                ModelException.class,
                () -> model.predictInputs(Map.of(Posture.NEUTRAL, new float[10])))
            .reason());
  }

  @Test
  void aModelWhoseHashDiffersFromItsCardIsRefused(@TempDir Path dir) throws Exception {
    Path card = copyReference(dir);
    byte[] onnx = Files.readAllBytes(dir.resolve(model.card().fileName()));
    onnx[onnx.length - 1] ^= 1;
    Files.write(dir.resolve(model.card().fileName()), onnx);
    ModelException e = assertThrows(ModelException.class, () -> load(card));
    assertEquals(ModelException.Reason.HASH_MISMATCH, e.reason());
    assertTrue(e.getMessage().contains(model.card().sha256()));
  }

  @Test
  void aCorruptModelIsRefusedEvenWhenItsCardMatches(@TempDir Path dir) throws Exception {
    Path card = copyReference(dir);
    byte[] garbage = "not an onnx model".getBytes();
    Files.write(dir.resolve(model.card().fileName()), garbage);
    patchCard(card, Sha256.hex(garbage), null);
    assertEquals(
        ModelException.Reason.MODEL_CORRUPT,
        assertThrows(ModelException.class, () -> load(card)).reason());
  }

  @Test
  void aMissingModelFileIsRefused(@TempDir Path dir) throws Exception {
    Path card = copyReference(dir);
    Files.delete(dir.resolve(model.card().fileName()));
    assertEquals(
        ModelException.Reason.MODEL_MISSING,
        assertThrows(ModelException.class, () -> load(card)).reason());
  }

  @ParameterizedTest
  @ValueSource(strings = {"renamed-input", "wrong-input-size", "missing-output"})
  void aModelThatBreaksTheContractIsRefused(String name, @TempDir Path dir) throws Exception {
    Path card = copyReference(dir);
    Path onnx = Path.of("src/test/resources/inference/onnx", name + ".onnx");
    Files.copy(onnx, dir.resolve(name + ".onnx"));
    patchCard(card, Sha256.hex(Files.readAllBytes(onnx)), name + ".onnx");
    ModelException e = assertThrows(ModelException.class, () -> load(card));
    assertEquals(ModelException.Reason.CONTRACT_VIOLATION, e.reason(), e.getMessage());
  }

  @Test
  void aCardNamingAFileOutsideItsFolderIsRefused(@TempDir Path dir) throws Exception {
    Path card = copyReference(dir);
    patchCard(card, model.card().sha256(), "../elsewhere.onnx");
    assertEquals(
        ModelException.Reason.CARD_INVALID,
        assertThrows(ModelException.class, () -> load(card)).reason());
  }

  static Map<Posture, float[]> inputs(String study) throws Exception {
    ViewReader reader = new ViewReader();
    Map<Posture, float[]> inputs = new EnumMap<>(Posture.class);
    for (Posture p : Posture.values()) {
      inputs.put(
          p,
          model
              .preprocessor()
              .input(Parity.image(reader, STUDIES.resolve(study).resolve(p.id() + ".dcm"))));
    }
    return inputs;
  }

  private static ThreeViewModel load(Path card) throws ModelException {
    return ThreeViewModel.load(card, new ThreeViewModel.Options(1, 1, Duration.ofSeconds(5)));
  }

  static Path copyReference(Path dir) throws Exception {
    Files.copy(CARD, dir.resolve(CARD.getFileName()));
    Files.copy(REFERENCE.resolve(model.card().fileName()), dir.resolve(model.card().fileName()));
    return dir.resolve(CARD.getFileName());
  }

  static void patchCard(Path card, String sha, String fileName) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(card.toFile());
    ObjectNode file = (ObjectNode) root.get("file");
    file.put("sha256", sha);
    if (fileName != null) {
      file.put("name", fileName);
    }
    json.writeValue(card.toFile(), root);
  }
}
