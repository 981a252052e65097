package org.lumbarcds.cds.hooks;

import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.terminology.ClinicalTriggers;
import org.lumbarcds.terminology.ClinicalTriggers.Criterion;
import org.lumbarcds.terminology.ClinicalTriggers.Group;
import org.lumbarcds.terminology.ClinicalTriggers.GroupCode;
import org.lumbarcds.terminology.ClinicalTriggers.Kind;
import org.lumbarcds.terminology.ClinicalTriggers.Trigger;
import org.lumbarcds.terminology.CodeSystems;

/**
 * Finds the triggers of the clinical trigger table ({@link ClinicalTriggers}) in a patient's record
 * and the drafted order's own indication, and says what could not be checked. Each criterion is
 * true, false or unknown: a trigger holds when all its criteria are true, does not when one is
 * false, and is otherwise unknown, which the card states and which forbids advising against
 * imaging.
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

  private static final Set<String> CONDITION_NOT_SO = Set.of("refuted", "entered-in-error");
  private static final Set<String> CONDITION_OVER = Set.of("inactive", "remission", "resolved");
  private static final Pattern TOPICAL =
      Pattern.compile(
          "\\b(topical|cream|ointment|lotion|gel|inhal\\w*|nasal|ophthalmic|otic|rectal|"
              + "enema|foam|shampoo|spray|drops|powder for inhalation)\\b");

  private final ClinicalTriggers table;
  private final Subsumption subsumption;
  private final ZoneId zone;

  /** Each group's ingredient names as whole-word patterns, compiled once. */
  private final Map<Group, List<Pattern>> names = new java.util.IdentityHashMap<>();

  /** SNOMED CT concepts the table knows are no trigger (low back pain, stenosis …). */
  private final Set<String> knownSnomed;

  /** Codes the project knows are no trigger (its own ValueSets: lumbar imaging, back pain …). */
  private final java.util.function.Predicate<Coding> known;

  public TriggerFinder(ClinicalTriggers table, Subsumption subsumption, ZoneId zone) {
    this(table, subsumption, zone, coding -> false);
  }

  /**
   * @param known codes known to be no trigger whatever their system (e.g. the lumbar imaging orders
   *     of the project's ValueSets): an entry with one is placed
   */
  public TriggerFinder(
      ClinicalTriggers table,
      Subsumption subsumption,
      ZoneId zone,
      java.util.function.Predicate<Coding> known) {
    this.known = known;
    this.table = table;
    this.knownSnomed =
        table.nonTriggers().stream()
            .map(GroupCode::code)
            .collect(java.util.stream.Collectors.toSet());
    table
        .groups()
        .values()
        .forEach(
            g ->
                names.put(
                    g,
                    g.names().stream()
                        .map(n -> Pattern.compile("\\b" + Pattern.quote(n) + "\\b"))
                        .toList()));
    this.subsumption = subsumption;
    this.zone = zone;
  }

  /** One coded entry of the record, as a criterion reads it. */
  private record Entry(
      Kind kind,
      CodeableConcept concept,
      Optional<LocalDate> date,
      boolean exact,
      String where,
      boolean current) {
    /** An entry dated by when it began (onset, start), not only by when it was recorded. */
    Entry(Kind kind, CodeableConcept concept, Optional<LocalDate> date, String where, boolean cur) {
      this(kind, concept, date, date.isPresent(), where, cur);
    }
  }

  private enum Truth {
    TRUE,
    FALSE,
    UNKNOWN
  }

  private record Result(Truth truth, List<String> evidence, Set<String> unknown) {
    static Result no() {
      return new Result(Truth.FALSE, List.of(), Set.of());
    }
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
    List<Entry> entries = entries(record, orders, today, unchecked);
    Set<String> unplaced = new LinkedHashSet<>();
    Set<String> unplacedDrugs = new LinkedHashSet<>();
    for (Entry e : entries) {
      if (!placed(e)) {
        (e.kind() == Kind.MEDICATION ? unplacedDrugs : unplaced).add(describe(e));
      }
    }
    List<Hit> hits = new ArrayList<>();
    for (Trigger trigger : table.triggers()) {
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
      if (truth == Truth.TRUE) {
        hits.add(new Hit(trigger, evidence));
      } else if (truth == Truth.UNKNOWN) {
        unchecked.add(
            trigger.label() + " could not be ruled out (" + String.join("; ", unknown) + ")");
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

  /** What each optional prefetch key holds, in words for "could not be read". */
  private static final Map<String, String> UNREAD =
      Map.of(
          MriAdviceHooks.PATIENT, "the Patient (age)",
          MriAdviceHooks.MEDICATION_REQUESTS, "medication orders",
          MriAdviceHooks.MEDICATION_STATEMENTS, "medication statements",
          MriAdviceHooks.TEMPERATURES, "body temperatures",
          MriAdviceHooks.PROCEDURES, "procedures");

  private Result criterion(
      Criterion c, PatientRecord record, List<Entry> entries, LocalDate today) {
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
    for (Entry e : entries) {
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
      if (inWindow && member(group, e.concept()) == Truth.TRUE) {
        evidence.add(describe(e));
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
            c -> CodeSystems.LOINC.equals(c.getSystem()) && BODY_TEMPERATURE.contains(c.getCode()));
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

  /**
   * Whether the concept is in the group. A SNOMED CT code that neither the shipped lists nor the
   * terminology server place is not in it here; {@link #placed} makes the card say so.
   */
  Truth member(Group group, CodeableConcept concept) {
    for (Coding coding : concept.getCoding()) {
      if (!coding.hasCode()) {
        continue;
      }
      String code = coding.getCode().strip();
      String system = system(coding);
      if (CodeSystems.ICD_10_CM.equals(system)
          || (system == null && ICD_SHAPE.matcher(code).matches())) {
        String bare = icd(code);
        for (GroupCode g : group.icd10cm()) {
          String member = icd(g.code());
          if (g.prefix() ? bare.startsWith(member) : bare.equals(member)) {
            return Truth.TRUE;
          }
        }
      }
      if (CodeSystems.SNOMED_CT.equals(system) || (system == null && code.matches("\\d{6,18}"))) {
        if (listed(group.snomed().roots(), code) || listed(group.snomed().descendants(), code)) {
          return Truth.TRUE;
        }
        if (CodeSystems.SNOMED_CT.equals(system)) {
          for (GroupCode root : group.snomed().roots()) {
            if (subsumption.subsumes(system, root.code(), code).orElse(false)) {
              return Truth.TRUE;
            }
          }
        }
      } else if (CodeSystems.RXNORM.equals(system)) {
        if (listed(group.rxnorm(), code)) {
          return Truth.TRUE;
        }
      } else if (CodeSystems.LUMBAR_CDS.equals(system)) {
        if (listed(group.local(), code)) {
          return Truth.TRUE;
        }
      }
    }
    if (!group.names().isEmpty() && namesMatch(group, concept)) {
      return Truth.TRUE;
    }
    return Truth.FALSE;
  }

  /** An ICD-10-CM code as EHRs send it, with or without its dot. */
  private static final Pattern ICD_SHAPE =
      Pattern.compile("[A-TV-Za-tv-z]\\d[0-9A-Za-z](\\.?[0-9A-Za-z]{1,4})?");

  /** An RxNorm clinical or branded drug name: it names every ingredient with its strength. */
  private static final Pattern DRUG_NAME =
      Pattern.compile(
          "\\d+(\\.\\d+)? ?(mg|mcg|ml|unt|meq|%|mg/ml|mg/mg)\\b", Pattern.CASE_INSENSITIVE);

  /** The canonical system of a coding (OIDs and edition URIs of the same system included). */
  private static String system(Coding coding) {
    if (!coding.hasSystem()) {
      return null;
    }
    String s = coding.getSystem().strip();
    return switch (s) {
      case "urn:oid:2.16.840.1.113883.6.90" -> CodeSystems.ICD_10_CM;
      case "urn:oid:2.16.840.1.113883.6.96" -> CodeSystems.SNOMED_CT;
      case "urn:oid:2.16.840.1.113883.6.88" -> CodeSystems.RXNORM;
      default -> s.startsWith(CodeSystems.SNOMED_CT + "/") ? CodeSystems.SNOMED_CT : s;
    };
  }

  /**
   * Whether the table can say of an entry whether it is a trigger: a condition or an order's reason
   * with an ICD-10-CM or lumbar-cds code, or a SNOMED CT code that is listed, one of the project's
   * own non-trigger concepts, or answered by the terminology server for every root; a procedure
   * with such a SNOMED CT code; a medication by its RxNorm code, its drug name or an ingredient
   * name. Anything else (text only, another code system, a SNOMED CT code nobody placed) is named
   * on the card and forbids a removal.
   */
  private boolean placed(Entry e) {
    if (e.kind() == Kind.MEDICATION) {
      return medicationPlaced(e.concept());
    }
    for (Coding coding : e.concept().getCoding()) {
      if (!coding.hasCode()) {
        continue;
      }
      if (known.test(coding)) {
        return true;
      }
      String system = system(coding);
      String code = coding.getCode().strip();
      if (e.kind() == Kind.CONDITION
          && (CodeSystems.ICD_10_CM.equals(system) || CodeSystems.LUMBAR_CDS.equals(system))) {
        return true;
      }
      if (CodeSystems.SNOMED_CT.equals(system) && snomedPlaced(code, e.kind())) {
        return true;
      }
    }
    return false;
  }

  private boolean snomedPlaced(String code, Kind kind) {
    if (knownSnomed.contains(code)) {
      return true;
    }
    for (Group g : table.groups().values()) {
      if (g.kind() != kind) {
        continue;
      }
      if (listed(g.snomed().roots(), code) || listed(g.snomed().descendants(), code)) {
        return true;
      }
    }
    for (Group g : table.groups().values()) {
      if (g.kind() != kind) {
        continue;
      }
      for (GroupCode root : g.snomed().roots()) {
        if (subsumption.subsumes(CodeSystems.SNOMED_CT, root.code(), code).isEmpty()) {
          return false;
        }
      }
    }
    return true;
  }

  private boolean medicationPlaced(CodeableConcept concept) {
    for (Coding c : concept.getCoding()) {
      if (CodeSystems.RXNORM.equals(system(c)) && c.hasCode()) {
        for (Group g : table.groups().values()) {
          if (g.kind() == Kind.MEDICATION && listed(g.rxnorm(), c.getCode().strip())) {
            return true;
          }
        }
        if (c.hasDisplay() && DRUG_NAME.matcher(c.getDisplay()).find()) {
          return true; // a clinical or branded drug's name names its ingredients
        }
      }
    }
    return table.groups().values().stream()
        .filter(g -> g.kind() == Kind.MEDICATION)
        .anyMatch(g -> namesMatch(g, concept, true));
  }

  private boolean namesMatch(Group group, CodeableConcept concept) {
    return namesMatch(group, concept, false);
  }

  /**
   * Whether an ingredient name of the group is in the concept's text or displays; a topical,
   * inhaled or other local form counts only when {@code anyForm} (it is then placed, but not
   * systemic).
   */
  private boolean namesMatch(Group group, CodeableConcept concept, boolean anyForm) {
    List<String> texts = new ArrayList<>();
    if (concept.hasText()) {
      texts.add(concept.getText());
    }
    concept.getCoding().stream().filter(Coding::hasDisplay).forEach(c -> texts.add(c.getDisplay()));
    for (String text : texts) {
      String t = text.toLowerCase(Locale.ROOT);
      if (!anyForm && TOPICAL.matcher(t).find()) {
        continue; // a cream or an inhaler of a steroid is not systemic
      }
      for (Pattern name : names.get(group)) {
        if (name.matcher(t).find()) {
          return true;
        }
      }
    }
    return false;
  }

  /** Whether the code is one of the list's (a set built once per list: the hook's hot path). */
  private boolean listed(List<GroupCode> codes, String code) {
    return codeSets
        .computeIfAbsent(
            codes,
            list -> list.stream().map(GroupCode::code).collect(java.util.stream.Collectors.toSet()))
        .contains(code);
  }

  private final Map<List<GroupCode>, Set<String>> codeSets =
      java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

  /** ICD-10-CM codes compared without their dot and case: EHRs send both "G83.4" and "G834". */
  private static String icd(String code) {
    return code.replace(".", "").strip().toUpperCase(Locale.ROOT);
  }

  // --- the record as entries ---------------------------------------------------------------------

  private List<Entry> entries(
      PatientRecord record, List<ServiceRequest> orders, LocalDate today, Set<String> unchecked) {
    List<Entry> entries = new ArrayList<>();
    Map<String, Condition> byId = new java.util.HashMap<>();
    for (Condition c : record.conditions()) {
      if (notSo(c)) {
        continue;
      }
      byId.put(c.getIdElement().getIdPart(), c);
      entries.add(
          new Entry(
              Kind.CONDITION, c.getCode(), onset(c), onsetKnown(c), "problem list", !over(c)));
    }
    for (ServiceRequest order : orders) {
      for (CodeableConcept reason : order.getReasonCode()) {
        entries.add(
            new Entry(Kind.CONDITION, reason, Optional.empty(), "the order's reason", true));
      }
      for (Reference ref : order.getReasonReference()) {
        Optional<Condition> reason = reasonCondition(order, ref, byId);
        if (reason.isPresent()) {
          if (!notSo(reason.get())) {
            entries.add(
                new Entry(
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
          new Entry(
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
    return Optional.ofNullable(byId.get(new org.hl7.fhir.r4.model.IdType(r).getIdPart()));
  }

  /** A medication order's or statement's entry, when it counts. */
  private Optional<Entry> medicationEntry(
      String status,
      org.hl7.fhir.r4.model.Type medication,
      List<Resource> contained,
      Date start,
      Date end,
      String where,
      LocalDate today) {
    if (!medicationCounts(status, end, today)) {
      return Optional.empty();
    }
    return Optional.of(
        new Entry(
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

  private static CodeableConcept medication(
      org.hl7.fhir.r4.model.Type medication, List<Resource> contained) {
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

  private static String describe(Entry e) {
    return describeCode(e.concept())
        + " ("
        + e.where()
        + e.date().map(d -> ", " + d).orElse("")
        + ")";
  }

  /** "display [code]" of the first coded coding, else the text. */
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
