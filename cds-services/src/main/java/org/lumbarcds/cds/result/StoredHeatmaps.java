package org.lumbarcds.cds.result;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.model.dicom.GreyImage;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.Prediction;
import org.lumbarcds.model.inference.Preprocessor;

/**
 * The heatmaps behind a result, stored with it when it is written: each view's map as the model
 * output it (its cells, in the model's input canvas) and where the view's image lies on that
 * canvas, so the viewer draws them without fetching the study for the model or running it again.
 * Compact (a few kB of JSON in a FHIR Binary), and the model's own output: nothing is resampled
 * until it is drawn. The result's Observation names the Binary in the extension {@link
 * #EXTENSION_URL}; results written before this have none, and the viewer computes theirs again.
 *
 * @param modelId the model that made the maps (card id)
 * @param modelVersion its card version
 * @param canvasRows the model input's rows
 * @param canvasColumns the model input's columns
 * @param views the maps of the views the model read, by posture
 */
public record StoredHeatmaps(
    String modelId,
    String modelVersion,
    int canvasRows,
    int canvasColumns,
    Map<Posture, View> views) {

  /** The Observation extension naming the Binary (valueReference). */
  public static final String EXTENSION_URL =
      "http://lumbarcds.org/fhir/StructureDefinition/ai-result-heatmaps";

  /** The Binary's content type. */
  public static final String CONTENT_TYPE = "application/json";

  /** The JSON's {@code format}: a reader refuses any other. */
  static final String FORMAT = "lumbarcds-heatmaps/1";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One view's map.
   *
   * @param placement where the view's image lies on the model's input canvas
   * @param cam the map as the model output it
   */
  public record View(Preprocessor.Placement placement, Prediction.Cam cam) {}

  public StoredHeatmaps {
    Map<Posture, View> copy = new EnumMap<>(Posture.class);
    copy.putAll(views);
    views = Collections.unmodifiableMap(copy);
  }

  /** The maps of a prediction, placed as the preprocessor placed each view's image. */
  public static StoredHeatmaps of(
      Prediction prediction, Map<Posture, GreyImage> images, Preprocessor preprocessor) {
    Map<Posture, View> views = new EnumMap<>(Posture.class);
    prediction
        .cams()
        .forEach(
            (posture, cam) -> {
              GreyImage image = images.get(posture);
              if (image != null) {
                views.put(
                    posture, new View(preprocessor.placement(image.rows(), image.columns()), cam));
              }
            });
    return new StoredHeatmaps(
        prediction.model().id(),
        prediction.model().version(),
        preprocessor.height(),
        preprocessor.width(),
        views);
  }

  /** The Binary holding these maps. */
  public Binary toBinary() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.putObject("model").put("id", modelId).put("version", modelVersion);
    root.putArray("canvas").add(canvasRows).add(canvasColumns);
    ObjectNode out = root.putObject("views");
    views.forEach(
        (posture, view) -> {
          ObjectNode v = out.putObject(posture.id());
          Preprocessor.Placement p = view.placement();
          v.putArray("placement").add(p.top()).add(p.left()).add(p.rows()).add(p.columns());
          v.putArray("cells").add(view.cam().rows()).add(view.cam().columns());
          ArrayNode values = v.putArray("values");
          for (float f : view.cam().values()) {
            values.add(f);
          }
        });
    try {
      return new Binary().setContentType(CONTENT_TYPE).setData(JSON.writeValueAsBytes(root));
    } catch (IOException e) {
      throw new IllegalStateException("heatmaps cannot be written as JSON", e);
    }
  }

  /**
   * Reads a Binary this class wrote.
   *
   * @throws IllegalArgumentException when it is not one (another format, sizes that do not agree)
   */
  public static StoredHeatmaps fromBinary(Binary binary) {
    JsonNode root;
    try {
      root = JSON.readTree(binary.getData());
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("the heatmaps are not JSON", e);
    }
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new IllegalArgumentException("the heatmaps are not in format " + FORMAT);
    }
    Map<Posture, View> views = new EnumMap<>(Posture.class);
    for (Posture posture : Posture.values()) {
      JsonNode v = root.path("views").path(posture.id());
      if (v.isMissingNode()) {
        continue;
      }
      int rows = v.path("cells").path(0).asInt();
      int columns = v.path("cells").path(1).asInt();
      JsonNode values = v.path("values");
      if (rows < 1 || columns < 1 || !values.isArray() || values.size() != rows * columns) {
        throw new IllegalArgumentException("the " + posture.id() + " map's sizes do not agree");
      }
      float[] cells = new float[values.size()];
      for (int i = 0; i < cells.length; i++) {
        cells[i] = (float) values.get(i).asDouble();
      }
      JsonNode p = v.path("placement");
      views.put(
          posture,
          new View(
              new Preprocessor.Placement(
                  p.path(0).asInt(), p.path(1).asInt(), p.path(2).asInt(), p.path(3).asInt()),
              new Prediction.Cam(rows, columns, cells)));
    }
    return new StoredHeatmaps(
        root.path("model").path("id").asText(),
        root.path("model").path("version").asText(),
        root.path("canvas").path(0).asInt(),
        root.path("canvas").path(1).asInt(),
        views);
  }

  /** Names the Binary (its reference or placeholder) in a result Observation. */
  public static void link(Observation result, String binaryReference) {
    result.addExtension(new Extension(EXTENSION_URL, new Reference(binaryReference)));
  }

  /** The Binary a result names, if it has stored heatmaps. */
  public static Optional<String> reference(Observation result) {
    return result.getExtensionsByUrl(EXTENSION_URL).stream()
        .map(Extension::getValue)
        .filter(Reference.class::isInstance)
        .map(v -> ((Reference) v).getReference())
        .filter(r -> r != null && !r.isBlank())
        .findFirst();
  }
}
