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

  /** No terminology server: nothing beyond the shipped lists is known to be a descendant. */
  static Subsumption none() {
    return (system, ancestor, code) -> Optional.of(false);
  }
}
