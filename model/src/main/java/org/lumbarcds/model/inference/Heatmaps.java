package org.lumbarcds.model.inference;

import java.awt.image.BufferedImage;
import org.lumbarcds.model.dicom.GreyImage;

/**
 * Class-activation maps drawn over the view they explain, for a person checking a study by hand:
 * cells that pushed the fused result towards stenosis in warm colours, the rest left grey.
 */
public final class Heatmaps {

  private Heatmaps() {}

  /** The largest positive CAM cell over all views: one scale, so views compare. */
  public static double scale(Prediction prediction) {
    double max = 0;
    for (Prediction.Cam cam : prediction.cams().values()) {
      for (float v : cam.values()) {
        max = Math.max(max, v);
      }
    }
    return max;
  }

  /**
   * The view with its map laid over it.
   *
   * @param image the view as the model saw it before resizing
   * @param cam its map over the model's input canvas
   * @param preprocessor where the view sat on that canvas
   * @param scale the CAM value drawn at full strength ({@link #scale})
   * @param maxSide the longest side of the picture
   */
  public static BufferedImage overlay(
      GreyImage image, Prediction.Cam cam, Preprocessor preprocessor, double scale, int maxSide) {
    int rows = image.rows();
    int columns = image.columns();
    double shrink = Math.min(1.0, (double) maxSide / Math.max(rows, columns));
    int outRows = Math.max(1, (int) Math.round(rows * shrink));
    int outColumns = Math.max(1, (int) Math.round(columns * shrink));
    Preprocessor.Placement place = preprocessor.placement(rows, columns);
    int canvasRows = preprocessor.height();
    int canvasColumns = preprocessor.width();
    BufferedImage out = new BufferedImage(outColumns, outRows, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < outRows; i++) {
      double r = (i + 0.5) * rows / outRows;
      double camY = (place.top() + r * place.rows() / rows) * cam.rows() / canvasRows - 0.5;
      int sourceRow = Math.min(rows - 1, (int) r);
      for (int j = 0; j < outColumns; j++) {
        double c = (j + 0.5) * columns / outColumns;
        double camX =
            (place.left() + c * place.columns() / columns) * cam.columns() / canvasColumns - 0.5;
        double grey = image.pixels()[sourceRow * columns + Math.min(columns - 1, (int) c)];
        double v = scale > 0 ? Math.max(0, bilinear(cam, camY, camX)) / scale : 0;
        v = Math.min(1, v);
        double alpha = 0.6 * v;
        // red rising to yellow with strength
        double red = 1.0;
        double green = v;
        double blue = 0.0;
        int rr = channel(grey * (1 - alpha) + red * alpha);
        int gg = channel(grey * (1 - alpha) + green * alpha);
        int bb = channel(grey * (1 - alpha) + blue * alpha);
        out.setRGB(j, i, (rr << 16) | (gg << 8) | bb);
      }
    }
    return out;
  }

  private static int channel(double value) {
    return (int) Math.round(Math.max(0, Math.min(1, value)) * 255);
  }

  /** The map's value at a point between cell centres (cell units; clamped at the edges). */
  public static double bilinear(Prediction.Cam cam, double y, double x) {
    y = Math.max(0, Math.min(cam.rows() - 1, y));
    x = Math.max(0, Math.min(cam.columns() - 1, x));
    int y0 = (int) Math.floor(y);
    int x0 = (int) Math.floor(x);
    int y1 = Math.min(cam.rows() - 1, y0 + 1);
    int x1 = Math.min(cam.columns() - 1, x0 + 1);
    double fy = y - y0;
    double fx = x - x0;
    float[] v = cam.values();
    int w = cam.columns();
    double top = v[y0 * w + x0] * (1 - fx) + v[y0 * w + x1] * fx;
    double bottom = v[y1 * w + x0] * (1 - fx) + v[y1 * w + x1] * fx;
    return top * (1 - fy) + bottom * fy;
  }
}
