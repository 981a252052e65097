package org.lumbarcds.model.inference;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The model card that travels with an ONNX file: what the inference needs from it, checked, plus
 * the whole document for display.
 *
 * @param id model id
 * @param version model version
 * @param name human-readable name
 * @param synthetic whether it was trained on synthetic data only
 * @param statement the card's statement on what its figures mean
 * @param fileName the ONNX file the card describes
 * @param sha256 that file's SHA-256, lower-case hex
 * @param height input rows per view
 * @param width input columns per view
 * @param mean normalisation mean, applied after padding
 * @param std normalisation standard deviation
 * @param ruleOut the rule-out operating point
 * @param ruleIn the rule-in operating point
 * @param camRows rows of each view's class-activation map
 * @param camColumns columns of each view's class-activation map
 * @param twoViewPoints the operating points of each two-view configuration, by the posture that is
 *     missing ({@code view_configurations}, chosen on validation with the same criteria as the
 *     three-view points); empty for a card without them, whose model gives no result with a view
 *     missing
 * @param document the card as written, for display and provenance
 */
public record ModelCard(
    String id,
    String version,
    String name,
    boolean synthetic,
    String statement,
    String fileName,
    String sha256,
    int height,
    int width,
    double mean,
    double std,
    double ruleOut,
    double ruleIn,
    int camRows,
    int camColumns,
    Map<Posture, OperatingPoints> twoViewPoints,
    JsonNode document) {

  /**
   * A configuration's operating points.
   *
   * @param ruleOut below it the result rules out
   * @param ruleIn at or above it the result rules in
   */
  public record OperatingPoints(double ruleOut, double ruleIn) {}

  public ModelCard {
    Map<Posture, OperatingPoints> copy = new EnumMap<>(Posture.class);
    copy.putAll(twoViewPoints);
    twoViewPoints = Collections.unmodifiableMap(copy);
  }

  /**
   * The operating points for a result from the views {@code present}: the three-view points, or
   * with exactly one view missing that configuration's points where the card has them (else the
   * three-view points: a caller that runs two views checks {@link #twoViewPoints(Posture)} first).
   */
  public OperatingPoints operatingPoints(Set<Posture> present) {
    return Posture.missing(present)
        .flatMap(this::twoViewPoints)
        .orElse(new OperatingPoints(ruleOut, ruleIn));
  }

  /** The operating points of the model run with {@code missing} masked, if the card has them. */
  public Optional<OperatingPoints> twoViewPoints(Posture missing) {
    return Optional.ofNullable(twoViewPoints.get(missing));
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final int MAX_CARD_BYTES = 1 << 20;
  private static final int MAX_INPUT_SIDE = 4096;

  /** Reads and checks a card; every problem is a {@link ModelException.Reason#CARD_INVALID}. */
  public static ModelCard read(Path path) throws ModelException {
    byte[] bytes;
    try {
      if (Files.size(path) > MAX_CARD_BYTES) {
        throw invalid(path, "larger than " + MAX_CARD_BYTES + " bytes");
      }
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      throw new ModelException(
          ModelException.Reason.CARD_INVALID, "model card " + path + " cannot be read", e);
    }
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JacksonException e) {
      throw invalid(path, "not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw invalid(path, "not JSON");
    }
    if (root == null || !root.isObject()) {
      throw invalid(path, "not a JSON object");
    }
    Fields f = new Fields(path, root);
    String sha = f.text("file", "sha256").toLowerCase(Locale.ROOT);
    if (!SHA256.matcher(sha).matches()) {
      throw invalid(path, "file.sha256 is not a SHA-256 in hex");
    }
    List<String> views = new ArrayList<>();
    f.node("input", "views").forEach(v -> views.add(v.asText()));
    List<String> expected = new ArrayList<>();
    for (Posture p : Posture.values()) {
      expected.add(p.id());
    }
    if (!views.equals(expected)) {
      throw invalid(path, "input.views must be " + expected + ", found " + views);
    }
    int height = f.integer(1, MAX_INPUT_SIDE, "input", "height");
    int width = f.integer(1, MAX_INPUT_SIDE, "input", "width");
    double std = f.number("input", "normalisation", "std");
    if (!(std > 0)) {
      throw invalid(path, "input.normalisation.std must be positive");
    }
    if (!"area".equals(f.text("input", "preprocessing", "resize"))) {
      throw invalid(path, "input.preprocessing.resize: only \"area\" is implemented");
    }
    // what Preprocessor implements; a card asking for anything else would be run wrongly
    if (!f.node("input", "preprocessing", "keep_aspect").asBoolean(false)
        || f.number("input", "preprocessing", "pad_value") != 0
        || !"centre".equals(f.text("input", "preprocessing", "align"))) {
      throw invalid(
          path, "input.preprocessing: only keep_aspect, pad_value 0, centre is implemented");
    }
    if (!f.node("calibration", "applied_in_graph").asBoolean(false)) {
      throw invalid(path, "calibration.applied_in_graph must be true: probability is read as is");
    }
    OperatingPoints points = f.points("operating_points");
    Map<Posture, OperatingPoints> twoView = new EnumMap<>(Posture.class);
    JsonNode configurations = root.path("view_configurations");
    for (Posture p : Posture.values()) {
      String key = p.id() + "_missing";
      if (configurations.has(key)) {
        if (!p.id().equals(f.text("view_configurations", key, "missing"))) {
          throw invalid(path, "view_configurations." + key + ".missing must be " + p.id());
        }
        twoView.put(p, f.points("view_configurations", key, "operating_points"));
      }
    }
    JsonNode cam = f.node("output", "cam", "shape");
    if (!cam.isArray() || cam.size() != 3 || cam.get(0).asInt() != 3) {
      throw invalid(path, "output.cam.shape must be [3, rows, columns]");
    }
    int camRows = cam.get(1).asInt();
    int camColumns = cam.get(2).asInt();
    if (camRows < 1 || camColumns < 1 || camRows > height || camColumns > width) {
      throw invalid(path, "output.cam.shape is out of range");
    }
    return new ModelCard(
        f.text("id"),
        f.text("version"),
        root.path("name").asText(""),
        root.path("synthetic").asBoolean(false),
        root.path("statement").asText(""),
        f.text("file", "name"),
        sha,
        height,
        width,
        f.number("input", "normalisation", "mean"),
        std,
        points.ruleOut(),
        points.ruleIn(),
        camRows,
        camColumns,
        twoView,
        root);
  }

  private static ModelException invalid(Path path, String why) {
    return new ModelException(
        ModelException.Reason.CARD_INVALID, "model card " + path.getFileName() + ": " + why);
  }

  /** Required fields by path, each missing or mistyped one a clear refusal. */
  private record Fields(Path path, JsonNode root) {
    JsonNode node(String... names) throws ModelException {
      JsonNode n = root;
      for (String name : names) {
        n = n.path(name);
      }
      if (n.isMissingNode() || n.isNull()) {
        throw invalid(path, String.join(".", names) + " is missing");
      }
      return n;
    }

    String text(String... names) throws ModelException {
      JsonNode n = node(names);
      if (!n.isTextual() || n.asText().isBlank()) {
        throw invalid(path, String.join(".", names) + " must be a non-empty string");
      }
      return n.asText();
    }

    double number(String... names) throws ModelException {
      JsonNode n = node(names);
      if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
        throw invalid(path, String.join(".", names) + " must be a finite number");
      }
      return n.asDouble();
    }

    /** The rule-out and rule-in thresholds under {@code names}. */
    OperatingPoints points(String... names) throws ModelException {
      String[] out = Arrays.copyOf(names, names.length + 2);
      String[] in = Arrays.copyOf(names, names.length + 2);
      out[names.length] = "rule_out";
      in[names.length] = "rule_in";
      out[names.length + 1] = "threshold";
      in[names.length + 1] = "threshold";
      double ruleOut = number(out);
      double ruleIn = number(in);
      // rule_in may sit a rounding step above 1 when no probability ruled in on validation. A
      // very sharp model may have rule_out above rule_in: rule-in is read first
      // (Interpretation.of).
      if (ruleOut < 0 || ruleOut > 1 || ruleIn < 0 || ruleIn > 1 + 1e-9) {
        throw invalid(path, String.join(".", names) + ": operating points must lie in [0, 1]");
      }
      return new OperatingPoints(ruleOut, ruleIn);
    }

    int integer(int min, int max, String... names) throws ModelException {
      JsonNode n = node(names);
      if (!n.isIntegralNumber() || n.asLong() < min || n.asLong() > max) {
        throw invalid(path, String.join(".", names) + " must be an integer in " + min + ".." + max);
      }
      return n.asInt();
    }
  }
}
