package org.lumbarcds.model.inference;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** The three lateral postures, in the order of the model's inputs and its per-view outputs. */
public enum Posture {
  NEUTRAL,
  FLEXION,
  EXTENSION;

  /** The name used by the ONNX contract and the model card: {@code neutral} and so on. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The one posture not in {@code present}, when exactly one is missing. */
  public static Optional<Posture> missing(Set<Posture> present) {
    List<Posture> absent = Arrays.stream(values()).filter(p -> !present.contains(p)).toList();
    return absent.size() == 1 ? Optional.of(absent.get(0)) : Optional.empty();
  }
}
