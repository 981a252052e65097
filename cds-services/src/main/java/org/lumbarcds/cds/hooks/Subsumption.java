package org.lumbarcds.cds.hooks;

import java.util.Optional;

/**
 * Whether a code is a concept or one of its descendants in a code system's hierarchy, as a
 * terminology server answers it ({@code CodeSystem/$subsumes}).
 */
@FunctionalInterface
public interface Subsumption {

  /**
   * @param system the code system (e.g. SNOMED CT)
   * @param ancestor the concept that may subsume
   * @param code the code found in the record
   * @return whether {@code ancestor} is {@code code} or subsumes it; empty when it could not be
   *     checked (server unreachable, slow or refusing)
   */
  Optional<Boolean> subsumes(String system, String ancestor, String code);

  /**
   * No terminology server: beyond the shipped lists nothing can be placed, so a SNOMED CT code
   * outside them is "could not be checked" (and never leads to advice against imaging).
   */
  static Subsumption none() {
    return (system, ancestor, code) -> ancestor.equals(code) ? Optional.of(true) : Optional.empty();
  }
}
