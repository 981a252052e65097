package org.lumbarcds.cds.hooks;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.FhirCodes;
import org.lumbarcds.cds.ValueSetIndex;
import org.lumbarcds.cds.advice.MriAdviceRules;
import org.lumbarcds.cds.result.AiResult;
import org.lumbarcds.cds.result.AiResultFactory;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.Codes;
import org.lumbarcds.terminology.ValueSets;

/**
 * Reads the facts the MRI advice weighs from a patient's record: the trigger table's triggers
 * ({@link TriggerFinder}), the last lumbar MRI, symptom onset, failed conservative care,
 * intervention candidacy (the project's ValueSets and codes), and the latest AI result of this
 * patient. A Condition counts unless its clinical status says it is over (inactive, remission,
 * resolved) or its verification status says it is not so (refuted, entered in error).
 */
public final class ClinicalFacts {

  /**
   * The latest AI result and how the rules read it.
   *
   * @param observation the Observation
   * @param result the Observation as read ({@link AiResultFactory#read})
   * @param finding the finding the rules weigh
   * @param sameModel whether the model in use made it (its operating points are then the card's)
   */
  public record AiBasis(
      Observation observation,
      AiResult result,
      MriAdviceRules.AiFinding finding,
      boolean sameModel) {}

  /**
   * The model in use, as results name it, with its operating points.
   *
   * @param twoViewPoints the operating points of each two-view configuration, by the posture
   *     missing (empty when its card has none: a two-view result is then no basis for advice)
   */
  public record ModelInUse(
      String id,
      String version,
      double ruleOut,
      double ruleIn,
      Map<Posture, ModelCard.OperatingPoints> twoViewPoints) {
    public ModelInUse {
      twoViewPoints = Map.copyOf(twoViewPoints);
    }

    /** The model in use as its card describes it. */
    public static ModelInUse of(ModelCard card) {
      return new ModelInUse(
          card.id(), card.version(), card.ruleOut(), card.ruleIn(), card.twoViewPoints());
    }
  }

  private final ValueSetIndex valueSets;
  private final ModelInUse model;
  private final ZoneId zone;
  private final TriggerFinder triggers;
  private final Function<String, Optional<String>> studyPatient;

  /**
   * @param triggers finds the trigger table's triggers in a record
   * @param studyPatient the patient id of an ImagingStudy this server holds, by reference (empty
   *     when the server does not hold it)
   */
  public ClinicalFacts(
      ValueSetIndex valueSets,
      ModelInUse model,
      ZoneId zone,
      TriggerFinder triggers,
      Function<String, Optional<String>> studyPatient) {
    this.valueSets = valueSets;
    this.model = model;
    this.zone = zone;
    this.triggers = triggers;
    this.studyPatient = studyPatient;
  }

  /**
   * The clinical picture the rules weigh.
   *
   * @param record the patient's record
   * @param orders the orders the hook is about: their reasons count like the problem list
   * @param today the date the advice is for
   */
  public MriAdviceRules.ClinicalPicture picture(
      PatientRecord record, List<ServiceRequest> orders, LocalDate today) {
    List<Condition> current = record.conditions().stream().filter(ClinicalFacts::counts).toList();
    TriggerFinder.Findings found = triggers.find(record, orders, today);
    List<MriAdviceRules.Indication> indications =
        found.hits().stream()
            .map(
                h ->
                    new MriAdviceRules.Indication(
                        MriAdviceRules.Tier.valueOf(h.trigger().tier().name()),
                        h.trigger().label(),
                        h.evidence(),
                        h.trigger().modality(),
                        h.trigger().mri(),
                        h.trigger().source() + ": " + h.trigger().statement()))
            .toList();
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
        indications,
        found.unchecked(),
        lastLumbarMri(record),
        onset,
        has(current, Codes.CONSERVATIVE_CARE_FAILED),
        has(current, Codes.SPINAL_INTERVENTION_CANDIDATE));
  }

  /** The most recent completed lumbar MRI (order or procedure). */
  Optional<LocalDate> lastLumbarMri(PatientRecord record) {
    String patient = idPart(record.patientId());
    Stream<Date> orders =
        record.mriOrders().stream()
            .filter(o -> names(o.getSubject(), patient))
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
            .filter(p -> names(p.getSubject(), patient))
            .filter(p -> p.getStatus() == Procedure.ProcedureStatus.COMPLETED)
            .filter(p -> valueSets.contains(ValueSets.LUMBAR_MRI, p.getCode()))
            .map(
                p ->
                    p.hasPerformedDateTimeType()
                        ? p.getPerformedDateTimeType().getValue()
                        : p.hasPerformedPeriod() ? p.getPerformedPeriod().getEnd() : null);
    return Stream.concat(orders, procedures)
        .filter(Objects::nonNull)
        .map(this::date)
        .max(Comparator.naturalOrder());
  }

  private static final Set<ServiceRequest.ServiceRequestStatus> OPEN =
      EnumSet.of(
          ServiceRequest.ServiceRequestStatus.DRAFT,
          ServiceRequest.ServiceRequestStatus.ACTIVE,
          ServiceRequest.ServiceRequestStatus.ONHOLD);

  /** Lumbar MRI orders in the record that are still open (draft, active, on hold). */
  public List<ServiceRequest> openMriOrders(PatientRecord record) {
    String patient = idPart(record.patientId());
    return record.mriOrders().stream()
        .filter(o -> names(o.getSubject(), patient))
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

  /**
   * The AI results of the record that count: this patient's, by subject and, when this server holds
   * the ImagingStudy a result derives from, by that study's patient too.
   *
   * @param latest the latest of them (by issue time, else effective time, else last update)
   * @param foreign how many results in the record belong to another patient (ignored)
   */
  public record AiResults(Optional<AiBasis> latest, int foreign) {}

  /** The record's AI results, this patient's only. */
  public AiResults aiResults(PatientRecord record) {
    String patient = idPart(record.patientId());
    List<Observation> candidates =
        record.aiResults().stream()
            .filter(
                o -> o.getCode().getCoding().stream().anyMatch(ClinicalFacts::isProbabilityCode))
            .filter(
                o ->
                    o.getStatus() != Observation.ObservationStatus.ENTEREDINERROR
                        && o.getStatus() != Observation.ObservationStatus.CANCELLED)
            .toList();
    int foreign = 0;
    Optional<AiBasis> latest = Optional.empty();
    Instant latestWhen = Instant.MIN;
    for (Observation o : candidates) {
      AiResult result = AiResultFactory.read(o);
      if (!isPatients(result, patient)) {
        foreign++;
        continue;
      }
      Instant when = result.issued().orElse(Instant.EPOCH);
      if (latest.isEmpty() || when.isAfter(latestWhen)) {
        latest = Optional.of(basis(o, result));
        latestWhen = when;
      }
    }
    return new AiResults(latest, foreign);
  }

  /** The latest AI result of this patient. */
  public Optional<AiBasis> latestAiResult(PatientRecord record) {
    return aiResults(record).latest();
  }

  private boolean isPatients(AiResult result, String patient) {
    if (!names(result.subject().orElse(null), patient)) {
      return false;
    }
    for (String study : result.studies()) {
      if (study.contains("ImagingStudy/")) {
        Optional<String> owner = studyPatient.apply(study);
        if (owner.isPresent() && !patient.equals(idPart(owner.get()))) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether a reference names the patient (a prior MRI of another patient is no duplicate). */
  private static boolean names(Reference subject, String patient) {
    return subject != null && names(subject.getReference(), patient);
  }

  /** Whether a reference ({@code 123}, {@code Patient/123}, absolute, versioned) is the patient. */
  private static boolean names(String reference, String patient) {
    if (reference == null || reference.isBlank()) {
      return false;
    }
    IdType id = new IdType(reference);
    return (!id.hasResourceType() || "Patient".equals(id.getResourceType()))
        && patient.equals(id.getIdPart());
  }

  /**
   * Codes of the project's own ValueSets that are no trigger: lumbar imaging orders and procedures,
   * back pain and stenosis (so a prior MRI or the radiograph itself is placed).
   */
  public static Predicate<Coding> knownNonTriggers(ValueSetIndex valueSets) {
    return coding ->
        coding.hasSystem()
            && (valueSets.contains(ValueSets.LUMBAR_MRI, coding)
                || valueSets.contains(ValueSets.LUMBAR_XR_FLEXION_EXTENSION, coding)
                || valueSets.contains(ValueSets.LOW_BACK_PAIN, coding)
                || valueSets.contains(ValueSets.LUMBAR_SPINAL_STENOSIS, coding));
  }

  /** {@code 123}, {@code Patient/123}, absolute and versioned references: the id part. */
  static String idPart(String reference) {
    if (reference == null) {
      return "";
    }
    return reference.contains("/") ? new IdType(reference).getIdPart() : reference.strip();
  }

  private AiBasis basis(Observation obs, AiResult result) {
    boolean sameModel = result.madeBy(model.id(), model.version());
    Set<String> problems = new LinkedHashSet<>();
    result.qualityFlags().forEach(f -> problems.add(f.display()));
    Optional<Double> probability = result.probability();
    double ruleOut = model.ruleOut();
    double ruleIn = model.ruleIn();
    Optional<Posture> missingView = Optional.empty();
    if (probability.isPresent() && result.viewsUsed().size() == Posture.values().length - 1) {
      // a two-view result: its missing view's flag is no problem, its points are that
      // configuration's (a result that names no views is read as before: three)
      result.qualityFlags().forEach(f -> problems.remove(f.display()));
      Optional<Posture> missing = Posture.missing(result.viewsUsed());
      Optional<ModelCard.OperatingPoints> points = missing.map(m -> model.twoViewPoints().get(m));
      if (points.isPresent()) {
        missingView = missing;
        ruleOut = points.get().ruleOut();
        ruleIn = points.get().ruleIn();
      } else if (sameModel) {
        problems.add(
            "made from "
                + result.viewsUsed().size()
                + " views, for which the model in use has no operating points");
        probability = Optional.empty();
      }
    }
    if (probability.isPresent() && !sameModel) {
      problems.add(
          "made by another model than the one in use ("
              + result.model().orElse("unnamed")
              + "); its operating points are not this model's: the analysis must be re-run");
      probability = Optional.empty();
    }
    if (result.disputed()) {
      // a physician who looked at the radiographs disputes it: not a basis for advice
      problems.add("disputed by a physician who reviewed the radiographs");
      probability = Optional.empty();
    }
    if (probability.isEmpty() && problems.isEmpty()) {
      problems.add("no probability recorded");
    }
    LocalDate issued =
        result.issued().map(i -> i.atZone(zone).toLocalDate()).orElse(LocalDate.EPOCH);
    return new AiBasis(
        obs,
        result,
        new MriAdviceRules.AiFinding(probability, ruleOut, ruleIn, issued, problems, missingView),
        sameModel);
  }

  private Optional<LocalDate> onset(Condition c) {
    return triggers.onset(c);
  }

  private LocalDate date(Date d) {
    return d.toInstant().atZone(zone).toLocalDate();
  }

  private static boolean counts(Condition c) {
    return TriggerFinder.current(c);
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
}
