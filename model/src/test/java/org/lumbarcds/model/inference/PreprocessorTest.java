package org.lumbarcds.model.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.lumbarcds.model.dicom.GreyImage;

class PreprocessorTest {

  @Test
  void integerFactorsAverageBlocks() {
    float[] pixels = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    double[] out = Preprocessor.resize(pixels, 4, 4, 2, 2);
    assertArrayEquals(new double[] {3.5, 5.5, 11.5, 13.5}, out, 1e-12);
  }

  @Test
  void fractionalFactorsWeighByOverlap() {
    // three columns onto two: each output covers 1.5 inputs
    double[] out = Preprocessor.resize(new float[] {0, 3, 6}, 1, 3, 1, 2);
    assertArrayEquals(new double[] {(0 + 0.5 * 3) / 1.5, (0.5 * 3 + 6) / 1.5}, out, 1e-12);
  }

  @Test
  void theAspectIsKeptAndTheRestPaddedWithBlack() {
    Preprocessor p = new Preprocessor(8, 4, 0.5, 0.25);
    Preprocessor.Placement place = p.placement(2, 2);
    assertEquals(new Preprocessor.Placement(2, 0, 4, 4), place);
    float[] in = p.input(new GreyImage(2, 2, new float[] {1, 1, 1, 1}, "", false, ""));
    float black = (0 - 0.5f) / 0.25f;
    float white = (1 - 0.5f) / 0.25f;
    assertEquals(black, in[0]);
    assertEquals(white, in[2 * 4]);
    assertEquals(white, in[5 * 4 + 3]);
    assertEquals(black, in[6 * 4]);
  }

  @Test
  void roundingIsHalfToEvenAsInPython() {
    // 5 x 3 into 8 x 8: scale 1.6, 3 * 1.6 = 4.8 -> 5; 10 x 5 into 9 x 9: 5 * 0.9 = 4.5 -> 4
    assertEquals(5, new Preprocessor(8, 8, 0, 1).placement(5, 3).columns());
    assertEquals(4, new Preprocessor(9, 9, 0, 1).placement(10, 5).columns());
  }
}
