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
    UNSUPPORTED_TRANSFER_SYNTAX
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
