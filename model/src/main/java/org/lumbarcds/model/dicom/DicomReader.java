package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomException.Reason.LIMIT_EXCEEDED;
import static org.lumbarcds.model.dicom.DicomException.Reason.MALFORMED;
import static org.lumbarcds.model.dicom.DicomException.Reason.NOT_DICOM;
import static org.lumbarcds.model.dicom.DicomException.Reason.TRUNCATED;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads DICOM Part 10 files and bare datasets (PS3.10, PS3.5): implicit and explicit VR, little and
 * big endian, deflated datasets, defined and undefined lengths, nested sequences and encapsulated
 * pixel data. Every length is checked against the bytes that remain and every structure against
 * {@link DicomLimits} before anything is allocated, so hostile input ends in a {@link
 * DicomException}, never an OutOfMemoryError or a hang. Thread-safe.
 */
public final class DicomReader {

  private static final int PREAMBLE = 128;
  private static final long UNDEFINED = 0xFFFFFFFFL;

  private final DicomLimits limits;

  public DicomReader(DicomLimits limits) {
    this.limits = limits;
  }

  public DicomReader() {
    this(DicomLimits.DEFAULT);
  }

  /** Reads a Part 10 file; its size is checked before it is read. */
  public DicomFile read(Path path) throws IOException {
    long size = Files.size(path);
    if (size > limits.maxFileBytes()) {
      throw new DicomException(
          LIMIT_EXCEEDED, "File of " + size + " bytes exceeds " + limits.maxFileBytes());
    }
    return read(Files.readAllBytes(path));
  }

  /** Reads a Part 10 file held in memory. */
  public DicomFile read(byte[] bytes) throws DicomException {
    if (bytes.length > limits.maxFileBytes()) {
      throw new DicomException(
          LIMIT_EXCEEDED, "Input of " + bytes.length + " bytes exceeds " + limits.maxFileBytes());
    }
    int start;
    if (bytes.length >= PREAMBLE + 4
        && new String(bytes, PREAMBLE, 4, StandardCharsets.US_ASCII).equals("DICM")) {
      start = PREAMBLE + 4;
    } else if (bytes.length >= 8
        && bytes[0] == 0x02
        && bytes[1] == 0x00
        && Vr.parse(bytes[4], bytes[5]) != null) {
      start = 0; // file meta without preamble, as some tools write
    } else {
      throw new DicomException(NOT_DICOM, "No DICOM preamble (DICM) and no file meta group");
    }
    Parser meta = new Parser(bytes, start, bytes.length, TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN);
    DicomDataset fileMeta = meta.newDataset();
    meta.readElements(fileMeta, 0, tag -> (tag >>> 16) != 0x0002);
    String uid =
        fileMeta
            .getString(Tags.TRANSFER_SYNTAX_UID)
            .orElseThrow(
                () -> new DicomException(MALFORMED, "File meta has no Transfer Syntax UID"));
    TransferSyntax syntax = TransferSyntax.forUid(uid);

    byte[] body = bytes;
    int bodyStart = meta.pos;
    if (syntax.deflated()) {
      body = inflate(bytes, meta.pos);
      bodyStart = 0;
    }
    Parser parser = new Parser(body, bodyStart, body.length, syntax);
    parser.elements = meta.elements;
    DicomDataset dataset = parser.newDataset();
    parser.readElements(dataset, 0, tag -> false);
    return new DicomFile(fileMeta, dataset, syntax);
  }

  /** Reads a dataset without preamble or file meta, encoded in the given syntax. */
  public DicomDataset readDataset(byte[] bytes, TransferSyntax syntax) throws DicomException {
    if (bytes.length > limits.maxFileBytes()) {
      throw new DicomException(LIMIT_EXCEEDED, "Input exceeds " + limits.maxFileBytes() + " bytes");
    }
    Parser parser = new Parser(bytes, 0, bytes.length, syntax);
    DicomDataset dataset = parser.newDataset();
    parser.readElements(dataset, 0, tag -> false);
    return dataset;
  }

  private byte[] inflate(byte[] bytes, int offset) throws DicomException {
    Inflater inflater = new Inflater(true);
    inflater.setInput(bytes, offset, bytes.length - offset);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[64 * 1024];
    try {
      while (!inflater.finished()) {
        int n = inflater.inflate(chunk);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new DicomException(TRUNCATED, "Deflated dataset ends early");
        }
        if (out.size() + (long) n > limits.maxInflatedBytes()) {
          throw new DicomException(
              LIMIT_EXCEEDED, "Deflated dataset expands beyond " + limits.maxInflatedBytes());
        }
        out.write(chunk, 0, n);
      }
    } catch (DataFormatException e) {
      throw new DicomException(MALFORMED, "Deflated dataset is corrupt: " + e.getMessage());
    } finally {
      inflater.end();
    }
    return out.toByteArray();
  }

  @FunctionalInterface
  private interface StopBefore {
    boolean test(int tag);
  }

  /** One pass over a buffer: a cursor plus the syntax in force. */
  private final class Parser {
    private final byte[] buf;
    private final int end;
    private final ByteOrder order;
    private boolean explicit;
    private int pos;
    private int elements;

    Parser(byte[] buf, int start, int end, TransferSyntax syntax) {
      this.buf = buf;
      this.pos = start;
      this.end = end;
      this.order = syntax.byteOrder();
      this.explicit = syntax.explicitVr();
    }

    DicomDataset newDataset() {
      return new DicomDataset(order, StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads elements into {@code into} until the end of the buffer, an item delimitation (for an
     * item of undefined length, {@code limit == -1}), {@code limit} (a defined-length item), or a
     * tag {@code stop} accepts (left unread).
     */
    void readElements(DicomDataset into, int depth, StopBefore stop) throws DicomException {
      readElements(into, depth, stop, end, false);
    }

    private void readElements(
        DicomDataset into, int depth, StopBefore stop, int limit, boolean untilDelimiter)
        throws DicomException {
      while (pos < limit) {
        if (limit - pos < 8) {
          throw new DicomException(TRUNCATED, "Element header cut off at byte " + pos);
        }
        int tagStart = pos;
        int tag = readTag();
        if (tag == Tags.ITEM_DELIMITATION) {
          readUint32();
          if (!untilDelimiter) {
            throw new DicomException(
                MALFORMED, "Item delimiter outside an item at byte " + tagStart);
          }
          return;
        }
        if (tag == Tags.ITEM || tag == Tags.SEQUENCE_DELIMITATION) {
          throw new DicomException(
              MALFORMED, "Unexpected " + Tags.format(tag) + " at byte " + tagStart);
        }
        if (stop.test(tag)) {
          pos = tagStart;
          return;
        }
        if (++elements > limits.maxElements()) {
          throw new DicomException(
              LIMIT_EXCEEDED, "More than " + limits.maxElements() + " elements");
        }
        into.put(readElement(tag, depth, into));
      }
      if (untilDelimiter) {
        throw new DicomException(TRUNCATED, "Item of undefined length has no delimiter");
      }
      if (pos > limit) {
        throw new DicomException(MALFORMED, "An element overruns its item at byte " + limit);
      }
    }

    private DicomElement readElement(int tag, int depth, DicomDataset parent)
        throws DicomException {
      Vr vr;
      long length;
      if (explicit) {
        vr = Vr.parse(buf[pos], buf[pos + 1]);
        if (vr == null) {
          throw new DicomException(
              MALFORMED, "Invalid VR for " + Tags.format(tag) + " at byte " + pos);
        }
        pos += 2;
        if (vr.hasLongLength()) {
          need(6, tag);
          pos += 2;
          length = readUint32();
        } else {
          length = readUint16();
        }
      } else {
        vr = Tags.implicitVr(tag);
        length = readUint32();
      }

      if (tag == Tags.PIXEL_DATA && length == UNDEFINED) {
        return new DicomElement(tag, vr, new byte[0], List.of(), readFragments(tag));
      }
      if (vr == Vr.SQ || (length == UNDEFINED && vr == Vr.UN)) {
        // An undefined-length UN is a sequence encoded in implicit VR little endian (PS3.5 6.2.2).
        boolean wasExplicit = explicit;
        if (vr == Vr.UN) {
          explicit = false;
        }
        List<DicomDataset> items = readItems(tag, length, depth + 1, parent.charset());
        explicit = wasExplicit;
        return new DicomElement(tag, Vr.SQ, new byte[0], items, List.of());
      }
      if (length == UNDEFINED) {
        throw new DicomException(MALFORMED, "Undefined length on " + vr + " " + Tags.format(tag));
      }
      need(length, tag);
      byte[] value = Arrays.copyOfRange(buf, pos, pos + (int) length);
      pos += (int) length;
      return new DicomElement(tag, vr, value, List.of(), List.of());
    }

    /** Items inherit the character set in force where their sequence is (PS3.5 6.1.2.5.3). */
    private List<DicomDataset> readItems(int tag, long length, int depth, Charset charset)
        throws DicomException {
      if (depth > limits.maxDepth()) {
        throw new DicomException(
            LIMIT_EXCEEDED, "Sequences nested deeper than " + limits.maxDepth());
      }
      int sequenceEnd = end;
      if (length != UNDEFINED) {
        need(length, tag);
        sequenceEnd = pos + (int) length;
      }
      List<DicomDataset> items = new ArrayList<>();
      while (true) {
        if (length != UNDEFINED && pos == sequenceEnd) {
          return items;
        }
        if (sequenceEnd - pos < 8) {
          throw new DicomException(TRUNCATED, "Sequence " + Tags.format(tag) + " cut off");
        }
        int itemTag = readTag();
        long itemLength = readUint32();
        if (itemTag == Tags.SEQUENCE_DELIMITATION && length == UNDEFINED) {
          return items;
        }
        if (itemTag != Tags.ITEM) {
          throw new DicomException(
              MALFORMED,
              "Expected an item in " + Tags.format(tag) + ", found " + Tags.format(itemTag));
        }
        DicomDataset item = new DicomDataset(order, charset);
        if (itemLength == UNDEFINED) {
          readElements(item, depth, t -> false, sequenceEnd, true);
        } else {
          need(itemLength, tag);
          int itemEnd = pos + (int) itemLength;
          if (itemEnd > sequenceEnd) {
            throw new DicomException(MALFORMED, "Item overruns its sequence " + Tags.format(tag));
          }
          readElements(item, depth, t -> false, itemEnd, false);
        }
        items.add(item);
      }
    }

    private List<byte[]> readFragments(int tag) throws DicomException {
      List<byte[]> fragments = new ArrayList<>();
      while (true) {
        if (end - pos < 8) {
          throw new DicomException(TRUNCATED, "Encapsulated pixel data cut off");
        }
        int itemTag = readTag();
        long length = readUint32();
        if (itemTag == Tags.SEQUENCE_DELIMITATION) {
          if (fragments.isEmpty()) {
            throw new DicomException(MALFORMED, "Encapsulated pixel data without offset table");
          }
          return fragments;
        }
        if (itemTag != Tags.ITEM || length == UNDEFINED) {
          throw new DicomException(MALFORMED, "Invalid fragment in encapsulated pixel data");
        }
        need(length, tag);
        if (++elements > limits.maxElements()) {
          throw new DicomException(
              LIMIT_EXCEEDED, "More than " + limits.maxElements() + " elements and fragments");
        }
        fragments.add(Arrays.copyOfRange(buf, pos, pos + (int) length));
        pos += (int) length;
      }
    }

    private void need(long length, int tag) throws DicomException {
      if (length > end - pos) {
        throw new DicomException(
            TRUNCATED,
            Tags.format(tag) + " claims " + length + " bytes, " + (end - pos) + " remain");
      }
    }

    private int readTag() {
      int group = readUint16();
      int element = readUint16();
      return (group << 16) | element;
    }

    private int readUint16() {
      int a = buf[pos] & 0xff;
      int b = buf[pos + 1] & 0xff;
      pos += 2;
      return order == ByteOrder.LITTLE_ENDIAN ? a | (b << 8) : (a << 8) | b;
    }

    private long readUint32() {
      long a = buf[pos] & 0xffL;
      long b = buf[pos + 1] & 0xffL;
      long c = buf[pos + 2] & 0xffL;
      long d = buf[pos + 3] & 0xffL;
      pos += 4;
      return order == ByteOrder.LITTLE_ENDIAN
          ? a | (b << 8) | (c << 16) | (d << 24)
          : (a << 24) | (b << 16) | (c << 8) | d;
    }
  }
}
