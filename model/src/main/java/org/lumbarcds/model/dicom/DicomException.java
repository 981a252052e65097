package org.lumbarcds.model.dicom;

import java.io.IOException;

/** Input that is not DICOM the reader accepts; {@link #reason()} says which kind of problem. */
public final class DicomException extends IOException {

  /** The kinds of refusal, so callers can map them to quality flags and HTTP statuses. */
  public enum Reason {
    NOT_DICOM,
    TRUNCATED,
    MALFORMED,
    LIMIT_EXCEEDED,
    UNSUPPORTED_TRANSFER_SYNTAX,
    /** Pixel data the project does not decode: 1-bit, float pixels, an unknown photometric. */
    UNSUPPORTED_IMAGE,
    /** A dataset without (7FE0,0010) Pixel Data, such as a structured report. */
    NO_PIXEL_DATA
  }

  private final Reason reason;

  public DicomException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
