package org.lumbarcds.model.inference;

import java.util.Arrays;
import org.lumbarcds.model.dicom.GreyImage;

/**
 * Grey image to model input, as the card says and {@code
 * model/training/lumbarcds_training/preprocess.py} does: aspect-preserving area-averaged resize,
 * centred on a canvas of zeros, then {@code (x - mean) / std}. Stateless and thread-safe.
 */
public final class Preprocessor {

  private final int height;
  private final int width;
  private final double mean;
  private final double std;

  public Preprocessor(ModelCard card) {
    this(card.height(), card.width(), card.mean(), card.std());
  }

  /** A preprocessor for an input of {@code height x width}, normalised with mean and std. */
  public Preprocessor(int height, int width, double mean, double std) {
    this.height = height;
    this.width = width;
    this.mean = mean;
    this.std = std;
  }

  /** Input rows per view. */
  public int height() {
    return height;
  }

  /** Input columns per view. */
  public int width() {
    return width;
  }

  /**
   * Where an image of {@code rows} x {@code columns} lands on the input canvas.
   *
   * @param top first canvas row of the image
   * @param left first canvas column of the image
   * @param rows canvas rows the image covers
   * @param columns canvas columns the image covers
   */
  public record Placement(int top, int left, int rows, int columns) {}

  /** The aspect-preserving fit; rounding half to even, as Python's {@code round}. */
  public Placement placement(int rows, int columns) {
    double scale = Math.min((double) height / rows, (double) width / columns);
    int h = (int) Math.max(1, Math.min(height, Math.rint(rows * scale)));
    int w = (int) Math.max(1, Math.min(width, Math.rint(columns * scale)));
    return new Placement((height - h) / 2, (width - w) / 2, h, w);
  }

  /** The normalised input, row-major {@code height x width}. */
  public float[] input(GreyImage image) {
    Placement p = placement(image.rows(), image.columns());
    double[] resized = resize(image.pixels(), image.rows(), image.columns(), p.rows(), p.columns());
    float background = (float) ((0.0 - mean) / std);
    float[] out = new float[height * width];
    Arrays.fill(out, background);
    for (int r = 0; r < p.rows(); r++) {
      int dst = (p.top() + r) * width + p.left();
      int src = r * p.columns();
      for (int c = 0; c < p.columns(); c++) {
        out[dst + c] = (float) ((resized[src + c] - mean) / std);
      }
    }
    return out;
  }

  /** Separable area averaging: each output cell the mean of the input area it covers. */
  static double[] resize(float[] pixels, int rows, int columns, int outRows, int outColumns) {
    Weights wr = Weights.area(rows, outRows);
    Weights wc = Weights.area(columns, outColumns);
    double[] tmp = new double[outRows * columns];
    for (int i = 0; i < outRows; i++) {
      int base = i * columns;
      for (int k = wr.start[i]; k < wr.start[i + 1]; k++) {
        int src = wr.index[k] * columns;
        double w = wr.weight[k];
        for (int c = 0; c < columns; c++) {
          tmp[base + c] += w * pixels[src + c];
        }
      }
    }
    double[] out = new double[outRows * outColumns];
    for (int i = 0; i < outRows; i++) {
      int src = i * columns;
      int dst = i * outColumns;
      for (int j = 0; j < outColumns; j++) {
        double sum = 0;
        for (int k = wc.start[j]; k < wc.start[j + 1]; k++) {
          sum += wc.weight[k] * tmp[src + wc.index[k]];
        }
        out[dst + j] = sum;
      }
    }
    return out;
  }

  /** Sparse rows of the area-averaging matrix: output i reads index[start[i] .. start[i+1]). */
  private record Weights(int[] start, int[] index, double[] weight) {
    static Weights area(int in, int out) {
      double scale = (double) in / out;
      int[] start = new int[out + 1];
      int capacity = (int) Math.ceil(scale + 2) * out;
      int[] index = new int[capacity];
      double[] weight = new double[capacity];
      int k = 0;
      for (int i = 0; i < out; i++) {
        double from = i * scale;
        double to = (i + 1) * scale;
        int last = Math.min(in, (int) Math.ceil(to));
        for (int j = (int) Math.floor(from); j < last; j++) {
          double overlap = Math.min(to, j + 1) - Math.max(from, j);
          if (overlap > 0) {
            index[k] = j;
            weight[k++] = overlap / scale;
          }
        }
        start[i + 1] = k;
      }
      return new Weights(start, index, weight);
    }
  }
}
