package org.lumbarcds.model.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import org.lumbarcds.model.dicom.GreyImage;

/**
 * Checks a model's Java outputs against the Python pipeline's ({@code python3 -m
 * lumbarcds_training.export --parity}): the same DICOM files through pydicom, {@code
 * lumbarcds_training.preprocess} and the exported graph in PyTorch.
 */
final class Parity {

  private Parity() {}

  /** Runs every case of {@code parityFile} on studies under {@code studies}; returns the count. */
  static int check(ThreeViewModel model, Path parityFile, Path studies) throws Exception {
    JsonNode parity = new ObjectMapper().readTree(parityFile.toFile());
    assertEquals(model.card().sha256(), parity.get("sha256").asText(), "parity file's model");
    double tolerance = parity.get("tolerance").asDouble();
    ViewReader reader = new ViewReader();
    int cases = 0;
    for (JsonNode c : parity.get("cases")) {
      String study = c.get("study").asText();
      Map<Posture, float[]> inputs = new EnumMap<>(Posture.class);
      for (JsonNode v : c.get("views")) {
        Posture p = Posture.valueOf(v.asText().toUpperCase(java.util.Locale.ROOT));
        GreyImage image = image(reader, studies.resolve(study).resolve(v.asText() + ".dcm"));
        float[] input = model.preprocessor().input(image);
        assertEquals(
            c.get("input_means").get(v.asText()).asDouble(), mean(input), 1e-5, study + " " + p);
        // float32 grey levels in Java against float64 in Python: a relative bound on the
        // weighted sum of magnitudes; a shift or a flip moves the checksum by far more
        double checksum = c.get("input_checksums").get(v.asText()).asDouble();
        assertEquals(
            checksum, checksum(input, false), 1e-6 * checksum(input, true), study + " " + p);
        inputs.put(p, input);
      }
      Prediction prediction = model.predictInputs(inputs);
      String what = study + " with " + c.get("views");
      assertEquals(c.get("probability").asDouble(), prediction.probability(), tolerance, what);
      for (Posture p : inputs.keySet()) {
        double logit = c.get("view_logits").get(p.ordinal()).asDouble();
        assertEquals(
            1 / (1 + Math.exp(-logit)), prediction.viewScores().get(p), tolerance, what + " " + p);
        double camSum = 0;
        for (float v : prediction.cams().get(p).values()) {
          camSum += v;
        }
        assertEquals(
            c.get("cam_sums").get(p.ordinal()).asDouble(), camSum, tolerance * 100, what + " cam");
      }
      assertEquals(inputs.keySet(), prediction.viewsUsed());
      cases++;
    }
    return cases;
  }

  static GreyImage image(ViewReader reader, Path file) throws IOException {
    return reader.read(file).image();
  }

  /**
   * The position-weighted sum lumbarcds_training.export writes: a shifted or flipped input changes
   * it.
   */
  private static double checksum(float[] values, boolean magnitudes) {
    double sum = 0;
    for (int i = 0; i < values.length; i++) {
      sum += (magnitudes ? Math.abs(values[i]) : values[i]) * (double) (i % 997 + 1);
    }
    return sum / values.length;
  }

  private static double mean(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += v;
    }
    return sum / values.length;
  }
}
