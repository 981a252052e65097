package org.lumbarcds.cds.analysis;

import java.util.Locale;
import org.lumbarcds.cds.imaging.ImageSourceException;

/**
 * An analysis that could not be completed for a reason outside the study's images (those become a
 * quality-failure Observation instead). {@link #retryable()} says whether trying again later may
 * help (a PACS that did not answer, a busy model), or not (a refused request, a missing study).
 */
public final class AnalysisException extends Exception {

  private final boolean retryable;

  public AnalysisException(String message, boolean retryable) {
    super(message);
    this.retryable = retryable;
  }

  public AnalysisException(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  /** A failure of the image source while doing {@code what}. */
  public static AnalysisException fromSource(String what, ImageSourceException e) {
    return new AnalysisException(
        what
            + ": "
            + e.reason().name().toLowerCase(Locale.ROOT).replace('_', ' ')
            + " ("
            + e.getMessage()
            + ")",
        e.transientFailure(),
        e);
  }

  public boolean retryable() {
    return retryable;
  }
}
