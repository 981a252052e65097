package org.lumbarcds.cds.hooks;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Type;
import org.lumbarcds.terminology.ClinicalTriggers.Kind;

/**
 * The record as the coded entries the trigger criteria read: the problem list's Conditions, the
 * orders' reasons, medication orders and statements, and procedures, each with its date, leaving
 * out what is refuted, entered in error, cancelled, not done or long stopped.
 */
final class RecordEntries {

  private static final Set<String> CONDITION_NOT_SO = Set.of("refuted", "entered-in-error");
  private static final Set<String> CONDITION_OVER = Set.of("inactive", "remission", "resolved");

  private final ZoneId zone;

  /**
   * @param zone the zone in which the record's instants are dates
   */
  RecordEntries(ZoneId zone) {
    this.zone = zone;
  }

  /**
   * The record's entries.
   *
   * @param record the patient's record
   * @param orders the orders the hook is about (their reasons count like the problem list)
   * @param today the date the advice is for
   * @param unchecked where an order's reason that could not be read is said, in words
   */
  List<RecordEntry> entries(
      PatientRecord record, List<ServiceRequest> orders, LocalDate today, Set<String> unchecked) {
    List<RecordEntry> entries = new ArrayList<>();
    Map<String, Condition> byId = new HashMap<>();
    for (Condition c : record.conditions()) {
      if (notSo(c)) {
        continue;
      }
      byId.put(c.getIdElement().getIdPart(), c);
      entries.add(
          new RecordEntry(
              Kind.CONDITION, c.getCode(), onset(c), onsetKnown(c), "problem list", !over(c)));
    }
    for (ServiceRequest order : orders) {
      for (CodeableConcept reason : order.getReasonCode()) {
        entries.add(
            new RecordEntry(Kind.CONDITION, reason, Optional.empty(), "the order's reason", true));
      }
      for (Reference ref : order.getReasonReference()) {
        Optional<Condition> reason = reasonCondition(order, ref, byId);
        if (reason.isPresent()) {
          if (!notSo(reason.get())) {
            entries.add(
                new RecordEntry(
                    Kind.CONDITION,
                    reason.get().getCode(),
                    onset(reason.get()),
                    onsetKnown(reason.get()),
                    "the order's reason",
                    true));
          }
        } else {
          // an Observation, another resource, or a Condition this record does not hold
          unchecked.add(
              "the order's reason "
                  + (ref.hasDisplay()
                      ? "'" + ref.getDisplay() + "'"
                      : ref.hasReference() ? ref.getReference() : "(a reference)")
                  + " could not be read");
        }
      }
    }
    for (MedicationRequest m : record.medicationRequests()) {
      medicationEntry(
              m.getStatus() == null ? null : m.getStatus().toCode(),
              m.getMedication(),
              m.getContained(),
              m.getAuthoredOn(),
              m.getDispenseRequest().hasValidityPeriod()
                  ? m.getDispenseRequest().getValidityPeriod().getEnd()
                  : null,
              "medication order",
              today)
          .ifPresent(entries::add);
    }
    for (MedicationStatement m : record.medicationStatements()) {
      medicationEntry(
              m.getStatus() == null ? null : m.getStatus().toCode(),
              m.getMedication(),
              m.getContained(),
              m.hasEffectivePeriod()
                  ? m.getEffectivePeriod().getStart()
                  : m.hasEffectiveDateTimeType()
                      ? m.getEffectiveDateTimeType().getValue()
                      : m.getDateAsserted(),
              m.hasEffectivePeriod() ? m.getEffectivePeriod().getEnd() : null,
              "medication statement",
              today)
          .ifPresent(entries::add);
    }
    for (Procedure p : record.procedures()) {
      if (p.getStatus() == Procedure.ProcedureStatus.ENTEREDINERROR
          || p.getStatus() == Procedure.ProcedureStatus.NOTDONE) {
        continue;
      }
      Date when =
          p.hasPerformedDateTimeType()
              ? p.getPerformedDateTimeType().getValue()
              : p.hasPerformedPeriod() ? p.getPerformedPeriod().getStart() : null;
      entries.add(
          new RecordEntry(
              Kind.PROCEDURE,
              p.getCode(),
              Optional.ofNullable(when).map(this::date),
              "procedure",
              true));
    }
    return entries;
  }

  private static Optional<Condition> reasonCondition(
      ServiceRequest order, Reference ref, Map<String, Condition> byId) {
    String r = ref.getReference();
    if (r == null) {
      return Optional.empty();
    }
    if (r.startsWith("#")) {
      return order.getContained().stream()
          .filter(Condition.class::isInstance)
          .map(Condition.class::cast)
          .filter(c -> r.substring(1).equals(c.getIdElement().getIdPart()))
          .findFirst();
    }
    if (!r.contains("Condition/")) {
      return Optional.empty();
    }
    return Optional.ofNullable(byId.get(new IdType(r).getIdPart()));
  }

  /** A medication order's or statement's entry, when it counts. */
  private Optional<RecordEntry> medicationEntry(
      String status,
      Type medication,
      List<Resource> contained,
      Date start,
      Date end,
      String where,
      LocalDate today) {
    if (!medicationCounts(status, end, today)) {
      return Optional.empty();
    }
    return Optional.of(
        new RecordEntry(
            Kind.MEDICATION,
            medication(medication, contained),
            Optional.ofNullable(start).map(this::date),
            where,
            true));
  }

  /**
   * A medication counts unless cancelled, entered in error, not taken, a draft, or stopped or
   * completed with an end more than 90 days ago (an unknown end counts).
   */
  private boolean medicationCounts(String status, Date end, LocalDate today) {
    if (status == null) {
      return true;
    }
    return switch (status) {
      case "entered-in-error", "cancelled", "not-taken", "draft" -> false;
      case "stopped", "completed" -> end == null || !date(end).isBefore(today.minusDays(90));
      default -> true;
    };
  }

  private static CodeableConcept medication(Type medication, List<Resource> contained) {
    if (medication instanceof CodeableConcept cc) {
      return cc;
    }
    if (medication instanceof Reference ref && ref.hasReference()) {
      String id = ref.getReference().replaceFirst("^#", "");
      Optional<Medication> m =
          contained.stream()
              .filter(Medication.class::isInstance)
              .map(Medication.class::cast)
              .filter(x -> id.equals(x.getIdElement().getIdPart()))
              .findFirst();
      if (m.isPresent()) {
        return m.get().getCode();
      }
      // a Medication not contained: only its display can place it
      return new CodeableConcept().setText(ref.getDisplay());
    }
    return new CodeableConcept();
  }

  /** Whether a Condition is current: neither over (inactive, remission, resolved) nor not so. */
  static boolean current(Condition c) {
    return !over(c) && !notSo(c);
  }

  private static boolean notSo(Condition c) {
    return c.getVerificationStatus().getCoding().stream()
        .anyMatch(cd -> CONDITION_NOT_SO.contains(cd.getCode()));
  }

  private static boolean over(Condition c) {
    return c.getClinicalStatus().getCoding().stream()
        .anyMatch(cd -> CONDITION_OVER.contains(cd.getCode()));
  }

  /** Whether a Condition says when it began (an onset date or period), not only when recorded. */
  private static boolean onsetKnown(Condition c) {
    return c.hasOnsetDateTimeType() || (c.hasOnsetPeriod() && c.getOnsetPeriod().hasStart());
  }

  /** A Condition's onset (date or period start), else its recorded date. */
  Optional<LocalDate> onset(Condition c) {
    if (c.hasOnsetDateTimeType()) {
      return Optional.of(date(c.getOnsetDateTimeType().getValue()));
    }
    if (c.hasOnsetPeriod() && c.getOnsetPeriod().hasStart()) {
      return Optional.of(date(c.getOnsetPeriod().getStart()));
    }
    return c.hasRecordedDate() ? Optional.of(date(c.getRecordedDate())) : Optional.empty();
  }

  private LocalDate date(Date d) {
    return d.toInstant().atZone(zone).toLocalDate();
  }
}
