package org.lumbarcds.model.dicom;

/**
 * Bounds against hostile input: every one is checked before memory is allocated for it.
 *
 * @param maxFileBytes largest input accepted
 * @param maxInflatedBytes largest dataset a deflated file may expand to
 * @param maxDepth deepest nesting of sequences
 * @param maxElements most data elements in the whole file, items included
 * @param maxPixels most samples an image may decode to: rows × columns × samples per pixel × frames
 */
public record DicomLimits(
    long maxFileBytes, long maxInflatedBytes, int maxDepth, int maxElements, long maxPixels) {

  /**
   * Room for a 16-bit 3500 × 3500 radiograph with its header, and then some; decoded, an image may
   * hold 40 million samples (160 MB as {@code int}).
   */
  public static final DicomLimits DEFAULT =
      new DicomLimits(256L << 20, 512L << 20, 16, 200_000, 40_000_000L);
}
