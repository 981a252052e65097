package org.lumbarcds.model.inference;

import java.util.Locale;

/** The three lateral postures, in the order of the model's inputs and its per-view outputs. */
public enum Posture {
  NEUTRAL,
  FLEXION,
  EXTENSION;

  /** The name used by the ONNX contract and the model card: {@code neutral} and so on. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
