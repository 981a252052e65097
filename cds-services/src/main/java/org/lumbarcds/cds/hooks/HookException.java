package org.lumbarcds.cds.hooks;

/**
 * A service call refused, with why in words a client can act on (no internal detail). The HTTP
 * layer answers it with the status of its {@link Kind} and the CDS Hooks error body.
 */
public final class HookException extends RuntimeException {

  /** Why the call was refused. */
  public enum Kind {
    /** No such service: 404. */
    NOT_FOUND,
    /** The request is wrong: 400. */
    BAD_REQUEST,
    /** Data the service needs could not be had (the EHR may send it as prefetch): 412. */
    PRECONDITION_FAILED,
    /** A passing failure (e.g. the images not yet readable); the call may be repeated: 503. */
    UNAVAILABLE
  }

  private final Kind kind;

  public HookException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public static HookException badRequest(String message) {
    return new HookException(Kind.BAD_REQUEST, message);
  }

  public static HookException preconditionFailed(String message) {
    return new HookException(Kind.PRECONDITION_FAILED, message);
  }
}
