package org.lumbarcds.cds.hooks;

import java.time.LocalDate;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.lumbarcds.terminology.ClinicalTriggers.Kind;

/**
 * One coded entry of the record (a Condition, an order's reason, a medication, a procedure), as a
 * trigger criterion reads it.
 *
 * @param kind where the record holds it, as the trigger table's groups say
 * @param concept its code
 * @param date when it began (onset, start, performed), or, for a Condition with no onset, when it
 *     was recorded; empty when the record does not say
 * @param exact whether {@code date} says when it began, not only when it was recorded
 * @param where where the record holds it, in words ("problem list", "the order's reason" …)
 * @param current whether it is current (a Condition neither inactive, in remission nor resolved)
 */
record RecordEntry(
    Kind kind,
    CodeableConcept concept,
    Optional<LocalDate> date,
    boolean exact,
    String where,
    boolean current) {

  /** An entry dated by when it began (onset, start), not only by when it was recorded. */
  RecordEntry(
      Kind kind, CodeableConcept concept, Optional<LocalDate> date, String where, boolean cur) {
    this(kind, concept, date, date.isPresent(), where, cur);
  }

  /** The entry in words, for evidence and for what could not be checked. */
  String describe() {
    return describeCode(concept) + " (" + where + date.map(d -> ", " + d).orElse("") + ")";
  }

  /**
   * "name (code)": the concept's text, else the display of its first coded coding, and that
   * coding's code.
   */
  static String describeCode(CodeableConcept concept) {
    Coding first =
        concept.getCoding().stream().filter(Coding::hasCode).findFirst().orElse(new Coding());
    String display =
        concept.hasText() ? concept.getText() : first.hasDisplay() ? first.getDisplay() : null;
    if (display == null && !first.hasCode()) {
      return "an uncoded entry";
    }
    return (display == null ? "" : display + " ")
        + (first.hasCode() ? "(" + first.getCode() + ")" : "");
  }
}
