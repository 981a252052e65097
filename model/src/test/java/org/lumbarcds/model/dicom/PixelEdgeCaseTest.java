package org.lumbarcds.model.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pixel layouts third-party tools rarely write, and pixel data that lies: each either decodes to
 * the values the standard defines or ends in a typed {@link DicomException} before allocating.
 */
class PixelEdgeCaseTest {

  private final PixelDecoder decoder = new PixelDecoder();

  /** A native little endian 16-bit image of the given attributes. */
  private static DicomDataset image(
      int rows, int columns, int stored, int highBit, boolean signed) {
    DicomDataset ds = new DicomDataset(ByteOrder.LITTLE_ENDIAN, StandardCharsets.ISO_8859_1);
    ds.put(us(Tags.ROWS, rows));
    ds.put(us(Tags.COLUMNS, columns));
    ds.put(us(Tags.SAMPLES_PER_PIXEL, 1));
    ds.put(text(Tags.PHOTOMETRIC_INTERPRETATION, Vr.CS, "MONOCHROME2"));
    ds.put(us(Tags.BITS_ALLOCATED, 16));
    ds.put(us(Tags.BITS_STORED, stored));
    ds.put(us(Tags.HIGH_BIT, highBit));
    ds.put(us(Tags.PIXEL_REPRESENTATION, signed ? 1 : 0));
    return ds;
  }

  private static DicomElement us(int tag, int... values) {
    return us(ByteOrder.LITTLE_ENDIAN, tag, values);
  }

  private static DicomElement us(ByteOrder order, int tag, int... values) {
    return new DicomElement(tag, Vr.US, words(tag, order, values).value(), List.of(), List.of());
  }

  private static DicomElement text(int tag, Vr vr, String value) {
    return new DicomElement(
        tag, vr, value.getBytes(StandardCharsets.US_ASCII), List.of(), List.of());
  }

  private static DicomElement words(int tag, ByteOrder order, int... values) {
    ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(order);
    for (int v : values) {
      b.putShort((short) v);
    }
    return new DicomElement(tag, Vr.OW, b.array(), List.of(), List.of());
  }

  private static DicomFile file(DicomDataset ds, TransferSyntax syntax) {
    return new DicomFile(
        new DicomDataset(ByteOrder.LITTLE_ENDIAN, StandardCharsets.ISO_8859_1), ds, syntax);
  }

  private static DicomFile fixture(String name) throws IOException {
    return TestResources.dicom("/dicom/pixels/" + name);
  }

  private static void assertRefused(ThrowingCall call, DicomException.Reason reason) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            DicomException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @FunctionalInterface
  private interface ThrowingCall {
    void run() throws Exception;
  }

  @Test
  void highBitAboveTheStoredBitsShiftsAndSignedValuesAreSignExtended() throws Exception {
    // 12 bits stored in bits 15..4, signed; the low 4 bits hold an overlay that must be dropped
    DicomDataset ds = image(1, 3, 12, 15, true);
    ds.put(words(Tags.PIXEL_DATA, ByteOrder.LITTLE_ENDIAN, 0x7FFF, 0x800A, 0x0015));
    DicomImage image = decoder.decode(file(ds, TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN));
    assertThat(image.frames().get(0)).containsExactly(2047, -2048, 1);
  }

  @Test
  void bigEndianEightBitSamplesInOwAreSwappedInPairs() throws Exception {
    DicomDataset ds = new DicomDataset(ByteOrder.BIG_ENDIAN, StandardCharsets.ISO_8859_1);
    ByteOrder big = ByteOrder.BIG_ENDIAN;
    ds.put(us(big, Tags.ROWS, 1));
    ds.put(us(big, Tags.COLUMNS, 4));
    ds.put(us(big, Tags.SAMPLES_PER_PIXEL, 1));
    ds.put(text(Tags.PHOTOMETRIC_INTERPRETATION, Vr.CS, "MONOCHROME2"));
    ds.put(us(big, Tags.BITS_ALLOCATED, 8));
    ds.put(us(big, Tags.BITS_STORED, 8));
    // samples 1, 2, 3, 4 as big endian 16-bit words: 0x0201, 0x0403
    ds.put(new DicomElement(Tags.PIXEL_DATA, Vr.OW, new byte[] {2, 1, 4, 3}, List.of(), List.of()));
    DicomImage image = decoder.decode(file(ds, TransferSyntax.EXPLICIT_VR_BIG_ENDIAN));
    assertThat(image.frames().get(0)).containsExactly(1, 2, 3, 4);
  }

  @Test
  void oneFrameOfAMultiFrameImage() throws Exception {
    DicomFile file = fixture("multi16/jpeg-lossless-sv1-dcmtk.dcm");
    DicomImage all = decoder.decode(file);
    DicomImage second = decoder.decodeFrame(file, 1);
    assertThat(second.format().frames()).isEqualTo(1);
    assertThat(second.frames().get(0)).containsExactly(all.frames().get(1));
    assertThatThrownBy(() -> decoder.decodeFrame(file, 3))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void theExtendedOffsetTableSplitsFramesWhenTheBasicOneIsEmpty() throws Exception {
    DicomFile file = fixture("multi16/rle-dcmtk.dcm");
    DicomImage expected = decoder.decode(file);
    DicomElement pixels = file.dataset().get(Tags.PIXEL_DATA).orElseThrow();
    List<byte[]> fragments = new ArrayList<>();
    fragments.add(new byte[0]);
    // each frame split over two fragments, so only an offset table can group them
    ByteBuffer offsets = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    long at = 0;
    for (byte[] frame : pixels.fragments().subList(1, pixels.fragments().size())) {
      offsets.putLong(at);
      int half = frame.length / 2 & ~1;
      fragments.add(Arrays.copyOfRange(frame, 0, half));
      fragments.add(Arrays.copyOfRange(frame, half, frame.length));
      at += 8 + half + 8 + (frame.length - half);
    }
    file.dataset().put(new DicomElement(Tags.PIXEL_DATA, Vr.OB, new byte[0], List.of(), fragments));
    file.dataset()
        .put(
            new DicomElement(
                Tags.EXTENDED_OFFSET_TABLE, Vr.OV, offsets.array(), List.of(), List.of()));
    DicomImage split = decoder.decode(file);
    for (int f = 0; f < 3; f++) {
      assertThat(split.frames().get(f)).containsExactly(expected.frames().get(f));
    }

    // an offset that is not where a fragment starts is refused
    offsets.putLong(8, 12);
    assertRefused(() -> decoder.decode(file), DicomException.Reason.MALFORMED);
  }

  @Test
  void theImageSizeIsCheckedBeforeAnythingIsAllocated() {
    DicomDataset ds = image(65535, 65535, 16, 15, false);
    ds.put(text(Tags.NUMBER_OF_FRAMES, Vr.IS, "1000"));
    ds.put(words(Tags.PIXEL_DATA, ByteOrder.LITTLE_ENDIAN, 1, 2));
    assertRefused(
        () -> decoder.decode(file(ds, TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN)),
        DicomException.Reason.LIMIT_EXCEEDED);
  }

  @Test
  void pixelDataShorterThanTheImageIsTruncated() {
    DicomDataset ds = image(4, 4, 12, 11, false);
    ds.put(words(Tags.PIXEL_DATA, ByteOrder.LITTLE_ENDIAN, new int[15]));
    assertRefused(
        () -> decoder.decode(file(ds, TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN)),
        DicomException.Reason.TRUNCATED);
  }

  @Test
  void inconsistentOrUnsupportedLayoutsAreRefusedByKind() {
    DicomDataset noPixels = image(2, 2, 12, 11, false);
    assertRefused(
        () -> decoder.decode(file(noPixels, TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN)),
        DicomException.Reason.NO_PIXEL_DATA);

    DicomDataset floats = image(2, 2, 12, 11, false);
    floats.put(new DicomElement(Tags.FLOAT_PIXEL_DATA, Vr.OF, new byte[16], List.of(), List.of()));
    assertRefused(
        () -> decoder.decode(file(floats, TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN)),
        DicomException.Reason.UNSUPPORTED_IMAGE);

    DicomDataset highBit = image(2, 2, 12, 2, false);
    highBit.put(words(Tags.PIXEL_DATA, ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4));
    assertRefused(
        () -> decoder.decode(file(highBit, TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN)),
        DicomException.Reason.MALFORMED);

    DicomDataset oneBit = image(2, 2, 1, 0, false);
    oneBit.put(us(Tags.BITS_ALLOCATED, 1));
    oneBit.put(words(Tags.PIXEL_DATA, ByteOrder.LITTLE_ENDIAN, 1));
    assertRefused(
        () -> decoder.decode(file(oneBit, TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN)),
        DicomException.Reason.UNSUPPORTED_IMAGE);

    DicomDataset badNumber = image(2, 2, 12, 11, false);
    badNumber.put(text(Tags.NUMBER_OF_FRAMES, Vr.IS, "two"));
    badNumber.put(words(Tags.PIXEL_DATA, ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4));
    assertRefused(
        () -> decoder.decode(file(badNumber, TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN)),
        DicomException.Reason.MALFORMED);
  }

  @Test
  void aCodestreamWhoseSizeDisagreesWithTheDatasetIsRefusedBeforeDecoding() throws Exception {
    for (String name : List.of("mono8/jpeg-baseline-dcmtk.dcm", "mono8/j2k-gdcm.dcm")) {
      DicomFile file = fixture(name);
      file.dataset().put(us(Tags.ROWS, 47));
      assertThatThrownBy(() -> decoder.decode(file))
          .isInstanceOf(DicomException.class)
          .hasMessageContaining("64 × 48, the dataset says 64 × 47");
    }
  }

  @Test
  void corruptRleFramesAreRefused() throws Exception {
    DicomFile file = fixture("mono16/rle-dcmtk.dcm");
    DicomElement pixels = file.dataset().get(Tags.PIXEL_DATA).orElseThrow();
    byte[] frame = pixels.fragments().get(1);

    byte[] segments = frame.clone();
    segments[0] = 3; // three segments for a 16-bit greyscale image
    assertRefused(() -> decodeRle(file, segments), DicomException.Reason.MALFORMED);

    byte[] offset = frame.clone();
    offset[4] = 10; // first segment inside the header
    assertRefused(() -> decodeRle(file, offset), DicomException.Reason.MALFORMED);

    byte[] cut = Arrays.copyOf(frame, frame.length - 200);
    assertRefused(() -> decodeRle(file, cut), DicomException.Reason.TRUNCATED);

    assertRefused(() -> decodeRle(file, Arrays.copyOf(frame, 40)), DicomException.Reason.TRUNCATED);
  }

  private void decodeRle(DicomFile file, byte[] frame) throws DicomException {
    file.dataset()
        .put(
            new DicomElement(
                Tags.PIXEL_DATA, Vr.OB, new byte[0], List.of(), List.of(new byte[0], frame)));
    decoder.decode(file);
  }
}
