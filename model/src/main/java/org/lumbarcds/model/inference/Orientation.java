package org.lumbarcds.model.inference;

import java.util.List;
import java.util.Locale;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.GreyImage;
import org.lumbarcds.model.dicom.Tags;

/**
 * Turns a lateral radiograph to the facing the model reads: the patient facing the image's left
 * (anterior on the left, so each row runs posterior) and the head at the top (each column runs to
 * the feet), Patient Orientation (0020,0020) {@code P\F}. A view whose Patient Orientation says its
 * rows run anterior ({@code A…}: the patient faces right) is mirrored; one whose columns run to the
 * head ({@code H…}: upside down) is flipped top to bottom. The first letter of each value is its
 * main direction (PS3.3 C.7.6.1.1.1). Without the attribute, with other than two values, or with
 * rows not along A/P or columns not along H/F (a view turned by 90 degrees, not a lateral), the
 * image is left as it is: the model was trained mirrored as well (model/training, {@code augment}),
 * so an unknown facing costs little; a turned view is left to the view checks. {@code
 * model/training/lumbarcds_training/preprocess.py} ({@code canonical}) does the same.
 */
public final class Orientation {

  /**
   * What was done to a view.
   *
   * @param image the view, in the model's facing where the header allowed it
   * @param mirrored whether its columns were reversed (the patient faced right)
   * @param flipped whether its rows were reversed (the head was at the bottom)
   * @param evidence the Patient Orientation read, in words
   */
  public record Oriented(GreyImage image, boolean mirrored, boolean flipped, String evidence) {}

  private Orientation() {}

  /** The view in the model's facing, as its Patient Orientation allows. */
  public static Oriented canonical(GreyImage image, DicomDataset header) {
    List<String> values = header.getStrings(Tags.PATIENT_ORIENTATION);
    if (values.size() != 2 || values.get(0).isEmpty() || values.get(1).isEmpty()) {
      return new Oriented(image, false, false, "no Patient Orientation");
    }
    char row = values.get(0).toUpperCase(Locale.ROOT).charAt(0);
    char column = values.get(1).toUpperCase(Locale.ROOT).charAt(0);
    String read = "Patient Orientation " + values.get(0) + "\\" + values.get(1);
    if ((row != 'A' && row != 'P') || (column != 'H' && column != 'F')) {
      return new Oriented(image, false, false, read + ": not a lateral's axes, left as it is");
    }
    boolean mirror = row == 'A';
    boolean flip = column == 'H';
    if (!mirror && !flip) {
      return new Oriented(image, false, false, read);
    }
    int rows = image.rows();
    int columns = image.columns();
    float[] in = image.pixels();
    float[] out = new float[in.length];
    for (int r = 0; r < rows; r++) {
      int src = (flip ? rows - 1 - r : r) * columns;
      int dst = r * columns;
      if (mirror) {
        for (int c = 0; c < columns; c++) {
          out[dst + c] = in[src + columns - 1 - c];
        }
      } else {
        System.arraycopy(in, src, out, dst, columns);
      }
    }
    GreyImage turned =
        new GreyImage(
            rows, columns, out, image.voi(), image.inverted(), image.presentationIntent());
    String done = mirror && flip ? "turned by 180 degrees" : mirror ? "mirrored" : "flipped";
    return new Oriented(turned, mirror, flip, read + ": " + done);
  }
}
