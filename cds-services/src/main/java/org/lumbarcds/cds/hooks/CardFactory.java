package org.lumbarcds.cds.hooks;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.FhirCodes;
import org.lumbarcds.cds.Narratives;
import org.lumbarcds.cds.advice.MriAdviceRules;
import org.lumbarcds.cds.advice.MriAdviceRules.Advice;
import org.lumbarcds.cds.result.AiResult;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.Codes;

/**
 * Turns the advice into a CDS Hooks card a physician can judge: a summary under 140 characters, the
 * indicator, the model card as source, and a markdown detail with the basis (the rule that decided
 * and the facts behind it, the probability against the operating points, the views used, per-view
 * scores, the model and its validation figures, the caveats), the viewer link, and the suggestion
 * the advice calls for (order the MRI, or remove the drafted one with override reasons).
 */
public final class CardFactory {

  /** Why a clinician may keep an MRI the card advises against. */
  static final List<Code> OVERRIDE_REASONS =
      List.of(
          Codes.OVERRIDE_CLINICAL_JUDGEMENT,
          Codes.OVERRIDE_SURGICAL_PLANNING,
          Codes.OVERRIDE_OUTSIDE_IMAGING,
          Codes.OVERRIDE_PATIENT_CONTEXT);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ModelCard card;
  private final Supplier<String> cardUrl;
  private final Function<String, String> viewerUrl;
  private final FhirContext fhir;
  private final String validation;

  /**
   * @param card the model in use
   * @param cardUrl where its card is served
   * @param viewerUrl the viewer page for an Observation id
   */
  public CardFactory(
      ModelCard card,
      Supplier<String> cardUrl,
      Function<String, String> viewerUrl,
      FhirContext fhir) {
    this.card = card;
    this.cardUrl = cardUrl;
    this.viewerUrl = viewerUrl;
    this.fhir = fhir;
    this.validation = validation(card);
  }

  /**
   * The card for an advice.
   *
   * @param advice what the rules concluded
   * @param ai the AI result they read, if any
   * @param patientId the patient (for a suggested MRI order)
   * @param draftedMris the MRI orders being drafted (for a suggestion to remove them)
   */
  public CdsHooks.Card card(
      Advice advice,
      Optional<ClinicalFacts.AiBasis> ai,
      String patientId,
      List<ServiceRequest> draftedMris) {
    List<CdsHooks.Suggestion> suggestions = new ArrayList<>();
    List<CdsHooks.Coding> overrideReasons = new ArrayList<>();
    switch (advice.suggestion()) {
      // a red flag, not the model, is the reason for that MRI
      case ORDER_MRI ->
          suggestions.add(
              orderMri(
                  patientId,
                  advice.recommendation() == MriAdviceRules.Recommendation.MRI_NOW_RED_FLAG
                          || advice.recommendation()
                              == MriAdviceRules.Recommendation.IMAGING_WARRANTED
                      ? Optional.empty()
                      : ai,
                  // suspected infection or cancer, prior surgery: ACR rates MRI without and with
                  // IV contrast first (docs/clinical-logic.md)
                  advice.recommendation() == MriAdviceRules.Recommendation.IMAGING_WARRANTED
                      ? Codes.MRI_LSPINE_WO_W_CONTRAST
                      : Codes.MRI_LSPINE_WO_CONTRAST));
      case REMOVE_DRAFT_MRI -> {
        // only drafts being signed can be removed; an MRI already ordered is left to the user
        CdsHooks.Suggestion remove = removeDrafts(draftedMris);
        if (!remove.actions().isEmpty()) {
          suggestions.add(remove);
          OVERRIDE_REASONS.forEach(c -> overrideReasons.add(coding(c)));
        }
      }
      case NONE -> {}
    }
    List<CdsHooks.Link> links = new ArrayList<>();
    ai.filter(r -> r.observation().getIdElement().hasIdPart())
        .ifPresent(
            r ->
                links.add(
                    new CdsHooks.Link(
                        "Radiographs, heatmaps and basis of the AI result",
                        viewerUrl.apply(r.observation().getIdElement().getIdPart()),
                        "absolute")));
    return new CdsHooks.Card(
        UUID.randomUUID().toString(),
        summary(advice, ai),
        detail(advice, ai),
        advice.indicator().code(),
        new CdsHooks.Source(
            "lumbar-cds, "
                + card.id()
                + " "
                + card.version()
                + (card.synthetic() ? " (synthetic-data reference model)" : ""),
            cardUrl.get(),
            coding(Codes.LSS_AI_ANALYSIS)),
        suggestions,
        suggestions.isEmpty() ? null : "at-most-one",
        overrideReasons,
        links);
  }

  /** The first imaging line of the basis, shortened for a summary: what and which modality. */
  private static String first(Advice advice) {
    return advice.basis().stream()
        .filter(b -> b.startsWith("Imaging indication: "))
        .findFirst()
        .map(
            b -> {
              String label = b.substring("Imaging indication: ".length());
              int cut = label.indexOf(" — ");
              cut = cut < 0 ? label.indexOf(" [") : cut;
              String what = cut < 0 ? label : label.substring(0, cut);
              String modality = b.substring(b.lastIndexOf("; first: ") + 9).replaceAll("\\.$", "");
              String text = what + " (" + modality + " first)";
              return text.length() > 95 ? what : text;
            })
        .orElse("imaging warranted");
  }

  /** The one-sentence summary, under 140 characters. */
  static String summary(Advice advice, Optional<ClinicalFacts.AiBasis> ai) {
    String p =
        ai.flatMap(r -> r.finding().probability())
            .map(v -> String.format(Locale.ROOT, " (AI p=%.2f)", v))
            .orElse("");
    return switch (advice.recommendation()) {
      case MRI_NOW_RED_FLAG -> "Red flag in the record: lumbar MRI warranted now";
      case IMAGING_WARRANTED -> "Imaging indication in the record: " + first(advice);
      case DUPLICATE_MRI -> "Recent lumbar MRI on record: a new one may duplicate it";
      case NO_USABLE_AI_RESULT ->
          "No usable AI radiograph result: MRI decision on clinical grounds";
      case MRI_RECOMMENDED ->
          "Severe lumbar stenosis likely" + p + " with persistent symptoms: MRI recommended";
      case LSS_LIKELY_CONSERVATIVE_CARE_FIRST ->
          "Severe lumbar stenosis likely" + p + ", symptoms recent: conservative care first";
      case MRI_NOT_NEEDED_NOW ->
          "Severe lumbar stenosis unlikely" + p + ": MRI likely not needed now";
      case STENOSIS_UNLIKELY_NOT_EXCLUDED ->
          "Severe central stenosis unlikely" + p + "; other MRI questions not excluded";
      case INDETERMINATE -> "AI radiograph result indeterminate" + p + ": clinical judgement";
    };
  }

  private String detail(Advice advice, Optional<ClinicalFacts.AiBasis> ai) {
    StringBuilder md = new StringBuilder();
    md.append("**Why:** ").append(reason(advice.recommendation())).append("\n\n");
    md.append("**Basis**\n\n");
    advice.basis().forEach(b -> md.append("- ").append(b).append('\n'));
    if (advice.recommendation() != MriAdviceRules.Recommendation.MRI_NOW_RED_FLAG
        && advice.recommendation() != MriAdviceRules.Recommendation.IMAGING_WARRANTED) {
      ai.ifPresent(r -> aiSection(md, r));
    }
    md.append("\n**Model:** ")
        .append(card.name().isBlank() ? card.id() : card.name())
        .append(", version ")
        .append(card.version())
        .append(". ")
        .append(validation)
        .append('\n');
    md.append("\n**Caveats:** ").append(CAVEATS);
    if (card.synthetic()) {
      md.append(" **").append(SYNTHETIC_CAVEAT).append("**");
    }
    md.append('\n');
    return md.toString();
  }

  /** What every AI result's reader must know, whatever the model. */
  public static final String CAVEATS =
      "a screening estimate from plain radiographs, not a diagnosis; MRI is the reference"
          + " standard. Moderate, foraminal and lateral-recess stenosis are outside what the model"
          + " was trained on.";

  /** What a reader of a synthetic-data model's result must know. */
  public static final String SYNTHETIC_CAVEAT =
      "This reference model was trained on synthetic phantom radiographs only: it is not"
          + " clinically validated and not for clinical use.";

  private void aiSection(StringBuilder md, ClinicalFacts.AiBasis r) {
    AiResult result = r.result();
    md.append("\n**AI result**");
    result
        .issued()
        .ifPresent(i -> md.append(" of ").append(i.atZone(ZoneOffset.UTC).toLocalDate()));
    md.append("\n\n");
    boolean twoViewsWithoutPoints =
        result.viewsUsed().size() < Posture.values().length && r.finding().missingView().isEmpty();
    if (r.sameModel() && result.probability().isPresent() && !twoViewsWithoutPoints) {
      md.append(
          String.format(
              Locale.ROOT,
              "- Probability of severe central stenosis: **%.4f** (unlikely below the rule-out"
                  + " point %.4f, likely at or above the rule-in point %.4f)%n",
              result.probability().get(),
              r.finding().ruleOut(),
              r.finding().ruleIn()));
      result.band().ifPresent(b -> md.append("- Band: ").append(b.display()).append('\n'));
      r.finding()
          .missingView()
          .ifPresent(
              missing ->
                  md.append("- **From two views**: the ")
                      .append(FhirCodes.posture(missing).display().toLowerCase(Locale.ROOT))
                      .append(
                          " view was missing or unusable; the operating points are those chosen"
                              + " for that configuration. ")
                      .append(validation(card, missing))
                      .append('\n'));
    } else {
      md.append("- No probability: ")
          .append(String.join("; ", r.finding().qualityProblems()))
          .append('\n');
    }
    if (!result.viewsUsed().isEmpty()) {
      md.append("- Views used: ")
          .append(
              String.join(
                  ", ",
                  Arrays.stream(Posture.values())
                      .filter(result.viewsUsed()::contains)
                      .map(p -> FhirCodes.posture(p).display())
                      .toList()))
          .append('\n');
    }
    if (!result.viewScores().isEmpty()) {
      md.append("- Single-view scores: ")
          .append(
              String.join(
                  ", ",
                  Arrays.stream(Posture.values())
                      .filter(result.viewScores()::containsKey)
                      .map(
                          p ->
                              String.format(
                                  Locale.ROOT,
                                  "%s %.2f",
                                  FhirCodes.posture(p).display(),
                                  result.viewScores().get(p)))
                      .toList()))
          .append('\n');
    }
    md.append("- Result: ")
        .append(r.observation().getIdElement().toUnqualifiedVersionless().getValue())
        .append(" (")
        .append(result.status())
        .append(")\n");
  }

  /** The card's validation figures in one sentence (AUROC with CI, sensitivity/specificity). */
  public static String validation(ModelCard card) {
    JsonNode metrics = card.document().path("metrics");
    JsonNode points = card.document().path("operating_points");
    if (metrics.path("internal_test").path("fused").isMissingNode()) {
      return "Its card records no validation figures.";
    }
    return sentence(
        "Validation",
        card,
        metrics.path("internal_test").path("fused"),
        metrics.path("external").path("fused"),
        points);
  }

  /**
   * A two-view configuration's validation figures in one sentence, as the card's evaluation wrote
   * them (AUROC with CI, sensitivity / specificity at its points on the internal test set).
   */
  public static String validation(ModelCard card, Posture missing) {
    JsonNode c = card.document().path("view_configurations").path(missing.id() + "_missing");
    JsonNode points = c.path("operating_points");
    if (c.path("auroc").path("internal_test").isMissingNode()
        || points.path("rule_out").path("internal_test").isMissingNode()) {
      return "Its card records no validation figures for that configuration.";
    }
    return sentence(
        "Validation of that configuration",
        card,
        c.path("auroc").path("internal_test"),
        c.path("auroc").path("external"),
        points);
  }

  private static String sentence(
      String title, ModelCard card, JsonNode internal, JsonNode external, JsonNode points) {
    JsonNode ruleOut = points.path("rule_out").path("internal_test");
    JsonNode ruleIn = points.path("rule_in").path("internal_test");
    return String.format(
        Locale.ROOT,
        "%s (%s): AUROC %.3f (95%% CI %.3f–%.3f) internal, %.3f (%.3f–%.3f) external;"
            + " at rule-out sensitivity %.2f, specificity %.2f; at rule-in sensitivity %.2f,"
            + " specificity %.2f (internal test).",
        title,
        card.synthetic() ? "synthetic phantoms" : "the card's test sets",
        internal.path("auroc").asDouble(),
        internal.path("ci95").path(0).asDouble(),
        internal.path("ci95").path(1).asDouble(),
        external.path("auroc").asDouble(),
        external.path("ci95").path(0).asDouble(),
        external.path("ci95").path(1).asDouble(),
        ruleOut.path("sensitivity").path("value").asDouble(),
        ruleOut.path("specificity").path("value").asDouble(),
        ruleIn.path("sensitivity").path("value").asDouble(),
        ruleIn.path("specificity").path("value").asDouble());
  }

  private static String reason(MriAdviceRules.Recommendation r) {
    return switch (r) {
      case MRI_NOW_RED_FLAG ->
          "a red flag calls for MRI without delay; the radiograph model is not the reason.";
      case IMAGING_WARRANTED ->
          "the record holds an indication for imaging that the guidelines name; the radiograph"
              + " model is not the reason.";
      case STENOSIS_UNLIKELY_NOT_EXCLUDED ->
          "the AI result is below the rule-out point, but the record holds an MRI"
              + " indication the model does not judge, or could not be read whole.";
      case DUPLICATE_MRI -> "a recent lumbar MRI usually answers the question already.";
      case NO_USABLE_AI_RESULT -> "there is no AI result the advice can rest on.";
      case MRI_RECOMMENDED ->
          "the AI result is at or above the rule-in point and symptoms are persistent (or"
              + " conservative care failed, or an intervention is considered).";
      case LSS_LIKELY_CONSERVATIVE_CARE_FIRST ->
          "the AI result is at or above the rule-in point, but symptoms are recent.";
      case MRI_NOT_NEEDED_NOW -> "the AI result is below the rule-out point.";
      case INDETERMINATE -> "the AI result lies between the two operating points.";
    };
  }

  private CdsHooks.Suggestion orderMri(
      String patientId, Optional<ClinicalFacts.AiBasis> ai, Code study) {
    ServiceRequest mri = new ServiceRequest();
    mri.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
    mri.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
    mri.setCode(FhirCodes.concept(study));
    mri.setSubject(new Reference("Patient/" + patientId));
    Narratives.generated(mri, "Draft order: " + study.display() + ".");
    ai.filter(r -> r.observation().getIdElement().hasIdPart())
        .ifPresent(
            r ->
                mri.addReasonReference(
                    new Reference(r.observation().getIdElement().toUnqualifiedVersionless())));
    return new CdsHooks.Suggestion(
        "Order " + study.display(),
        UUID.randomUUID().toString(),
        true,
        List.of(
            new CdsHooks.Action("create", "Add a draft lumbar MRI order", resource(mri), null)));
  }

  private CdsHooks.Suggestion removeDrafts(List<ServiceRequest> drafted) {
    List<CdsHooks.Action> actions =
        drafted.stream()
            .filter(o -> o.getIdElement().hasIdPart())
            .map(
                o ->
                    new CdsHooks.Action(
                        "delete",
                        "Remove the draft lumbar MRI order",
                        null,
                        "ServiceRequest/" + o.getIdElement().getIdPart()))
            .toList();
    return new CdsHooks.Suggestion(
        "Remove the draft lumbar MRI order", UUID.randomUUID().toString(), true, actions);
  }

  private JsonNode resource(IBaseResource resource) {
    try {
      return JSON.readTree(fhir.newJsonParser().encodeResourceToString(resource));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A resource as JSON, for a system action. */
  public JsonNode json(IBaseResource resource) {
    return resource(resource);
  }

  private static CdsHooks.Coding coding(Code code) {
    return new CdsHooks.Coding(code.system(), code.code(), code.display());
  }
}
