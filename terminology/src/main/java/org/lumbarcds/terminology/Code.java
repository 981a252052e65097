package org.lumbarcds.terminology;

import java.util.Objects;

/**
 * One coded concept: system, code and the display as its source spells it.
 *
 * @param system the code system's canonical URI
 * @param code the code
 * @param display the display text
 */
public record Code(String system, String code, String display) {

  public Code {
    Objects.requireNonNull(system, "system");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(display, "display");
  }

  /** True when the given system and code name this concept. */
  public boolean matches(String otherSystem, String otherCode) {
    return system.equals(otherSystem) && code.equals(otherCode);
  }
}
