package org.lumbarcds.model.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/**
 * Structures pydicom does not write (undefined lengths, encapsulated fragments) and hostile input:
 * each ends in a typed {@link DicomException} at once.
 */
class HostileInputTest {

  private static final DicomReader READER = new DicomReader();

  /** Explicit VR little endian element writer for hand-built datasets. */
  private static final class Writer {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Writer tag(int tag) {
      return u16(tag >>> 16).u16(tag & 0xffff);
    }

    Writer u16(int v) {
      out.write(v & 0xff);
      out.write((v >>> 8) & 0xff);
      return this;
    }

    Writer u32(long v) {
      return u16((int) (v & 0xffff)).u16((int) ((v >>> 16) & 0xffff));
    }

    Writer text(int tag, String vr, String value) {
      byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
      tag(tag);
      out.writeBytes(vr.getBytes(StandardCharsets.US_ASCII));
      u16(bytes.length);
      out.writeBytes(bytes);
      return this;
    }

    /** A header with two reserved bytes and a 32-bit length (OB, OW, SQ, UN ...). */
    Writer longHeader(int tag, String vr, long length) {
      tag(tag);
      out.writeBytes(vr.getBytes(StandardCharsets.US_ASCII));
      u16(0);
      return u32(length);
    }

    Writer sequenceStart(int tag, long length) {
      return longHeader(tag, "SQ", length);
    }

    Writer raw(byte[] bytes) {
      out.writeBytes(bytes);
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  private static byte[] part10(String syntax, byte[] dataset) {
    Writer meta =
        new Writer()
            .text(
                Tags.TRANSFER_SYNTAX_UID, "UI", syntax.length() % 2 == 0 ? syntax : syntax + "\0");
    byte[] group = meta.bytes();
    Writer file = new Writer().raw(new byte[128]).raw("DICM".getBytes(StandardCharsets.US_ASCII));
    file.tag(Tags.FILE_META_GROUP_LENGTH)
        .raw("UL".getBytes(StandardCharsets.US_ASCII))
        .u16(4)
        .u32(group.length);
    return file.raw(group).raw(dataset).bytes();
  }

  private static final String EXPLICIT_LE = "1.2.840.10008.1.2.1";

  @Test
  void undefinedLengthSequencesAndItemsAreRead() throws Exception {
    Writer ds = new Writer().sequenceStart(Tags.VIEW_CODE_SEQUENCE, 0xFFFFFFFFL);
    ds.tag(Tags.ITEM).u32(0xFFFFFFFFL);
    ds.text(Tags.CODE_VALUE, "SH", "399067008 ");
    ds.tag(0xFFFEE00D).u32(0);
    ds.tag(0xFFFEE0DD).u32(0);
    ds.text(Tags.MODALITY, "CS", "DX");
    DicomDataset read = READER.read(part10(EXPLICIT_LE, ds.bytes())).dataset();
    assertThat(read.getSequence(Tags.VIEW_CODE_SEQUENCE).get(0).getString(Tags.CODE_VALUE))
        .hasValue("399067008");
    assertThat(read.getString(Tags.MODALITY)).hasValue("DX");
  }

  @Test
  void encapsulatedPixelDataKeepsItsFragments() throws Exception {
    Writer ds = new Writer().longHeader(Tags.PIXEL_DATA, "OB", 0xFFFFFFFFL);
    ds.tag(Tags.ITEM).u32(0); // empty basic offset table
    ds.tag(Tags.ITEM).u32(4).raw(new byte[] {9, 8, 7, 6});
    ds.tag(0xFFFEE0DD).u32(0);
    DicomFile file = READER.read(part10("1.2.840.10008.1.2.4.70", ds.bytes()));
    DicomElement pixels = file.dataset().get(Tags.PIXEL_DATA).orElseThrow();
    assertThat(file.transferSyntax().encapsulated()).isTrue();
    assertThat(pixels.fragments()).hasSize(2);
    assertThat(pixels.fragments().get(1)).containsExactly(9, 8, 7, 6);
  }

  @Test
  void notDicomIsRefused() {
    assertReason(
        READER,
        "just some text, not an image".getBytes(StandardCharsets.US_ASCII),
        DicomException.Reason.NOT_DICOM);
  }

  @Test
  void aLengthThatLiesIsTruncatedNotAllocated() {
    // Claims 2 GiB of pixel data in a file of a few hundred bytes.
    Writer ds = new Writer().longHeader(Tags.PIXEL_DATA, "OW", 0x7FFFFFF0L);
    ds.raw(new byte[16]);
    assertReason(part10(EXPLICIT_LE, ds.bytes()), DicomException.Reason.TRUNCATED);
  }

  @Test
  void everyTruncationOfAValidFileIsATypedError() throws Exception {
    byte[] whole = DicomReaderTest.fixture("explicit-le.dcm");
    for (int length = 0; length < whole.length; length++) {
      byte[] cut = Arrays.copyOf(whole, length);
      try {
        READER.read(cut);
      } catch (DicomException expected) {
        continue; // typed refusal
      }
      // A cut exactly between elements is a shorter valid file; it must still parse cleanly.
      assertThat(READER.read(cut).dataset()).isNotNull();
    }
  }

  @Test
  void deepNestingIsLimited() {
    Writer ds = new Writer();
    int depth = DicomLimits.DEFAULT.maxDepth() + 2;
    for (int i = 0; i < depth; i++) {
      ds.sequenceStart(Tags.VIEW_CODE_SEQUENCE, 0xFFFFFFFFL).tag(Tags.ITEM).u32(0xFFFFFFFFL);
    }
    for (int i = 0; i < depth; i++) {
      ds.tag(0xFFFEE00D).u32(0).tag(0xFFFEE0DD).u32(0);
    }
    assertReason(part10(EXPLICIT_LE, ds.bytes()), DicomException.Reason.LIMIT_EXCEEDED);
  }

  @Test
  void anUnterminatedUndefinedLengthItemEnds() {
    Writer ds =
        new Writer()
            .sequenceStart(Tags.VIEW_CODE_SEQUENCE, 0xFFFFFFFFL)
            .tag(Tags.ITEM)
            .u32(0xFFFFFFFFL);
    ds.text(Tags.CODE_VALUE, "SH", "X ");
    assertReason(part10(EXPLICIT_LE, ds.bytes()), DicomException.Reason.TRUNCATED);
  }

  @Test
  void unknownTransferSyntaxIsNamed() {
    assertThatThrownBy(() -> READER.read(part10("1.2.3.4.5", new byte[0])))
        .isInstanceOf(DicomException.class)
        .hasMessageContaining("1.2.3.4.5");
  }

  @Test
  void aDeflateBombIsStoppedAtTheLimit() {
    byte[] zeros = new byte[4 << 20];
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    deflater.setInput(zeros);
    deflater.finish();
    byte[] buffer = new byte[1 << 20];
    int n = deflater.deflate(buffer);
    deflater.end();
    DicomReader small = new DicomReader(new DicomLimits(1 << 20, 1 << 20, 8, 1000, 1 << 20));
    assertReason(
        small,
        part10("1.2.840.10008.1.2.1.99", Arrays.copyOf(buffer, n)),
        DicomException.Reason.LIMIT_EXCEEDED);
  }

  @Test
  void bigEndianNumbersAreReadInTheirOrder() throws Exception {
    DicomDataset ds = READER.read(DicomReaderTest.fixture("explicit-be.dcm")).dataset();
    assertThat(ds.byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
    assertThat(ByteBuffer.wrap(ds.get(Tags.ROWS).orElseThrow().value()).getShort())
        .isEqualTo((short) 4);
  }

  private static void assertReason(byte[] input, DicomException.Reason reason) {
    assertReason(READER, input, reason);
  }

  private static void assertReason(DicomReader reader, byte[] input, DicomException.Reason reason) {
    assertThatThrownBy(() -> reader.read(input))
        .isInstanceOf(DicomException.class)
        .extracting(e -> ((DicomException) e).reason())
        .isEqualTo(reason);
  }
}
