package org.lumbarcds.model.dicom;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * An in-memory image stream that fails once a codec keeps reading past the end. A decoder that
 * loops on a corrupt stream, reading "-1" forever, ends in an exception instead of a hang.
 */
final class BoundedImageInputStream extends MemoryCacheImageInputStream {

  /** Reads past the end a well-behaved decoder may make while it finishes. */
  private static final int PAST_END_READS = 4096;

  private int pastEnd;

  BoundedImageInputStream(byte[] data) {
    super(new ByteArrayInputStream(data));
  }

  @Override
  public int read() throws IOException {
    int value = super.read();
    if (value < 0) {
      countPastEnd();
    }
    return value;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n < 0 && len > 0) {
      countPastEnd();
    }
    return n;
  }

  /**
   * Unchecked on purpose: jj2000 catches {@link EOFException} in its packet loops and goes round
   * again, so only an exception it does not catch ends the loop.
   */
  private void countPastEnd() {
    if (++pastEnd > PAST_END_READS) {
      throw new ReadPastEndException();
    }
  }

  /** Thrown when a codec keeps reading past the end of its frame. */
  static final class ReadPastEndException extends RuntimeException {
    ReadPastEndException() {
      super("The codec kept reading past the end of the frame", null, false, false);
    }
  }
}
