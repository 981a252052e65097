package org.lumbarcds.cds.hooks;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.FhirCodes;
import org.lumbarcds.cds.ValueSetIndex;
import org.lumbarcds.cds.advice.MriAdviceRules;
import org.lumbarcds.cds.result.AiResultFactory;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;
import org.lumbarcds.terminology.ValueSets;

/**
 * Reads the facts the MRI advice weighs from a patient's record: red flags, the last lumbar MRI,
 * symptom onset, failed conservative care, intervention candidacy (the project's ValueSets and
 * codes), and the latest AI result. A Condition counts unless its clinical status says it is over
 * (inactive, remission, resolved) or its verification status says it is not so (refuted, entered in
 * error).
 */
public final class ClinicalFacts {

  /**
   * The latest AI result and how the rules read it.
   *
   * @param observation the Observation
   * @param finding the finding the rules weigh
   * @param sameModel whether the model in use made it (its operating points are then the card's)
   */
  public record AiResult(
      Observation observation, MriAdviceRules.AiFinding finding, boolean sameModel) {}

  /** The model in use, as results name it, with its operating points. */
  public record ModelInUse(String id, String version, double ruleOut, double ruleIn) {}

  /**
   * ICD-10-CM categories that are red flags but cannot be enumerated in the ValueSets without the
   * ICD-10-CM code system loaded (docs/terminology.md): matched by prefix, per red-flag group.
   */
  static final Map<String, java.util.regex.Pattern> ICD10_RED_FLAG_CATEGORIES =
      Map.of(
          // malignant neoplasms C00-C96 (secondary of bone C79.5- included); history of one Z85.-
          ValueSets.RED_FLAG_CANCER,
          java.util.regex.Pattern.compile("^(C(0\\d|[1-8]\\d|9[0-6])|Z85)"),
          // fracture of a lumbar vertebra, every S32.0- child
          ValueSets.RED_FLAG_FRACTURE,
          java.util.regex.Pattern.compile("^S32\\.0"),
          // vertebral osteomyelitis, disc infection, discitis: M46.2-, M46.3-, M46.4-
          ValueSets.RED_FLAG_INFECTION,
          java.util.regex.Pattern.compile("^M46\\.[234]"));

  private static final Set<String> OVER = Set.of("inactive", "remission", "resolved");
  private static final Set<String> NOT_SO = Set.of("refuted", "entered-in-error");

  private final ValueSetIndex valueSets;
  private final ModelInUse model;
  private final ZoneId zone;

  public ClinicalFacts(ValueSetIndex valueSets, ModelInUse model, ZoneId zone) {
    this.valueSets = valueSets;
    this.model = model;
    this.zone = zone;
  }

  /** The clinical picture the rules weigh. */
  public MriAdviceRules.ClinicalPicture picture(PatientRecord record) {
    List<Condition> current = record.conditions().stream().filter(ClinicalFacts::counts).toList();
    Set<String> redFlags = new LinkedHashSet<>();
    for (String group : ValueSets.RED_FLAG_GROUPS) {
      for (Condition c : current) {
        if (valueSets.contains(group, c.getCode()) || icd10Category(group, c.getCode())) {
          redFlags.add(describe(c.getCode()));
        }
      }
    }
    Optional<LocalDate> onset =
        current.stream()
            .filter(
                c ->
                    valueSets.contains(ValueSets.LOW_BACK_PAIN, c.getCode())
                        || valueSets.contains(ValueSets.LUMBAR_SPINAL_STENOSIS, c.getCode()))
            .map(this::onset)
            .flatMap(Optional::stream)
            .min(Comparator.naturalOrder());
    return new MriAdviceRules.ClinicalPicture(
        List.copyOf(redFlags),
        lastLumbarMri(record),
        onset,
        has(current, Codes.CONSERVATIVE_CARE_FAILED),
        has(current, Codes.SPINAL_INTERVENTION_CANDIDATE));
  }

  private static boolean icd10Category(String group, CodeableConcept code) {
    java.util.regex.Pattern pattern = ICD10_RED_FLAG_CATEGORIES.get(group);
    return pattern != null
        && code.getCoding().stream()
            .filter(c -> CodeSystems.ICD_10_CM.equals(c.getSystem()) && c.hasCode())
            .anyMatch(
                c ->
                    pattern.matcher(c.getCode().strip().toUpperCase(java.util.Locale.ROOT)).find());
  }

  /** The most recent completed lumbar MRI (order or procedure). */
  Optional<LocalDate> lastLumbarMri(PatientRecord record) {
    Stream<Date> orders =
        record.mriOrders().stream()
            .filter(o -> o.getStatus() == ServiceRequest.ServiceRequestStatus.COMPLETED)
            .filter(o -> valueSets.contains(ValueSets.LUMBAR_MRI, o.getCode()))
            .map(
                o ->
                    o.hasOccurrenceDateTimeType()
                        ? o.getOccurrenceDateTimeType().getValue()
                        : o.hasOccurrencePeriod() && o.getOccurrencePeriod().hasEnd()
                            ? o.getOccurrencePeriod().getEnd()
                            : o.getAuthoredOn());
    Stream<Date> procedures =
        record.mriProcedures().stream()
            .filter(p -> p.getStatus() == Procedure.ProcedureStatus.COMPLETED)
            .filter(p -> valueSets.contains(ValueSets.LUMBAR_MRI, p.getCode()))
            .map(
                p ->
                    p.hasPerformedDateTimeType()
                        ? p.getPerformedDateTimeType().getValue()
                        : p.hasPerformedPeriod() ? p.getPerformedPeriod().getEnd() : null);
    return Stream.concat(orders, procedures)
        .filter(java.util.Objects::nonNull)
        .map(this::date)
        .max(Comparator.naturalOrder());
  }

  private static final Set<ServiceRequest.ServiceRequestStatus> OPEN =
      java.util.EnumSet.of(
          ServiceRequest.ServiceRequestStatus.DRAFT,
          ServiceRequest.ServiceRequestStatus.ACTIVE,
          ServiceRequest.ServiceRequestStatus.ONHOLD);

  /** Lumbar MRI orders in the record that are still open (draft, active, on hold). */
  public List<ServiceRequest> openMriOrders(PatientRecord record) {
    return record.mriOrders().stream()
        .filter(o -> OPEN.contains(o.getStatus()))
        .filter(o -> valueSets.contains(ValueSets.LUMBAR_MRI, o.getCode()))
        .toList();
  }

  /** Whether the draft orders hold a lumbar MRI; returns the drafted ones. */
  public List<ServiceRequest> draftedMris(List<ServiceRequest> drafts) {
    return drafts.stream()
        .filter(o -> valueSets.contains(ValueSets.LUMBAR_MRI, o.getCode()))
        .toList();
  }

  /** The latest AI result (by issue time, else effective time, else last update). */
  public Optional<AiResult> latestAiResult(PatientRecord record) {
    return record.aiResults().stream()
        .filter(o -> o.getCode().getCoding().stream().anyMatch(ClinicalFacts::isProbabilityCode))
        .filter(
            o ->
                o.getStatus() != Observation.ObservationStatus.ENTEREDINERROR
                    && o.getStatus() != Observation.ObservationStatus.CANCELLED)
        .max(Comparator.comparing(ClinicalFacts::when))
        .map(this::read);
  }

  private AiResult read(Observation obs) {
    String identifier = AiResultFactory.analysisIdentifier(obs).orElse("");
    boolean sameModel = AiResultFactory.madeBy(obs, model.id(), model.version());
    Set<String> problems = new LinkedHashSet<>();
    for (Observation.ObservationComponentComponent c : obs.getComponent()) {
      if (c.getCode().getCoding().stream()
              .anyMatch(cd -> FhirCodes.is(cd, Codes.LSS_AI_QUALITY_FLAG))
          && c.hasValueCodeableConcept()) {
        problems.add(describeWithoutCode(c.getValueCodeableConcept()));
      }
    }
    Optional<Double> probability =
        obs.getValue() instanceof Quantity q && q.hasValue()
            ? Optional.of(q.getValue().doubleValue())
            : Optional.empty();
    if (probability.isPresent() && !sameModel) {
      problems.add(
          "made by another model than the one in use ("
              + (identifier.isEmpty()
                  ? "unnamed"
                  : identifier.substring(identifier.indexOf('|') + 1))
              + "); its operating points are not this model's: the analysis must be re-run");
      probability = Optional.empty();
    }
    if (obs.getMeta().getTag().stream().anyMatch(t -> FhirCodes.is(t, Codes.AI_RESULT_DISPUTED))) {
      // a physician who looked at the radiographs disputes it: not a basis for advice
      problems.add("disputed by a physician who reviewed the radiographs");
      probability = Optional.empty();
    }
    if (probability.isEmpty() && problems.isEmpty()) {
      problems.add("no probability recorded");
    }
    return new AiResult(
        obs,
        new MriAdviceRules.AiFinding(
            probability, model.ruleOut(), model.ruleIn(), date(when(obs)), problems),
        sameModel);
  }

  private static Date when(Observation o) {
    if (o.hasIssued()) {
      return o.getIssued();
    }
    if (o.hasEffectiveDateTimeType()) {
      return o.getEffectiveDateTimeType().getValue();
    }
    return o.getMeta().hasLastUpdated() ? o.getMeta().getLastUpdated() : new Date(0);
  }

  private Optional<LocalDate> onset(Condition c) {
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

  private static boolean counts(Condition c) {
    boolean over =
        c.getClinicalStatus().getCoding().stream().anyMatch(cd -> OVER.contains(cd.getCode()));
    boolean notSo =
        c.getVerificationStatus().getCoding().stream()
            .anyMatch(cd -> NOT_SO.contains(cd.getCode()));
    return !over && !notSo;
  }

  private static boolean has(List<Condition> conditions, Code code) {
    return conditions.stream()
        .anyMatch(c -> c.getCode().getCoding().stream().anyMatch(cd -> FhirCodes.is(cd, code)));
  }

  private static boolean isProbabilityCode(Coding c) {
    return FhirCodes.is(c, Codes.LSS_AI_PROBABILITY);
  }

  /** "display (code)" from the first coding, or the text. */
  static String describe(CodeableConcept concept) {
    List<String> parts = new ArrayList<>();
    Coding first = concept.getCodingFirstRep();
    String display =
        concept.hasText() ? concept.getText() : first.hasDisplay() ? first.getDisplay() : null;
    if (display != null) {
      parts.add(display);
    }
    if (first.hasCode()) {
      parts.add("(" + first.getCode() + ")");
    }
    return parts.isEmpty() ? "coded condition" : String.join(" ", parts);
  }

  private static String describeWithoutCode(CodeableConcept concept) {
    Coding first = concept.getCodingFirstRep();
    return first.hasDisplay() ? first.getDisplay() : first.getCode();
  }
}
