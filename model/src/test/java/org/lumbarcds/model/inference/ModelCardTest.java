package org.lumbarcds.model.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModelCardTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theReferenceCardReads() throws Exception {
    ModelCard card = ModelCard.read(ThreeViewModelTest.CARD);
    assertEquals("lumbar-cds-lss-3view-phantom", card.id());
    assertTrue(card.height() > 0 && card.width() > 0 && card.std() > 0);
    assertTrue(card.ruleOut() >= 0 && card.ruleIn() <= 1);
    assertEquals(64, card.sha256().length());
  }

  @Test
  void twoViewPointsAreReadWhereTheCardHasThemAndAnOlderCardHasNone(@TempDir Path dir)
      throws Exception {
    ModelCard reference = ModelCard.read(ThreeViewModelTest.CARD);
    assertTrue(reference.twoViewPoints().isEmpty());
    // a copy of a card without them (as the server's tests make one) is one too
    ModelCard copy =
        new ModelCard(
            reference.id(),
            reference.version(),
            "another name",
            reference.synthetic(),
            reference.statement(),
            reference.fileName(),
            reference.sha256(),
            reference.height(),
            reference.width(),
            reference.mean(),
            reference.std(),
            reference.ruleOut(),
            reference.ruleIn(),
            reference.camRows(),
            reference.camColumns(),
            java.util.Map.of(),
            reference.document());
    assertTrue(copy.twoViewPoints(Posture.FLEXION).isEmpty());
    ObjectNode json = (ObjectNode) JSON.readTree(ThreeViewModelTest.CARD.toFile());
    ObjectNode flexion = json.putObject("view_configurations").putObject("flexion_missing");
    flexion.put("missing", "flexion");
    ObjectNode points = flexion.putObject("operating_points");
    points.putObject("rule_out").put("threshold", 0.21);
    points.putObject("rule_in").put("threshold", 0.74);
    Path path = dir.resolve("card.json");
    JSON.writeValue(path.toFile(), json);
    ModelCard card = ModelCard.read(path);
    assertEquals(
        java.util.Optional.of(new ModelCard.OperatingPoints(0.21, 0.74)),
        card.twoViewPoints(Posture.FLEXION));
    assertTrue(card.twoViewPoints(Posture.NEUTRAL).isEmpty());
  }

  static Stream<Arguments> brokenCards() {
    return Stream.of(
        broken("file.sha256 is missing", c -> ((ObjectNode) c.get("file")).remove("sha256")),
        broken("file.sha256 is not", c -> ((ObjectNode) c.get("file")).put("sha256", "abc")),
        broken("input.views must be", c -> ((ArrayNode) c.at("/input/views")).remove(1)),
        broken(
            "std must be positive", c -> ((ObjectNode) c.at("/input/normalisation")).put("std", 0)),
        broken(
            "only \"area\"",
            c -> ((ObjectNode) c.at("/input/preprocessing")).put("resize", "bilinear")),
        broken(
            "input.height must be an integer",
            c -> ((ObjectNode) c.get("input")).put("height", 320.5)),
        broken("cam.shape", c -> ((ArrayNode) c.at("/output/cam/shape")).remove(0)),
        broken(
            "operating points",
            c -> ((ObjectNode) c.at("/operating_points/rule_in")).put("threshold", 1.5)),
        broken(
            "rule_out.threshold must be a finite number",
            c -> ((ObjectNode) c.at("/operating_points/rule_out")).put("threshold", "0.2")),
        broken("id must be a non-empty string", c -> c.put("id", "")),
        broken(
            "neutral_missing.operating_points: operating points must lie in [0, 1]",
            c -> twoView(c, "neutral", -0.1)),
        broken("missing must be neutral", c -> twoView(c, "flexion", 0.2).put("missing", "x")));
  }

  /** A two-view configuration for {@code missing}, keyed as neutral's, with this rule-out. */
  private static ObjectNode twoView(ObjectNode card, String missing, double ruleOut) {
    ObjectNode c = card.putObject("view_configurations").putObject("neutral_missing");
    c.put("missing", missing);
    c.putObject("operating_points").putObject("rule_out").put("threshold", ruleOut);
    ((ObjectNode) c.get("operating_points")).putObject("rule_in").put("threshold", 0.8);
    return c;
  }

  private static Arguments broken(String message, Consumer<ObjectNode> change) {
    return Arguments.of(message, change);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenCards")
  void aBrokenCardIsRefusedWithTheReason(
      String message, Consumer<ObjectNode> change, @TempDir Path dir) throws Exception {
    ObjectNode card = (ObjectNode) JSON.readTree(ThreeViewModelTest.CARD.toFile());
    change.accept(card);
    Path path = dir.resolve("card.json");
    JSON.writeValue(path.toFile(), card);
    ModelException e = assertThrows(ModelException.class, () -> ModelCard.read(path));
    assertEquals(ModelException.Reason.CARD_INVALID, e.reason());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void notJsonAndMissingFilesAreRefused(@TempDir Path dir) throws Exception {
    Path text = dir.resolve("card.json");
    Files.writeString(text, "{ not json");
    assertTrue(
        assertThrows(ModelException.class, () -> ModelCard.read(text))
            .getMessage()
            .contains("not JSON"));
    Path array = dir.resolve("array.json");
    Files.writeString(array, "[]");
    assertEquals(
        ModelException.Reason.CARD_INVALID,
        assertThrows(ModelException.class, () -> ModelCard.read(array)).reason());
    assertEquals(
        ModelException.Reason.CARD_INVALID,
        assertThrows(ModelException.class, () -> ModelCard.read(dir.resolve("absent.json")))
            .reason());
  }
}
