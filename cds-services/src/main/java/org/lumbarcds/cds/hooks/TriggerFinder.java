package org.lumbarcds.cds.hooks;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.hooks.TriggerCriteria.Result;
import org.lumbarcds.cds.hooks.TriggerCriteria.Truth;
import org.lumbarcds.terminology.ClinicalTriggers;
import org.lumbarcds.terminology.ClinicalTriggers.Kind;
import org.lumbarcds.terminology.ClinicalTriggers.Trigger;

/**
 * Finds the triggers of the clinical trigger table ({@link ClinicalTriggers}) in a patient's record
 * and the drafted order's own indication, and says what could not be checked. Each criterion is
 * true, false or unknown: a trigger holds when all its criteria are true, does not when one is
 * false, and is otherwise unknown, which the card states and which forbids advising against
 * imaging.
 *
 * <p>The record is read as entries ({@link RecordEntries}), each entry's codes placed in the
 * table's groups ({@link TriggerCodes}: an entry nothing places is "not checked"), and each
 * trigger's criteria evaluated over them ({@link TriggerCriteria}).
 */
public final class TriggerFinder {

  /**
   * A trigger found, with what in the record shows it.
   *
   * @param trigger the table's row
   * @param evidence each fact behind it, in words
   */
  public record Hit(Trigger trigger, List<String> evidence) {}

  /**
   * What the record shows.
   *
   * @param hits the triggers that hold, in table order
   * @param unchecked what could not be checked, in words (empty when everything was read)
   */
  public record Findings(List<Hit> hits, List<String> unchecked) {}

  /**
   * Body temperature LOINC codes (VSAC 2.16.840.1.113762.1.4.1045.152 Body temperature): 8310-5
   * Body temperature, 8331-1 Oral, 8332-9 Rectal, 8328-7 Axillary, 8333-7 Tympanic membrane, 8329-5
   * Core.
   */
  public static final List<String> BODY_TEMPERATURE =
      List.of("8310-5", "8331-1", "8332-9", "8328-7", "8333-7", "8329-5");

  /** What each optional prefetch key holds, in words for "could not be read". */
  private static final Map<String, String> UNREAD =
      Map.of(
          MriAdviceHooks.PATIENT, "the Patient (age)",
          MriAdviceHooks.MEDICATION_REQUESTS, "medication orders",
          MriAdviceHooks.MEDICATION_STATEMENTS, "medication statements",
          MriAdviceHooks.TEMPERATURES, "body temperatures",
          MriAdviceHooks.PROCEDURES, "procedures");

  private final ClinicalTriggers table;
  private final RecordEntries recordEntries;
  private final TriggerCodes codes;
  private final TriggerCriteria criteria;

  public TriggerFinder(ClinicalTriggers table, Subsumption subsumption, ZoneId zone) {
    this(table, subsumption, zone, coding -> false);
  }

  /**
   * @param known codes known to be no trigger whatever their system (e.g. the lumbar imaging orders
   *     of the project's ValueSets): an entry with one is placed
   */
  public TriggerFinder(
      ClinicalTriggers table, Subsumption subsumption, ZoneId zone, Predicate<Coding> known) {
    this.table = table;
    this.recordEntries = new RecordEntries(zone);
    this.codes = new TriggerCodes(table, subsumption, known);
    this.criteria = new TriggerCriteria(table, codes, zone);
  }

  /**
   * The triggers in the record.
   *
   * @param record the patient's record
   * @param orders the orders the hook is about (their reasons count like the problem list)
   * @param today the date the advice is for
   */
  public Findings find(PatientRecord record, List<ServiceRequest> orders, LocalDate today) {
    Set<String> unchecked = new LinkedHashSet<>();
    List<RecordEntry> entries = recordEntries.entries(record, orders, today, unchecked);
    Set<String> unplaced = new LinkedHashSet<>();
    Set<String> unplacedDrugs = new LinkedHashSet<>();
    for (RecordEntry e : entries) {
      if (!codes.placed(e)) {
        (e.kind() == Kind.MEDICATION ? unplacedDrugs : unplaced).add(e.describe());
      }
    }
    List<Hit> hits = new ArrayList<>();
    for (Trigger trigger : table.triggers()) {
      Result r = criteria.evaluate(trigger, record, entries, today);
      if (r.truth() == Truth.TRUE) {
        hits.add(new Hit(trigger, r.evidence()));
      } else if (r.truth() == Truth.UNKNOWN) {
        unchecked.add(
            trigger.label() + " could not be ruled out (" + String.join("; ", r.unknown()) + ")");
      }
    }
    if (!unplacedDrugs.isEmpty()) {
      unchecked.add(
          "medications only partly checked: "
              + unplacedDrugs.size()
              + " medication(s) the RxNorm lists and ingredient names cannot place: "
              + String.join("; ", unplacedDrugs));
    }
    if (!unplaced.isEmpty()) {
      unchecked.add(
          unplaced.size()
              + " entr"
              + (unplaced.size() == 1 ? "y" : "ies")
              + " could not be checked against the trigger table (not coded in ICD-10-CM, SNOMED"
              + " CT or RxNorm as the table reads them, or a SNOMED CT code no terminology server"
              + " placed): "
              + String.join("; ", unplaced));
    }
    for (String key : record.unread().stream().sorted().toList()) {
      unchecked.add(UNREAD.getOrDefault(key, key) + " could not be read");
    }
    return new Findings(List.copyOf(hits), List.copyOf(unchecked));
  }

  /** Whether a Condition is current: neither over (inactive, remission, resolved) nor not so. */
  static boolean current(Condition c) {
    return RecordEntries.current(c);
  }

  /** A Condition's onset (date or period start), else its recorded date. */
  Optional<LocalDate> onset(Condition c) {
    return recordEntries.onset(c);
  }
}
