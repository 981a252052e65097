package org.lumbarcds.model.dicom;

/**
 * One frame rendered to grey levels for display or a model: {@code 0} is black and {@code 1} white,
 * whatever the photometric interpretation, so bone is bright.
 *
 * @param rows rows
 * @param columns columns
 * @param pixels row-major values in [0, 1]
 * @param voi the VOI stage that was applied, in words (for the result's provenance)
 * @param inverted whether the values were inverted (MONOCHROME1 or an INVERSE presentation LUT)
 * @param presentationIntent Presentation Intent Type (0008,0068): FOR PRESENTATION, FOR PROCESSING,
 *     or empty when the dataset does not say
 */
public record GreyImage(
    int rows,
    int columns,
    float[] pixels,
    String voi,
    boolean inverted,
    String presentationIntent) {}
