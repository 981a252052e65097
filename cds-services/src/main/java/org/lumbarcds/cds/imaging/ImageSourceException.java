package org.lumbarcds.cds.imaging;

import java.io.IOException;

/** Why a study's images could not be read; {@link #reason()} says which kind, for quality flags. */
public final class ImageSourceException extends IOException {

  /** The kinds of failure, each with its own handling: retry later, report, or give up. */
  public enum Reason {
    /** The source could not be reached or did not answer in time, after every retry. */
    UNAVAILABLE,
    /** The study, series or instance is not there. */
    NOT_FOUND,
    /** The source refused our credentials. */
    REFUSED,
    /** The answer was larger than the configured bound. */
    TOO_LARGE,
    /** The answer was not the DICOM or DICOM JSON asked for. */
    BAD_RESPONSE
  }

  private final Reason reason;

  public ImageSourceException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public ImageSourceException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** True when trying again later may succeed. */
  public boolean transientFailure() {
    return reason == Reason.UNAVAILABLE;
  }
}
