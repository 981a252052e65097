package org.lumbarcds.model.dicom;

import java.util.List;

/**
 * Decoded pixels: the stored values of each frame, sign-extended where the pixel representation is
 * signed, samples interleaved (colour-by-pixel) whatever the encoding's planar configuration.
 * Colour in YBR is converted to RGB, so {@link PixelFormat#photometric()} is RGB for every colour
 * image and {@link PixelFormat#planarConfiguration()} 0.
 *
 * @param format the layout the values follow
 * @param frames one array of {@code rows × columns × samples} values per frame
 */
public record DicomImage(PixelFormat format, List<int[]> frames) {

  /** The value of one sample, row-major. */
  public int sample(int frame, int row, int column, int sample) {
    return frames.get(frame)[(row * format.columns() + column) * format.samplesPerPixel() + sample];
  }
}
