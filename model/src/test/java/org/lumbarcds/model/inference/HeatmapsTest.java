package org.lumbarcds.model.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.lumbarcds.model.dicom.GreyImage;

class HeatmapsTest {

  @Test
  void aCamCellLightsThePartOfTheImageItCovers() {
    // a 64 x 32 image fits an 8 x 8 canvas as 8 x 4 at columns 2..5; the CAM's 2 x 2 cells
    // each cover 4 x 4 canvas pixels, so cell (0, 1) covers the image's top right quarter
    float[] grey = new float[64 * 32];
    Arrays.fill(grey, 0.5f);
    GreyImage image = new GreyImage(64, 32, grey, "", false, "");
    Prediction.Cam cam = new Prediction.Cam(2, 2, new float[] {0, 1, 0, 0});
    BufferedImage out = Heatmaps.overlay(image, cam, new Preprocessor(8, 8, 0, 1), 1.0, 1024);
    assertEquals(64, out.getHeight());
    assertEquals(32, out.getWidth());
    int warm = out.getRGB(30, 5);
    assertTrue(red(warm) > green(warm) && red(warm) > blue(warm) + 100, Integer.toHexString(warm));
    int plain = out.getRGB(2, 60);
    assertEquals(red(plain), green(plain));
    assertEquals(red(plain), blue(plain));
  }

  @Test
  void oneScaleForAllViewsIsTheLargestPositiveCell() {
    Prediction.Cam a = new Prediction.Cam(1, 2, new float[] {-3, 0.5f});
    Prediction.Cam b = new Prediction.Cam(1, 2, new float[] {2, 1});
    Prediction p =
        new Prediction(
            0.5,
            Interpretation.INDETERMINATE,
            0.2,
            0.8,
            java.util.Map.of(),
            java.util.Set.of(),
            java.util.Map.of(Posture.NEUTRAL, a, Posture.FLEXION, b),
            new Prediction.ModelIdentity("m", "1", "0", true));
    assertEquals(2.0, Heatmaps.scale(p), 1e-9);
  }

  private static int red(int rgb) {
    return (rgb >> 16) & 0xff;
  }

  private static int green(int rgb) {
    return (rgb >> 8) & 0xff;
  }

  private static int blue(int rgb) {
    return rgb & 0xff;
  }
}
