package org.lumbarcds.model.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomDatasetBuilder;
import org.lumbarcds.model.dicom.GreyImage;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.model.dicom.Vr;

class OrientationTest {

  // 2 rows x 3 columns
  private static final GreyImage IMAGE =
      new GreyImage(2, 3, new float[] {1, 2, 3, 4, 5, 6}, "window", true, "FOR PRESENTATION");

  private static DicomDataset oriented(String... values) {
    return new DicomDatasetBuilder().text(Tags.PATIENT_ORIENTATION, Vr.CS, values).build();
  }

  @Test
  void aPatientFacingRightIsMirrored() {
    Orientation.Oriented o = Orientation.canonical(IMAGE, oriented("A", "F"));
    assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4}, o.image().pixels());
    assertTrue(o.mirrored());
    assertFalse(o.flipped());
    assertTrue(o.evidence().contains("A\\F"), o.evidence());
    assertTrue(o.image().inverted(), "the rest of the rendering is kept");
  }

  @Test
  void anUpsideDownViewIsFlippedAndBothMakeAHalfTurn() {
    assertArrayEquals(
        new float[] {4, 5, 6, 1, 2, 3},
        Orientation.canonical(IMAGE, oriented("P", "H")).image().pixels());
    Orientation.Oriented both = Orientation.canonical(IMAGE, oriented("AF", "HP"));
    assertArrayEquals(new float[] {6, 5, 4, 3, 2, 1}, both.image().pixels());
    assertTrue(both.mirrored() && both.flipped());
  }

  @Test
  void theModelsFacingAndUnknownOrOddOnesAreLeftAsTheyAre() {
    for (DicomDataset header :
        new DicomDataset[] {
          oriented("P", "F"),
          oriented("p", "f"),
          new DicomDatasetBuilder().build(),
          oriented("A"),
          oriented("F", "A"), // turned by 90 degrees
          oriented("L", "F"), // not a lateral
          oriented("", "F"),
        }) {
      Orientation.Oriented o = Orientation.canonical(IMAGE, header);
      assertSame(IMAGE, o.image(), o.evidence());
      assertFalse(o.mirrored() || o.flipped());
    }
  }
}
