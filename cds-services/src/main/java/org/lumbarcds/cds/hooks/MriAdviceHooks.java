package org.lumbarcds.cds.hooks;

import java.time.Clock;
import java.time.LocalDate;
import java.time.Period;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.ValueSetIndex;
import org.lumbarcds.cds.advice.MriAdviceRules;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;
import org.lumbarcds.terminology.ValueSets;

/**
 * The CDS Hooks services of lumbar-cds: what each one is (for discovery, with its named prefetch
 * templates) and what it answers, given the patient's record. {@link CdsServices} takes a call to
 * it: the record (prefetch, else the EHR's FHIR server, else the local store) and, for
 * order-complete, the analysis come through its ports; everything decided from the record is here.
 */
public final class MriAdviceHooks {

  public static final String ORDER_SELECT = "lss-mri-order-select";
  public static final String ORDER_SIGN = "lss-mri-order-sign";
  public static final String PATIENT_VIEW = "lss-patient-view";
  public static final String ORDER_COMPLETE = "lss-order-complete";

  /** The custom hook: a lumbar radiograph order was completed. */
  public static final String ORDER_COMPLETE_HOOK = "org.lumbarcds.order-complete";

  /** Prefetch keys. */
  public static final String CONDITIONS = "conditions";

  public static final String AI_RESULTS = "aiResults";
  public static final String LUMBAR_MRI_ORDERS = "lumbarMriOrders";
  public static final String LUMBAR_MRI_PROCEDURES = "lumbarMriProcedures";
  public static final String ORDER = "order";

  // Optional keys: a key that cannot be read makes the card say so and forbids a removal
  public static final String PATIENT = "patient";
  public static final String MEDICATION_REQUESTS = "medicationRequests";
  public static final String MEDICATION_STATEMENTS = "medicationStatements";
  public static final String TEMPERATURES = "temperatures";
  public static final String PROCEDURES = "procedures";

  /**
   * The keys the advice can do without: unobtainable, they are named on the card as not checked
   * (the others, unobtainable, are a 412).
   */
  public static final Set<String> OPTIONAL_KEYS =
      Set.of(PATIENT, MEDICATION_REQUESTS, MEDICATION_STATEMENTS, TEMPERATURES, PROCEDURES);

  /**
   * A service as discovery lists it.
   *
   * @param id service id
   * @param hook the hook it answers
   * @param title title
   * @param description what it does
   * @param prefetch named prefetch templates
   * @param contextFields the context fields it needs
   */
  public record Definition(
      String id,
      String hook,
      String title,
      String description,
      Map<String, String> prefetch,
      List<String> contextFields) {
    public CdsHooks.Service discovery() {
      return new CdsHooks.Service(hook, title, description, id, prefetch);
    }
  }

  /**
   * A card as issued, for its feedback later.
   *
   * @param uuid the card's uuid
   * @param recommendation the rule that decided
   * @param indicator the card's indicator
   * @param observationId the AI result it rests on, if any
   */
  public record Issued(
      String uuid,
      MriAdviceRules.Recommendation recommendation,
      String indicator,
      Optional<String> observationId) {}

  /** A service's answer and the cards in it. */
  public record Answer(CdsHooks.Response response, List<Issued> issued) {
    public static Answer none() {
      return new Answer(CdsHooks.Response.none(), List.of());
    }
  }

  private record Made(CdsHooks.Card card, Issued issued) {}

  private final ClinicalFacts facts;
  private final LongAdder foreignResults = new LongAdder();
  private final MriAdviceRules rules;
  private final CardFactory cards;
  private final Clock clock;
  private final Period newResult;
  private final List<Definition> definitions;

  /**
   * @param newResult how long an AI result counts as new for patient-view
   */
  public MriAdviceHooks(
      ValueSetIndex valueSets,
      ClinicalFacts facts,
      MriAdviceRules rules,
      CardFactory cards,
      Clock clock,
      Period newResult) {
    this.facts = facts;
    this.rules = rules;
    this.cards = cards;
    this.clock = clock;
    this.newResult = newResult;
    this.definitions = definitions(valueSets);
  }

  public List<Definition> definitions() {
    return definitions;
  }

  public Optional<Definition> definition(String id) {
    return definitions.stream().filter(d -> d.id().equals(id)).findFirst();
  }

  private static List<Definition> definitions(ValueSetIndex valueSets) {
    String mriCodes = String.join(",", valueSets.tokens(ValueSets.LUMBAR_MRI));
    Map<String, String> record = new LinkedHashMap<>();
    record.put(CONDITIONS, "Condition?patient={{context.patientId}}");
    record.put(
        AI_RESULTS,
        "Observation?patient={{context.patientId}}&code="
            + CodeSystems.LUMBAR_CDS
            + "|"
            + Codes.LSS_AI_PROBABILITY.code()
            + "&_sort=-date&_count=10");
    record.put(LUMBAR_MRI_ORDERS, "ServiceRequest?patient={{context.patientId}}&code=" + mriCodes);
    record.put(LUMBAR_MRI_PROCEDURES, "Procedure?patient={{context.patientId}}&code=" + mriCodes);
    record.put(PATIENT, "Patient/{{context.patientId}}");
    record.put(MEDICATION_REQUESTS, "MedicationRequest?patient={{context.patientId}}");
    record.put(MEDICATION_STATEMENTS, "MedicationStatement?patient={{context.patientId}}");
    record.put(
        TEMPERATURES,
        "Observation?patient={{context.patientId}}&code="
            + String.join(
                ",",
                TriggerFinder.BODY_TEMPERATURE.stream()
                    .map(c -> CodeSystems.LOINC + "|" + c)
                    .toList())
            + "&_sort=-date&_count=100");
    record.put(PROCEDURES, "Procedure?patient={{context.patientId}}");
    Map<String, String> withOrder = new LinkedHashMap<>(record);
    withOrder.put(ORDER, "ServiceRequest/{{context.serviceRequestId}}");
    return List.of(
        new Definition(
            ORDER_SELECT,
            "order-select",
            "Lumbar MRI advice (order selected)",
            "When a lumbar MRI is selected, says whether it is warranted: red flags, a recent MRI,"
                + " symptom duration and the AI screening of flexion/extension radiographs for"
                + " severe central lumbar spinal stenosis.",
            record,
            List.of("patientId", "draftOrders")),
        new Definition(
            ORDER_SIGN,
            "order-sign",
            "Lumbar MRI advice (order signed)",
            "Before a lumbar MRI order is signed, says whether it is warranted, and offers to"
                + " remove it when it is not.",
            record,
            List.of("patientId", "draftOrders")),
        new Definition(
            PATIENT_VIEW,
            "patient-view",
            "New AI radiograph result for lumbar spinal stenosis",
            "Shows a new AI screening result of flexion/extension radiographs with the MRI advice"
                + " it leads to.",
            record,
            List.of("patientId")),
        new Definition(
            ORDER_COMPLETE,
            ORDER_COMPLETE_HOOK,
            "AI analysis of a completed lumbar radiograph order",
            "When a lumbar flexion/extension radiograph order is completed, runs (or reuses) the"
                + " AI analysis of its three views and returns the advice, with a system action"
                + " that records the result. Context: patientId, serviceRequestId, optional"
                + " imagingStudyId.",
            withOrder,
            List.of("patientId", "serviceRequestId")));
  }

  /** How many AI results of another patient were found in records and ignored, since start. */
  public long foreignResultsIgnored() {
    return foreignResults.sum();
  }

  /** Whether any of the orders is a lumbar MRI. */
  public boolean anyLumbarMri(List<ServiceRequest> orders) {
    return !facts.draftedMris(orders).isEmpty();
  }

  /**
   * order-select / order-sign: advice on the lumbar MRIs among the orders, none if there is none.
   */
  public Answer orderAdvice(PatientRecord record, List<ServiceRequest> orders) {
    List<ServiceRequest> mris = facts.draftedMris(orders);
    if (mris.isEmpty()) {
      return Answer.none();
    }
    Made made = card(record, mris);
    return new Answer(
        new CdsHooks.Response(List.of(made.card()), List.of()), List.of(made.issued()));
  }

  /** patient-view: the advice from an AI result that is new and not yet acknowledged. */
  public Answer patientView(PatientRecord record) {
    Optional<ClinicalFacts.AiBasis> latest = facts.aiResults(record).latest();
    boolean fresh =
        latest
            .filter(r -> r.observation().getStatus() == Observation.ObservationStatus.PRELIMINARY)
            .filter(r -> !r.finding().issued().isBefore(today().minus(newResult)))
            .isPresent();
    if (!fresh) {
      return Answer.none();
    }
    Made made = card(record, List.of());
    return new Answer(
        new CdsHooks.Response(List.of(made.card()), List.of()), List.of(made.issued()));
  }

  /**
   * order-complete: the advice from the order's result, with a system action that creates the
   * result in the caller's record.
   */
  public Answer orderComplete(PatientRecord record, Observation result) {
    Observation copy = result.copy();
    copy.setId((String) null);
    copy.getMeta().setVersionId(null).setLastUpdated(null);
    Made made = card(record, List.of());
    CdsHooks.Response response =
        new CdsHooks.Response(
            List.of(made.card()),
            List.of(
                new CdsHooks.Action(
                    "create",
                    "Record the AI analysis of the lumbar radiographs",
                    cards.json(copy),
                    null)));
    return new Answer(response, List.of(made.issued()));
  }

  private Made card(PatientRecord record, List<ServiceRequest> draftedMris) {
    ClinicalFacts.AiResults results = facts.aiResults(record);
    Optional<ClinicalFacts.AiBasis> ai = results.latest();
    // an MRI already ordered (draft, active, on hold) counts as drafted: never suggest a second
    boolean mriOrdered = !draftedMris.isEmpty() || !facts.openMriOrders(record).isEmpty();
    MriAdviceRules.Advice advice =
        rules.advise(
            facts.picture(record, draftedMris, today()),
            ai.map(ClinicalFacts.AiBasis::finding),
            mriOrdered,
            today());
    if (results.foreign() > 0) {
      foreignResults.add(results.foreign());
      advice =
          advice.withBasis(
              results.foreign() == 1
                  ? "An AI result in the record belongs to another patient and was not used."
                  : results.foreign()
                      + " AI results in the record belong to another patient and were not used.");
    }
    CdsHooks.Card card = cards.card(advice, ai, record.patientId(), draftedMris);
    return new Made(
        card,
        new Issued(
            card.uuid(),
            advice.recommendation(),
            card.indicator(),
            ai.map(r -> r.observation().getIdElement().getIdPart())));
  }

  private LocalDate today() {
    return LocalDate.now(clock);
  }
}
