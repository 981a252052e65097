package org.lumbarcds.cds.hooks;

import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.lumbarcds.terminology.ClinicalTriggers;
import org.lumbarcds.terminology.ClinicalTriggers.Criterion;
import org.lumbarcds.terminology.ClinicalTriggers.Group;
import org.lumbarcds.terminology.ClinicalTriggers.Kind;
import org.lumbarcds.terminology.ClinicalTriggers.Trigger;
import org.lumbarcds.terminology.CodeSystems;

/**
 * Evaluates a trigger's criteria over a record: a group of codes in the record's entries (within
 * the criterion's window), an age, a body temperature. Each criterion is true, false or unknown
 * (what it reads could not be read, or says too little); a trigger holds when all its criteria are
 * true, does not when one is false, and is otherwise unknown.
 */
final class TriggerCriteria {

  /** A criterion's or a trigger's truth. */
  enum Truth {
    TRUE,
    FALSE,
    UNKNOWN
  }

  /**
   * A criterion's or a trigger's truth, with why.
   *
   * @param truth true, false or unknown
   * @param evidence the facts that make it true, in words
   * @param unknown why it is unknown, in words
   */
  record Result(Truth truth, List<String> evidence, Set<String> unknown) {
    static Result no() {
      return new Result(Truth.FALSE, List.of(), Set.of());
    }
  }

  private final ClinicalTriggers table;
  private final TriggerCodes codes;
  private final ZoneId zone;

  /**
   * @param table the trigger table
   * @param codes the placement of codes in the table's groups
   * @param zone the zone in which the record's instants are dates
   */
  TriggerCriteria(ClinicalTriggers table, TriggerCodes codes, ZoneId zone) {
    this.table = table;
    this.codes = codes;
    this.zone = zone;
  }

  /**
   * Whether the trigger holds: its criteria in order, stopping at the first false one.
   *
   * @param trigger the table's row
   * @param record the patient's record
   * @param entries the record's entries
   * @param today the date the advice is for
   */
  Result evaluate(
      Trigger trigger, PatientRecord record, List<RecordEntry> entries, LocalDate today) {
    List<String> evidence = new ArrayList<>();
    Set<String> unknown = new LinkedHashSet<>();
    Truth truth = Truth.TRUE;
    for (Criterion c : trigger.allOf()) {
      Result r = criterion(c, record, entries, today);
      if (r.truth() == Truth.FALSE) {
        truth = Truth.FALSE;
        break;
      }
      if (r.truth() == Truth.UNKNOWN) {
        truth = Truth.UNKNOWN;
        unknown.addAll(r.unknown());
      } else {
        evidence.addAll(r.evidence());
      }
    }
    return new Result(truth, evidence, unknown);
  }

  private Result criterion(
      Criterion c, PatientRecord record, List<RecordEntry> entries, LocalDate today) {
    if (c.olderThan() != null) {
      return age(c, record, today);
    }
    if (c.temperatureAtLeast() != null) {
      return temperature(c, record, today);
    }
    Group group = table.groups().get(c.group());
    List<String> evidence = new ArrayList<>();
    Set<String> unknown = new LinkedHashSet<>();
    if (group.kind() == Kind.MEDICATION && readFailed(record, Kind.MEDICATION)) {
      unknown.add("medications could not be read");
    }
    if (group.kind() == Kind.PROCEDURE && readFailed(record, Kind.PROCEDURE)) {
      unknown.add("procedures could not be read");
    }
    for (RecordEntry e : entries) {
      if (e.kind() != group.kind() || !(e.current() || history(group))) {
        continue;
      }
      // the cheap checks first: a terminology server is asked only about entries that matter
      boolean inWindow =
          e.date().isEmpty()
              || (c.withinPeriod().map(p -> !e.date().get().isBefore(today.minus(p))).orElse(true)
                  && c.persistingPeriod()
                      // only an onset says how long it has lasted; a recorded date may be later
                      .map(p -> !e.exact() || !e.date().get().isAfter(today.minus(p)))
                      .orElse(true));
      if (inWindow && codes.member(group, e.concept())) {
        evidence.add(e.describe());
      }
    }
    if (!evidence.isEmpty()) {
      return new Result(Truth.TRUE, evidence, Set.of());
    }
    return unknown.isEmpty() ? Result.no() : new Result(Truth.UNKNOWN, List.of(), unknown);
  }

  /** A history group (cancer, transplant, prior surgery) counts whatever the clinical status. */
  private static boolean history(Group group) {
    return group.history();
  }

  private static boolean readFailed(PatientRecord record, Kind kind) {
    return switch (kind) {
      case MEDICATION ->
          record.unread().contains(MriAdviceHooks.MEDICATION_REQUESTS)
              || record.unread().contains(MriAdviceHooks.MEDICATION_STATEMENTS);
      case PROCEDURE -> record.unread().contains(MriAdviceHooks.PROCEDURES);
      case CONDITION -> false;
    };
  }

  /** Older than the threshold: born before today minus that many years (by sex, if it differs). */
  private Result age(Criterion c, PatientRecord record, LocalDate today) {
    if (record.unread().contains(MriAdviceHooks.PATIENT)) {
      return new Result(
          Truth.UNKNOWN, List.of(), Set.of("age unknown: the Patient could not be read"));
    }
    Optional<Patient> patient = record.patient();
    Optional<LocalDate> birth =
        patient.filter(Patient::hasBirthDate).map(p -> date(p.getBirthDate()));
    if (birth.isEmpty()) {
      return new Result(Truth.UNKNOWN, List.of(), Set.of("age not recorded"));
    }
    boolean female = patient.map(p -> p.getGender() == AdministrativeGender.FEMALE).orElse(false);
    int years = female && c.olderThanFemale() != null ? c.olderThanFemale() : c.olderThan();
    int age = Period.between(birth.get(), today).getYears();
    return birth.get().isBefore(today.minusYears(years))
        ? new Result(Truth.TRUE, List.of("age " + age + " (older than " + years + ")"), Set.of())
        : Result.no();
  }

  private Result temperature(Criterion c, PatientRecord record, LocalDate today) {
    if (record.unread().contains(MriAdviceHooks.TEMPERATURES)) {
      return new Result(Truth.UNKNOWN, List.of(), Set.of("body temperatures could not be read"));
    }
    Set<String> unknown = new LinkedHashSet<>();
    List<String> evidence = new ArrayList<>();
    LocalDate from = c.withinPeriod().map(today::minus).orElse(LocalDate.MIN);
    for (Observation o : record.temperatures()) {
      if (!isBodyTemperature(o)
          || o.getStatus() == Observation.ObservationStatus.ENTEREDINERROR
          || o.getStatus() == Observation.ObservationStatus.CANCELLED) {
        continue;
      }
      Optional<LocalDate> when = effective(o);
      if (when.isPresent() && when.get().isBefore(from)) {
        continue;
      }
      if (!(o.getValue() instanceof Quantity q) || !q.hasValue()) {
        continue;
      }
      Optional<Double> celsius = celsius(q);
      if (celsius.isEmpty()) {
        unknown.add("a body temperature in an unknown unit (" + q.getCode() + ")");
      } else if (celsius.get() >= c.temperatureAtLeast()) {
        evidence.add(
            String.format(
                Locale.ROOT,
                "body temperature %.1f °C%s",
                celsius.get(),
                when.map(d -> " on " + d).orElse("")));
      }
    }
    if (!evidence.isEmpty()) {
      return new Result(Truth.TRUE, evidence, Set.of());
    }
    return unknown.isEmpty() ? Result.no() : new Result(Truth.UNKNOWN, List.of(), unknown);
  }

  private static boolean isBodyTemperature(Observation o) {
    return o.getCode().getCoding().stream()
        .anyMatch(
            c ->
                CodeSystems.LOINC.equals(c.getSystem())
                    && TriggerFinder.BODY_TEMPERATURE.contains(c.getCode()));
  }

  private static Optional<Double> celsius(Quantity q) {
    String unit = q.hasCode() ? q.getCode() : q.getUnit();
    double v = q.getValue().doubleValue();
    if (unit == null) {
      return Optional.empty();
    }
    return switch (unit) {
      case "Cel", "°C", "C" -> Optional.of(v);
      // to a tenth of a degree, so that 100.4 °F is 38.0 °C
      case "[degF]", "°F", "F" -> Optional.of(Math.round((v - 32) * 50 / 9) / 10.0);
      default -> Optional.empty();
    };
  }

  /** When an Observation was made: its effective date or period start, else when it was issued. */
  private Optional<LocalDate> effective(Observation o) {
    if (o.hasEffectiveDateTimeType()) {
      return Optional.of(date(o.getEffectiveDateTimeType().getValue()));
    }
    if (o.hasEffectivePeriod() && o.getEffectivePeriod().hasStart()) {
      return Optional.of(date(o.getEffectivePeriod().getStart()));
    }
    return o.hasIssued() ? Optional.of(date(o.getIssued())) : Optional.empty();
  }

  private LocalDate date(Date d) {
    return d.toInstant().atZone(zone).toLocalDate();
  }
}
