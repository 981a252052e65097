package org.lumbarcds.server.viewer;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.lumbarcds.cds.analysis.StudyAnalyzer;
import org.lumbarcds.cds.result.StoredHeatmaps;
import org.lumbarcds.model.dicom.GreyImage;
import org.lumbarcds.model.inference.Heatmaps;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.Prediction;
import org.lumbarcds.model.inference.Preprocessor;

/**
 * What the viewer shows of a result's views, as PNG: each radiograph as the model read it (grey,
 * bone bright, reduced to at most {@value #MAX_ROWS} rows by block averaging), and each view's
 * class-activation map over the same area (the part of the model's input canvas the image covers),
 * coloured on one scale shared by the three views: red where the view raises the probability, blue
 * where it lowers it, more opaque the larger the contribution.
 *
 * @param views the radiographs, per posture found
 * @param heatmaps the maps, per posture (empty when there are none)
 * @param probability the probability the model gave again (to check against the stored one); empty
 *     when it did not run
 * @param heatmapSource where the maps come from: {@code stored} with the result when it was made,
 *     or {@code recomputed} by the model in use (results stored before heatmaps were kept); null
 *     with none
 */
record Renderings(
    Map<Posture, byte[]> views,
    Map<Posture, byte[]> heatmaps,
    Optional<Double> probability,
    String heatmapSource) {

  static final int MAX_ROWS = 1024;

  /** Maps stored with the result. */
  static final String STORED = "stored";

  /** Maps computed again by the model in use. */
  static final String RECOMPUTED = "recomputed";

  /**
   * Which views and heatmaps there are ({@code GET /viewer/api/{id}/views}), by posture id.
   *
   * @param reproducedProbability the probability the model gave again; left out when it did not run
   * @param heatmapSource {@code stored} or {@code recomputed}; left out without heatmaps
   */
  record Available(
      List<String> views,
      List<String> heatmaps,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double reproducedProbability,
      @JsonInclude(JsonInclude.Include.NON_NULL) String heatmapSource) {}

  /** What there is to show. */
  Available available() {
    return new Available(
        views.keySet().stream().map(Posture::id).toList(),
        heatmaps.keySet().stream().map(Posture::id).toList(),
        probability.orElse(null),
        heatmaps.isEmpty() ? null : heatmapSource);
  }

  /** The radiographs, and the heatmaps the model in use computed again on them, if it ran. */
  static Renderings of(StudyAnalyzer.Reproduction reproduction, Preprocessor preprocessor) {
    Optional<StoredHeatmaps> maps =
        reproduction
            .prediction()
            .map(p -> StoredHeatmaps.of(p, reproduction.images(), preprocessor));
    return of(
        reproduction.images(),
        maps,
        reproduction.prediction().map(Prediction::probability),
        RECOMPUTED);
  }

  /** The radiographs, and the heatmaps stored with the result. */
  static Renderings of(Map<Posture, GreyImage> images, StoredHeatmaps stored) {
    return of(images, Optional.of(stored), Optional.empty(), STORED);
  }

  private static Renderings of(
      Map<Posture, GreyImage> images,
      Optional<StoredHeatmaps> maps,
      Optional<Double> probability,
      String source) {
    Map<Posture, byte[]> views = new EnumMap<>(Posture.class);
    Map<Posture, byte[]> heatmaps = new EnumMap<>(Posture.class);
    images.forEach((posture, image) -> views.put(posture, png(grey(image))));
    maps.ifPresent(
        m -> {
          double scale = 0;
          for (StoredHeatmaps.View view : m.views().values()) {
            for (float v : view.cam().values()) {
              scale = Math.max(scale, Math.abs(v));
            }
          }
          for (Map.Entry<Posture, StoredHeatmaps.View> e : m.views().entrySet()) {
            if (images.containsKey(e.getKey())) {
              StoredHeatmaps.View view = e.getValue();
              heatmaps.put(
                  e.getKey(),
                  png(
                      heatmap(
                          view.cam(), view.placement(), m.canvasRows(), m.canvasColumns(), scale)));
            }
          }
        });
    return new Renderings(views, heatmaps, probability, source);
  }

  /** The image reduced by an integer factor (mean of each block), as 8-bit grey. */
  static BufferedImage grey(GreyImage image) {
    int factor = Math.max(1, (image.rows() + MAX_ROWS - 1) / MAX_ROWS);
    int rows = image.rows() / factor;
    int columns = image.columns() / factor;
    BufferedImage out = new BufferedImage(columns, rows, BufferedImage.TYPE_BYTE_GRAY);
    byte[] data = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
    float[] pixels = image.pixels();
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        double sum = 0;
        for (int dr = 0; dr < factor; dr++) {
          int base = (r * factor + dr) * image.columns() + c * factor;
          for (int dc = 0; dc < factor; dc++) {
            sum += pixels[base + dc];
          }
        }
        double v = sum / (factor * factor);
        data[r * columns + c] = (byte) Math.round(Math.min(1, Math.max(0, v)) * 255);
      }
    }
    return out;
  }

  /**
   * The map over the image's part of the input canvas, bilinear between cell centres, one pixel per
   * canvas pixel (the page stretches it over the radiograph: the same aspect).
   */
  static BufferedImage heatmap(
      Prediction.Cam cam,
      Preprocessor.Placement placement,
      int canvasRows,
      int canvasColumns,
      double scale) {
    BufferedImage out =
        new BufferedImage(placement.columns(), placement.rows(), BufferedImage.TYPE_INT_ARGB);
    double cellRows = (double) canvasRows / cam.rows();
    double cellColumns = (double) canvasColumns / cam.columns();
    for (int y = 0; y < placement.rows(); y++) {
      double gy = (placement.top() + y + 0.5) / cellRows - 0.5;
      for (int x = 0; x < placement.columns(); x++) {
        double gx = (placement.left() + x + 0.5) / cellColumns - 0.5;
        double v = Heatmaps.bilinear(cam, gy, gx);
        double t = scale > 0 ? Math.min(1, Math.abs(v) / scale) : 0;
        int alpha = (int) Math.round(210 * t);
        int rgb = v >= 0 ? warm(t) : 0x0050FF;
        out.setRGB(x, y, (alpha << 24) | rgb);
      }
    }
    return out;
  }

  private static int warm(double t) {
    // red for small contributions, through orange to yellow for the largest
    int green = (int) Math.round(220 * t);
    return (255 << 16) | (green << 8) | 32;
  }

  private static byte[] png(BufferedImage image) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
