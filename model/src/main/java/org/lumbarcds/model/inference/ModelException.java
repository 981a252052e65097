package org.lumbarcds.model.inference;

/** A model, card or study the inference refuses; {@link #reason()} says which kind. */
public final class ModelException extends Exception {

  /** The kinds of refusal. */
  public enum Reason {
    /** The model card is missing, not JSON, or lacks a field the contract needs. */
    CARD_INVALID,
    /** The model file is missing or unreadable. */
    MODEL_MISSING,
    /** The model file's SHA-256 differs from the one in its card. */
    HASH_MISMATCH,
    /** The file is not a model ONNX Runtime can load. */
    MODEL_CORRUPT,
    /** The model's inputs or outputs differ from the contract or from its card. */
    CONTRACT_VIOLATION,
    /** A study the model cannot be run on: no view at all, or an image of the wrong kind. */
    STUDY_INVALID,
    /** The runtime failed, or no predictor came free in time. */
    INFERENCE_FAILED
  }

  private final Reason reason;

  public ModelException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public ModelException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
