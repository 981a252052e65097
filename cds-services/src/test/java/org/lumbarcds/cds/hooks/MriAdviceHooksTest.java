package org.lumbarcds.cds.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.FhirCodes;
import org.lumbarcds.cds.advice.MriAdviceRules;
import org.lumbarcds.cds.result.AiResultFactory;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;
import org.lumbarcds.terminology.QualityFlag;

/**
 * The services' answers per clinical case, read from a patient's record as FHIR resources: which
 * advice, and every card field the spec and docs/design.md ask for.
 */
class MriAdviceHooksTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");
  private static final LocalDate TODAY = LocalDate.of(2026, 11, 27);
  private static ModelCard card;
  private static MriAdviceHooks hooks;

  @BeforeAll
  static void setUp() throws Exception {
    card = ModelCard.read(Path.of("../model/reference/lumbar-cds-lss-3view-phantom.card.json"));
    hooks = HookFixtures.hooks(FHIR, card, NOW);
  }

  // --- the record ----------------------------------------------------------------------------

  private static Condition condition(Code code, LocalDate onset) {
    Condition c = new Condition();
    c.setCode(FhirCodes.concept(code));
    c.getClinicalStatus()
        .addCoding(
            new Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", null));
    if (onset != null) {
      c.setOnset(new DateTimeType(onset.toString()));
    }
    return c;
  }

  private static Condition icd(String code, String display) {
    Condition c = new Condition();
    c.setCode(new CodeableConcept(new Coding(CodeSystems.ICD_10_CM, code, display)));
    return c;
  }

  private static Observation ai(double p, LocalDate issued, String modelVersion) {
    Observation o = new Observation();
    o.setId("Observation/ai-1");
    o.addIdentifier()
        .setSystem(AiResultFactory.ANALYSIS_SYSTEM)
        .setValue("2.25.1|" + card.id() + "|" + modelVersion);
    o.setStatus(Observation.ObservationStatus.PRELIMINARY);
    o.setCode(FhirCodes.concept(Codes.LSS_AI_PROBABILITY));
    o.setSubject(new org.hl7.fhir.r4.model.Reference("Patient/p1"));
    o.setIssued(Date.from(issued.atStartOfDay(ZoneOffset.UTC).toInstant()));
    o.setValue(new Quantity().setValue(p).setUnit("1"));
    return o;
  }

  private static Observation missingView() {
    Observation o = ai(0, TODAY.minusDays(1), card.version());
    o.setValue(null);
    o.addComponent()
        .setCode(FhirCodes.concept(Codes.LSS_AI_QUALITY_FLAG))
        .setValue(
            new CodeableConcept(
                new Coding(
                    CodeSystems.LUMBAR_CDS,
                    "view-missing-extension",
                    "Extension lateral view missing")));
    return o;
  }

  private static ServiceRequest draftMri() {
    ServiceRequest mri = new ServiceRequest();
    mri.setId("ServiceRequest/draft-mri-1");
    mri.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
    mri.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
    mri.setCode(FhirCodes.concept(Codes.MRI_LSPINE_WO_CONTRAST));
    mri.setSubject(new org.hl7.fhir.r4.model.Reference("Patient/p1"));
    return mri;
  }

  private static ServiceRequest draftOther() {
    ServiceRequest lab = new ServiceRequest();
    lab.setId("ServiceRequest/draft-cbc");
    lab.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
    lab.setCode(new CodeableConcept(new Coding(CodeSystems.LOINC, "58410-2", "CBC panel")));
    return lab;
  }

  private static PatientRecord record(
      List<Condition> conditions, List<Procedure> mris, List<Observation> ai) {
    return PatientRecord.of("p1", conditions, List.of(), mris, ai, Optional.empty());
  }

  private static Procedure mriDone(LocalDate when) {
    Procedure p = new Procedure();
    p.setStatus(Procedure.ProcedureStatus.COMPLETED);
    p.setCode(FhirCodes.concept(Codes.MRI_LSPINE_WO_CONTRAST));
    p.setPerformed(new DateTimeType(when.toString()));
    p.setSubject(new org.hl7.fhir.r4.model.Reference("Patient/p1"));
    return p;
  }

  private static double high() {
    return Math.min(0.99, card.ruleIn() + 0.1);
  }

  private static double low() {
    return card.ruleOut() / 2;
  }

  private static double between() {
    return (card.ruleOut() + card.ruleIn()) / 2;
  }

  private static final LocalDate LONG_AGO = TODAY.minusWeeks(10);
  private static final LocalDate RECENT = TODAY.minusWeeks(2);

  /** An AI result of the model in use, issued today. */
  private static Observation current(double p) {
    return ai(p, TODAY, card.version());
  }

  /** order-sign with a drafted MRI, for a record with these conditions and one AI result. */
  private static MriAdviceHooks.Answer sign(List<Condition> conditions, Observation result) {
    return hooks.orderAdvice(record(conditions, List.of(), List.of(result)), List.of(draftMri()));
  }

  private static CdsHooks.Card only(MriAdviceHooks.Answer answer) {
    assertThat(answer.response().cards()).hasSize(1);
    assertThat(answer.issued()).hasSize(1);
    CdsHooks.Card c = answer.response().cards().get(0);
    assertThat(answer.issued().get(0).uuid()).isEqualTo(c.uuid());
    assertSpecFields(c);
    return c;
  }

  /** The fields the spec requires or docs/design.md asks for, on every card. */
  private static void assertSpecFields(CdsHooks.Card c) {
    assertThat(c.uuid()).isNotBlank();
    assertThat(c.summary()).isNotBlank().hasSizeLessThan(140);
    assertThat(c.indicator()).isIn("info", "warning", "critical");
    assertThat(c.source().label()).contains(card.version()).contains("synthetic");
    assertThat(c.source().url()).isEqualTo("http://cds.test/model/card");
    assertThat(c.source().topic().code()).isEqualTo("lss-ai-analysis");
    assertThat(c.detail())
        .contains("**Basis**")
        .contains("version " + card.version())
        .contains("AUROC")
        .contains("synthetic phantom radiographs only");
    if (c.suggestions() != null && !c.suggestions().isEmpty()) {
      assertThat(c.selectionBehavior()).isEqualTo("at-most-one");
      c.suggestions()
          .forEach(
              s -> {
                assertThat(s.uuid()).isNotBlank();
                s.actions().forEach(a -> assertThat(a.description()).isNotBlank());
              });
    }
  }

  private static MriAdviceRules.Recommendation recommendation(MriAdviceHooks.Answer a) {
    return a.issued().get(0).recommendation();
  }

  // --- order-sign / order-select ---------------------------------------------------------------

  @Test
  void noLumbarMriAmongTheDraftsGivesNoCard() {
    MriAdviceHooks.Answer a =
        hooks.orderAdvice(
            record(List.of(), List.of(), List.of(current(high()))), List.of(draftOther()));
    assertThat(a.response().cards()).isEmpty();
    assertThat(a.issued()).isEmpty();
  }

  @Test
  void redFlagIsCriticalWhateverTheModelSays() {
    MriAdviceHooks.Answer a =
        hooks.orderAdvice(
            record(
                List.of(
                    icd("G83.4", "Cauda equina syndrome"), condition(Codes.LOW_BACK_PAIN, RECENT)),
                List.of(),
                List.of(current(low()))),
            List.of(draftMri(), draftOther()));
    CdsHooks.Card c = only(a);
    assertThat(recommendation(a)).isEqualTo(MriAdviceRules.Recommendation.MRI_NOW_RED_FLAG);
    assertThat(c.indicator()).isEqualTo("critical");
    assertThat(c.summary()).contains("Red flag");
    assertThat(c.detail()).contains("Cauda equina syndrome (G83.4)");
    // the model's score is not given as the reason
    assertThat(c.detail()).doesNotContain("Probability of severe central stenosis");
    assertThat(c.suggestions()).isNullOrEmpty(); // the MRI is already drafted
  }

  @Test
  void icd10TriggerCategoriesMatchByHierarchyWithOrWithoutTheDot() {
    for (String code :
        List.of(
            "C61",
            "C79.51",
            "C7A.00",
            "C96.9",
            "Z85.46",
            "S32.010A",
            "M46.26",
            "M46.47",
            "M4626",
            "Z94.0",
            "Z79.52",
            "M81.0",
            "R50.9",
            "R63.4",
            "Z98.1")) {
      MriAdviceHooks.Answer a = sign(List.of(icd(code, null)), current(low()));
      assertThat(recommendation(a))
          .as(code)
          .isEqualTo(MriAdviceRules.Recommendation.IMAGING_WARRANTED);
      assertThat(only(a).detail()).contains("(" + code + ")");
      assertThat(only(a).suggestions()).as(code).isNullOrEmpty();
    }
    for (String code : List.of("G83.4", "g834", "M21.372", "R33.9")) {
      assertThat(recommendation(sign(List.of(icd(code, null)), current(low()))))
          .as(code)
          .isEqualTo(MriAdviceRules.Recommendation.MRI_NOW_RED_FLAG);
    }
    // not malignant, not lumbar, not infective, not a red flag; Z79.899 (other long-term drug
    // therapy) holds aspirin and insulin too
    for (String code :
        List.of("C97", "D18.00", "D49.0", "S33.5XXA", "M46.06", "M54.50", "Z79.899", "Z79.4")) {
      assertThat(recommendation(sign(List.of(icd(code, null)), current(low()))))
          .as(code)
          .isEqualTo(MriAdviceRules.Recommendation.MRI_NOT_NEEDED_NOW);
    }
  }

  @Test
  void aResolvedRedFlagDoesNotCount() {
    Condition resolved = icd("G83.4", "Cauda equina syndrome");
    resolved
        .getClinicalStatus()
        .addCoding(
            new Coding(
                "http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved", null));
    MriAdviceHooks.Answer a = sign(List.of(resolved), current(low()));
    assertThat(recommendation(a)).isEqualTo(MriAdviceRules.Recommendation.MRI_NOT_NEEDED_NOW);
  }

  @Test
  void priorMriWithinAYearWarnsOfADuplicateAndOffersToRemoveTheDraft() {
    MriAdviceHooks.Answer a =
        hooks.orderAdvice(
            record(List.of(), List.of(mriDone(TODAY.minusMonths(3))), List.of(current(high()))),
            List.of(draftMri()));
    CdsHooks.Card c = only(a);
    assertThat(recommendation(a)).isEqualTo(MriAdviceRules.Recommendation.DUPLICATE_MRI);
    assertThat(c.indicator()).isEqualTo("warning");
    assertThat(c.detail()).contains(TODAY.minusMonths(3).toString());
    assertRemovesDraft(c);
  }

  @Test
  void highProbabilityWithLongSymptomsRecommendsMri() {
    MriAdviceHooks.Answer a =
        sign(List.of(condition(Codes.LOW_BACK_PAIN, LONG_AGO)), current(high()));
    CdsHooks.Card c = only(a);
    assertThat(recommendation(a)).isEqualTo(MriAdviceRules.Recommendation.MRI_RECOMMENDED);
    assertThat(c.indicator()).isEqualTo("info");
    assertThat(c.summary())
        .contains("MRI recommended")
        .contains(String.format(java.util.Locale.ROOT, "%.2f", high()));
    assertThat(c.detail())
        .contains(String.format(java.util.Locale.ROOT, "%.4f", card.ruleIn()))
        .contains("Symptoms since " + LONG_AGO);
    assertThat(c.links())
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.url()).isEqualTo("http://cds.test/viewer/ai-1");
              assertThat(l.type()).isEqualTo("absolute");
            });
    assertThat(c.suggestions()).isNullOrEmpty(); // already drafted
  }

  @Test
  void highProbabilityWithoutADraftedMriSuggestsOrderingOne() {
    MriAdviceHooks.Answer a =
        hooks.patientView(
            record(
                List.of(condition(Codes.LOW_BACK_PAIN, LONG_AGO)),
                List.of(),
                List.of(current(high()))));
    CdsHooks.Card c = only(a);
    assertThat(c.suggestions())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.isRecommended()).isTrue();
              CdsHooks.Action create = s.actions().get(0);
              assertThat(create.type()).isEqualTo("create");
              JsonNode mri = create.resource();
              assertThat(mri.path("resourceType").asText()).isEqualTo("ServiceRequest");
              assertThat(mri.path("status").asText()).isEqualTo("draft");
              assertThat(mri.path("code").path("coding").get(0).path("code").asText())
                  .isEqualTo("30679-5");
              assertThat(mri.path("subject").path("reference").asText()).isEqualTo("Patient/p1");
            });
  }

  @Test
  void anMriAlreadyOrderedIsNeverSuggestedAgain() {
    ServiceRequest active = draftMri();
    active.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
    MriAdviceHooks.Answer a =
        hooks.patientView(
            PatientRecord.of(
                "p1",
                List.of(condition(Codes.LOW_BACK_PAIN, LONG_AGO)),
                List.of(active),
                List.of(),
                List.of(current(high())),
                Optional.empty()));
    assertThat(recommendation(a)).isEqualTo(MriAdviceRules.Recommendation.MRI_RECOMMENDED);
    assertThat(only(a).suggestions()).isNullOrEmpty();
    // and with a low probability the active order is not offered for removal (not a draft)
    MriAdviceHooks.Answer low =
        hooks.patientView(
            PatientRecord.of(
                "p1",
                List.of(),
                List.of(active),
                List.of(),
                List.of(current(low())),
                Optional.empty()));
    assertThat(only(low).suggestions()).isNullOrEmpty();
    assertThat(only(low).overrideReasons()).isNullOrEmpty();
  }

  @Test
  void aRedFlagMriSuggestionDoesNotCiteTheModel() {
    MriAdviceHooks.Answer a =
        hooks.patientView(
            record(
                List.of(icd("G83.4", "Cauda equina syndrome")),
                List.of(),
                List.of(current(low()))));
    CdsHooks.Action create = only(a).suggestions().get(0).actions().get(0);
    assertThat(create.resource().has("reasonReference")).isFalse();
  }

  @Test
  void highProbabilityWithShortSymptomsAdvisesConservativeCareFirst() {
    MriAdviceHooks.Answer a =
        sign(List.of(condition(Codes.LOW_BACK_PAIN, RECENT)), current(high()));
    CdsHooks.Card c = only(a);
    assertThat(recommendation(a))
        .isEqualTo(MriAdviceRules.Recommendation.LSS_LIKELY_CONSERVATIVE_CARE_FIRST);
    assertThat(c.summary()).contains("conservative care first");
    assertThat(c.suggestions()).isNullOrEmpty();
  }

  @Test
  void failedConservativeCareCountsAsPersistent() {
    MriAdviceHooks.Answer a =
        sign(
            List.of(
                condition(Codes.LOW_BACK_PAIN, RECENT),
                condition(Codes.CONSERVATIVE_CARE_FAILED, null)),
            current(high()));
    assertThat(recommendation(a)).isEqualTo(MriAdviceRules.Recommendation.MRI_RECOMMENDED);
  }

  @Test
  void lowProbabilityWarnsAndOffersToRemoveTheDraftWithOverrideReasons() throws Exception {
    MriAdviceHooks.Answer a =
        hooks.orderAdvice(
            record(
                List.of(condition(Codes.LOW_BACK_PAIN, LONG_AGO)),
                List.of(),
                List.of(current(low()))),
            List.of(draftMri(), draftOther()));
    CdsHooks.Card c = only(a);
    assertThat(recommendation(a)).isEqualTo(MriAdviceRules.Recommendation.MRI_NOT_NEEDED_NOW);
    assertThat(c.indicator()).isEqualTo("warning");
    assertThat(c.summary()).contains("unlikely");
    assertRemovesDraft(c);
    // serialised as the spec spells it
    JsonNode json = JSON.valueToTree(a.response());
    JsonNode cardJson = json.path("cards").get(0);
    assertThat(cardJson.path("selectionBehavior").asText()).isEqualTo("at-most-one");
    assertThat(
            cardJson.path("suggestions").get(0).path("actions").get(0).path("resourceId").asText())
        .isEqualTo("ServiceRequest/draft-mri-1");
    assertThat(cardJson.path("overrideReasons").get(0).path("display").asText()).isNotBlank();
    assertThat(json.has("systemActions")).isFalse();
  }

  @Test
  void indeterminateProbabilityLeavesItToClinicalJudgement() {
    MriAdviceHooks.Answer a =
        sign(List.of(condition(Codes.LOW_BACK_PAIN, LONG_AGO)), current(between()));
    CdsHooks.Card c = only(a);
    assertThat(recommendation(a)).isEqualTo(MriAdviceRules.Recommendation.INDETERMINATE);
    assertThat(c.indicator()).isEqualTo("info");
    assertThat(c.suggestions()).isNullOrEmpty();
  }

  /**
   * A two-view result of the model in use, as the analysis writes it: the extension view missing,
   * interpreted against the test card's extension-missing points.
   */
  private static Observation twoViews(double p) {
    var prediction =
        new org.lumbarcds.model.inference.Prediction(
            p,
            p < 0.0123
                ? org.lumbarcds.model.inference.Interpretation.UNLIKELY
                : org.lumbarcds.model.inference.Interpretation.INDETERMINATE,
            0.0123,
            0.9876,
            java.util.Map.of(Posture.NEUTRAL, 0.3, Posture.FLEXION, 0.4),
            java.util.Set.of(Posture.NEUTRAL, Posture.FLEXION),
            java.util.Map.of(),
            new org.lumbarcds.model.inference.Prediction.ModelIdentity(
                card.id(), card.version(), card.sha256(), true));
    Observation o =
        new AiResultFactory()
            .observation(
                new AiResultFactory.Subject(
                    new org.hl7.fhir.r4.model.Reference("Patient/p1"),
                    new org.hl7.fhir.r4.model.Reference("ServiceRequest/o1"),
                    new org.hl7.fhir.r4.model.Reference("ImagingStudy/s1"),
                    "2.25.1",
                    null),
                prediction,
                java.util.Set.of(QualityFlag.VIEW_MISSING_EXTENSION),
                new org.hl7.fhir.r4.model.Reference("Device/d1"),
                AiResultFactory.Model.of(prediction.model(), "http://cds.test/model/card"));
    o.setId("Observation/ai-2");
    o.setIssued(Date.from(TODAY.atStartOfDay(ZoneOffset.UTC).toInstant()));
    return o;
  }

  /** The reference card with points and figures for the extension-missing configuration. */
  private static ModelCard twoViewCard(Path dir) throws Exception {
    var json =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            JSON.readTree(
                Path.of("../model/reference/lumbar-cds-lss-3view-phantom.card.json").toFile());
    var c = json.putObject("view_configurations").putObject("extension_missing");
    c.put("missing", "extension");
    var points = c.putObject("operating_points");
    points.putObject("rule_out").put("threshold", 0.0123);
    points.putObject("rule_in").put("threshold", 0.9876);
    ((com.fasterxml.jackson.databind.node.ObjectNode) points.get("rule_out"))
        .putObject("internal_test")
        .putObject("sensitivity")
        .put("value", 0.951);
    var auroc = c.putObject("auroc");
    auroc.putObject("internal_test").put("auroc", 0.861).putArray("ci95").add(0.83).add(0.89);
    auroc.putObject("external").put("auroc", 0.812).putArray("ci95").add(0.78).add(0.84);
    Path path = dir.resolve("card.json");
    JSON.writeValue(path.toFile(), json);
    return ModelCard.read(path);
  }

  @Test
  void aTwoViewResultIsReadAgainstItsConfigurationsPointsAndTheCardNamesTheMissingView(
      @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    MriAdviceHooks twoViewHooks = HookFixtures.hooks(FHIR, twoViewCard(dir), NOW);
    List<Condition> pain = List.of(condition(Codes.LOW_BACK_PAIN, LONG_AGO));

    // below that configuration's rule-out: the same advice as a three-view result would give
    MriAdviceHooks.Answer low =
        twoViewHooks.orderAdvice(
            record(pain, List.of(), List.of(twoViews(0.005))), List.of(draftMri()));
    assertThat(recommendation(low)).isEqualTo(MriAdviceRules.Recommendation.MRI_NOT_NEEDED_NOW);
    CdsHooks.Card c = only(low);
    assertThat(c.detail())
        .contains("From two views")
        .contains("extension view was missing or unusable")
        .contains("rule-out point 0.0123")
        .contains("Validation of that configuration")
        .contains("AUROC 0.861");

    // below the three-view rule-out but above this configuration's: never read as unlikely
    double between = 0.05;
    assertThat(between).isLessThan(card.ruleOut());
    MriAdviceHooks.Answer mid =
        twoViewHooks.orderAdvice(
            record(pain, List.of(), List.of(twoViews(between))), List.of(draftMri()));
    assertThat(recommendation(mid)).isEqualTo(MriAdviceRules.Recommendation.INDETERMINATE);
    assertThat(only(mid).suggestions()).isNullOrEmpty();

    // a model in use without points for two views: no basis for advice
    MriAdviceHooks.Answer none =
        hooks.orderAdvice(record(pain, List.of(), List.of(twoViews(0.005))), List.of(draftMri()));
    assertThat(recommendation(none)).isEqualTo(MriAdviceRules.Recommendation.NO_USABLE_AI_RESULT);
    assertThat(only(none).detail()).contains("no operating points");
    assertThat(only(none).suggestions()).isNullOrEmpty();
  }

  @Test
  void aMissingViewGivesAnInfoCardSayingWhatIsMissing() {
    MriAdviceHooks.Answer a = sign(List.of(), missingView());
    CdsHooks.Card c = only(a);
    assertThat(recommendation(a)).isEqualTo(MriAdviceRules.Recommendation.NO_USABLE_AI_RESULT);
    assertThat(c.indicator()).isEqualTo("info");
    assertThat(c.detail()).contains("Extension lateral view missing");
    assertThat(c.suggestions()).isNullOrEmpty();
  }

  @Test
  void aResultOfAnotherModelVersionIsNotReadAgainstThisModelsOperatingPoints() {
    MriAdviceHooks.Answer a = sign(List.of(), ai(high(), TODAY, "0.9.0"));
    assertThat(recommendation(a)).isEqualTo(MriAdviceRules.Recommendation.NO_USABLE_AI_RESULT);
    assertThat(only(a).detail())
        .contains("another model")
        .doesNotContain("Probability of severe central stenosis");
  }

  @Test
  void aResultAPhysicianDisputedIsNoBasisForAdvice() {
    Observation disputed = current(low());
    disputed.getMeta().addTag(FhirCodes.coding(Codes.AI_RESULT_DISPUTED));
    MriAdviceHooks.Answer a = sign(List.of(condition(Codes.LOW_BACK_PAIN, LONG_AGO)), disputed);
    CdsHooks.Card c = only(a);
    assertThat(recommendation(a)).isEqualTo(MriAdviceRules.Recommendation.NO_USABLE_AI_RESULT);
    assertThat(c.indicator()).isEqualTo("info");
    assertThat(c.detail()).contains("disputed by a physician");
    assertThat(c.suggestions()).as("no removal of the MRI on a disputed result").isNullOrEmpty();
  }

  @Test
  void theLatestResultIsTheOneRead() {
    Observation old = ai(high(), TODAY.minusDays(20), card.version());
    Observation recent = ai(low(), TODAY.minusDays(1), card.version());
    recent.setId("Observation/ai-2");
    MriAdviceHooks.Answer a =
        hooks.orderAdvice(record(List.of(), List.of(), List.of(recent, old)), List.of(draftMri()));
    assertThat(recommendation(a)).isEqualTo(MriAdviceRules.Recommendation.MRI_NOT_NEEDED_NOW);
    assertThat(a.issued().get(0).observationId()).contains("ai-2");
  }

  // --- patient-view and order-complete -------------------------------------------------------

  @Test
  void patientViewShowsOnlyANewUnacknowledgedResult() {
    assertThat(hooks.patientView(record(List.of(), List.of(), List.of())).response().cards())
        .isEmpty();
    assertThat(
            hooks
                .patientView(
                    record(
                        List.of(),
                        List.of(),
                        List.of(ai(low(), TODAY.minusDays(30), card.version()))))
                .response()
                .cards())
        .as("older than the window")
        .isEmpty();
    Observation acknowledged = current(low());
    acknowledged.setStatus(Observation.ObservationStatus.FINAL);
    assertThat(
            hooks
                .patientView(record(List.of(), List.of(), List.of(acknowledged)))
                .response()
                .cards())
        .isEmpty();
    CdsHooks.Card c =
        only(hooks.patientView(record(List.of(), List.of(), List.of(current(low())))));
    assertThat(c.indicator()).isEqualTo("info"); // nothing drafted: nothing to warn about
  }

  @Test
  void orderCompleteReturnsTheCardAndASystemActionCreatingTheResult() {
    Observation result = current(between());
    MriAdviceHooks.Answer a =
        hooks.orderComplete(record(List.of(), List.of(), List.of(result)), result);
    only(a);
    assertThat(a.response().systemActions())
        .singleElement()
        .satisfies(
            action -> {
              assertThat(action.type()).isEqualTo("create");
              assertThat(action.description()).isNotBlank();
              assertThat(action.resource().path("resourceType").asText()).isEqualTo("Observation");
              assertThat(action.resource().has("id"))
                  .as("created in the caller's record with its own id")
                  .isFalse();
              assertThat(action.resource().path("identifier").get(0).path("value").asText())
                  .endsWith(card.version());
            });
  }

  @Test
  void everyDiscoveredServiceHasNamedPrefetchTemplates() {
    assertThat(hooks.definitions())
        .extracting(MriAdviceHooks.Definition::hook)
        .containsExactly(
            "order-select", "order-sign", "patient-view", "org.lumbarcds.order-complete");
    for (MriAdviceHooks.Definition d : hooks.definitions()) {
      assertThat(d.prefetch().keySet()).noneMatch(k -> k.matches("item\\d+"));
      assertThat(d.prefetch())
          .containsKeys("conditions", "aiResults", "lumbarMriOrders", "lumbarMriProcedures");
      assertThat(d.prefetch().get("lumbarMriOrders")).contains("http://loinc.org|30679-5");
    }
  }

  private static void assertRemovesDraft(CdsHooks.Card c) {
    assertThat(c.suggestions())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.actions())
                  .singleElement()
                  .satisfies(
                      action -> {
                        assertThat(action.type()).isEqualTo("delete");
                        assertThat(action.resourceId()).isEqualTo("ServiceRequest/draft-mri-1");
                      });
            });
    assertThat(c.overrideReasons())
        .hasSize(4)
        .allSatisfy(
            r -> {
              assertThat(r.system()).isEqualTo(CodeSystems.LUMBAR_CDS);
              assertThat(r.display()).isNotBlank();
            });
    assertThat(c.selectionBehavior()).isEqualTo("at-most-one");
  }

  @Test
  void anotherPatientsMriIsNoDuplicate() {
    Procedure theirs = mriDone(TODAY.minusMonths(3));
    theirs.setSubject(new org.hl7.fhir.r4.model.Reference("Patient/someone-else"));
    MriAdviceHooks.Answer a =
        hooks.orderAdvice(
            record(
                List.of(condition(Codes.LOW_BACK_PAIN, LONG_AGO)),
                List.of(theirs),
                List.of(current(high()))),
            List.of(draftMri()));
    assertThat(recommendation(a)).isEqualTo(MriAdviceRules.Recommendation.MRI_RECOMMENDED);
  }
}
