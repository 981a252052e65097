package org.lumbarcds.model.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnalyzeTest {

  static final String CARD = "reference/lumbar-cds-lss-3view-phantom.card.json";
  static final Path STUDY = Path.of("src/test/resources/inference/parity/INT00000");

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int analyze(String... args) {
    return new Analyze(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8))
        .run(args);
  }

  @Test
  void aStudyFolderGivesAPredictionAndThreeHeatmaps(@TempDir Path dir) throws Exception {
    assertEquals(
        0, analyze("--card", CARD, "--out", dir.toString(), STUDY.toString()), err::toString);
    String printed = out.toString(StandardCharsets.UTF_8);
    assertTrue(printed.matches("(?s).*probability 0\\.\\d{4}: (LIKELY|UNLIKELY|INDETERMINATE).*"));
    assertTrue(printed.contains("synthetic phantoms"));
    for (String posture : new String[] {"neutral", "flexion", "extension"}) {
      BufferedImage png = ImageIO.read(dir.resolve(posture + "-heatmap.png").toFile());
      assertEquals(416, png.getHeight());
      assertEquals(336, png.getWidth());
    }
  }

  @Test
  void twoFilesRunWithTheThirdViewMissing(@TempDir Path dir) {
    int status =
        analyze(
            "--card",
            CARD,
            "--out",
            dir.toString(),
            STUDY.resolve("neutral.dcm").toString(),
            STUDY.resolve("extension.dcm").toString());
    assertEquals(0, status, err::toString);
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("flexion    missing"));
    assertTrue(Files.notExists(dir.resolve("flexion-heatmap.png")));
  }

  @Test
  void twoViewsOfOnePostureAreRefused(@TempDir Path dir) {
    String neutral = STUDY.resolve("neutral.dcm").toString();
    assertEquals(3, analyze("--card", CARD, "--out", dir.toString(), neutral, neutral));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("a second neutral view"));
  }

  @Test
  void viewsOfDifferentStudiesAreNotCombined(@TempDir Path dir) {
    Path other = Path.of("src/test/resources/inference/parity/EXT00001");
    int status =
        analyze(
            "--card",
            CARD,
            "--out",
            dir.toString(),
            STUDY.resolve("neutral.dcm").toString(),
            other.resolve("flexion.dcm").toString());
    assertEquals(3, status);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("different studies"));
  }

  @Test
  void unfitViewsAreNamedAndNotUsed(@TempDir Path dir) {
    String ap = "src/test/resources/inference/views/ap-view.dcm";
    String chest = "src/test/resources/inference/views/chest.dcm";
    assertEquals(3, analyze("--card", CARD, "--out", dir.toString(), ap, chest, "pom.xml"));
    String errors = err.toString(StandardCharsets.UTF_8);
    assertTrue(errors.contains("ap-view.dcm: not used, [not lateral]"), errors);
    assertTrue(errors.contains("chest.dcm: not used, [wrong body part]"), errors);
    assertTrue(errors.contains("pom.xml: not used, NOT_DICOM"), errors);
  }

  @Test
  void aRefusedModelAndBadUsageHaveTheirOwnStatus(@TempDir Path dir) throws Exception {
    Path card = dir.resolve("card.json");
    Files.writeString(card, "{}");
    assertEquals(4, analyze("--card", card.toString(), "--out", dir.toString(), STUDY.toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("refused: CARD_INVALID"));
    assertEquals(2, analyze());
    assertEquals(2, analyze("--threads", "zero", STUDY.toString()));
    assertEquals(2, analyze("--verbose", STUDY.toString()));
    assertEquals(2, analyze(STUDY.toString(), "--card"));
  }
}
