package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomException.Reason.MALFORMED;

import com.github.jaiimageio.jpeg2000.impl.J2KImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;
import java.awt.image.Raster;
import java.io.IOException;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;

/**
 * JPEG (baseline, extended, lossless) through TwelveMonkeys and JPEG 2000 through jai-imageio, both
 * as Image I/O plugins. Frames are read as rasters, so no colour conversion happens here; the
 * frame's size is checked against the dataset before any pixel is decoded, so a codestream that
 * claims a huge image cannot allocate it.
 */
enum ImageIoDecoder {
  JPEG("JPEG", twelveMonkeysJpeg()),
  JPEG_2000("JPEG 2000", new J2KImageReaderSpi());

  private final String codec;
  private final ImageReaderSpi provider;

  ImageIoDecoder(String codec, ImageReaderSpi provider) {
    this.codec = codec;
    this.provider = provider;
  }

  /**
   * TwelveMonkeys' reader wraps the JDK's and finds it when registered; registering it is what
   * Image I/O's own plugin scan would do. The instance is kept so the choice never depends on
   * registry order.
   */
  private static ImageReaderSpi twelveMonkeysJpeg() {
    ImageReaderSpi spi = new JPEGImageReaderSpi();
    IIORegistry.getDefaultInstance().registerServiceProvider(spi, ImageReaderSpi.class);
    return spi;
  }

  /** One frame's samples, interleaved by pixel, as the codestream holds them. */
  int[] decode(byte[] frame, PixelFormat format) throws DicomException {
    if (this == JPEG) {
      JpegHeader header = JpegHeader.parse(frame);
      if (header != null) {
        header.checkDecodable();
      }
    } else {
      J2kHeader.check(frame, format);
    }
    ImageReader reader = null;
    try (ImageInputStream in = new BoundedImageInputStream(frame)) {
      reader = provider.createReaderInstance();
      reader.setInput(in, true, true);
      int width = reader.getWidth(0);
      int height = reader.getHeight(0);
      format.checkCodestreamSize(codec, width, height);
      Raster raster = reader.readRaster(0, null);
      if (raster.getNumBands() != format.samplesPerPixel()
          || raster.getWidth() != width
          || raster.getHeight() != height) {
        throw new DicomException(
            MALFORMED,
            codec
                + " frame has "
                + raster.getNumBands()
                + " components, the dataset says "
                + format.samplesPerPixel());
      }
      return raster.getPixels(raster.getMinX(), raster.getMinY(), width, height, (int[]) null);
    } catch (DicomException e) {
      throw e;
    } catch (IOException e) {
      throw new DicomException(MALFORMED, codec + " frame could not be decoded: " + e.getMessage());
    } catch (VirtualMachineError e) {
      throw e;
    } catch (RuntimeException | Error e) {
      // The codecs signal some corrupt streams with unchecked exceptions, and jj2000 with an
      // Error (NotImplementedError among them).
      throw new DicomException(
          MALFORMED, codec + " frame could not be decoded: " + e.getClass().getSimpleName());
    } finally {
      if (reader != null) {
        reader.dispose();
      }
    }
  }
}
