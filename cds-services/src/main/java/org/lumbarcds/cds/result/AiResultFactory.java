package org.lumbarcds.cds.result;

import static org.lumbarcds.cds.FhirCodes.coding;
import static org.lumbarcds.cds.FhirCodes.concept;
import static org.lumbarcds.cds.FhirCodes.posture;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Date;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.cds.FhirCodes;
import org.lumbarcds.cds.Narratives;
import org.lumbarcds.model.inference.Interpretation;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.Prediction;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;
import org.lumbarcds.terminology.QualityFlag;

/**
 * Builds the result of one analysis as the AI result contract (docs/design.md) has it: the
 * Observation (probability, interpretation against the operating points, per-view scores, views
 * used, quality flags, caveats), the Device of the model that produced it, and the Provenance tying
 * the Observation to the ImagingStudy and the Device. A failed quality check gives an Observation
 * with a dataAbsentReason and its flags, and no probability. The writer stores the three in one
 * transaction, using {@link #analysisIdentifier} for a conditional create: one Observation per
 * study and model version.
 */
public final class AiResultFactory {

  /** Identifier system of analysis results: value {@code <Study UID>|<model id>|<version>}. */
  public static final String ANALYSIS_SYSTEM = "http://lumbarcds.org/fhir/NamingSystem/analysis";

  /** Identifier system of model files: value is the ONNX file's SHA-256. */
  public static final String MODEL_SHA256_SYSTEM =
      "http://lumbarcds.org/fhir/NamingSystem/model-sha256";

  private static final String DATA_ABSENT =
      "http://terminology.hl7.org/CodeSystem/data-absent-reason";
  private static final String PROVENANCE_AGENT_TYPE =
      "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

  /**
   * What the analysis was about.
   *
   * @param patient the Patient
   * @param order the lumbar radiograph ServiceRequest
   * @param study the ImagingStudy
   * @param studyUid its Study Instance UID
   * @param effective when the radiographs were taken (ImagingStudy.started), if known
   */
  public record Subject(
      Reference patient, Reference order, Reference study, String studyUid, Date effective) {}

  /**
   * The model, as its card describes it.
   *
   * @param id card id
   * @param version card version
   * @param sha256 SHA-256 of the ONNX file
   * @param cardUrl where the model card can be read
   * @param synthetic trained on synthetic data only
   */
  public record Model(String id, String version, String sha256, String cardUrl, boolean synthetic) {
    /** The model behind a prediction, with the card's URL. */
    public static Model of(Prediction.ModelIdentity identity, String cardUrl) {
      return new Model(
          identity.id(), identity.version(), identity.sha256(), cardUrl, identity.synthetic());
    }
  }

  /** The identifier that makes a study's result unique per model version. */
  public static String analysisIdentifier(String studyUid, Model model) {
    return studyUid + "|" + model.id() + "|" + model.version();
  }

  /** A stored result's analysis identifier, if it has one. */
  public static Optional<String> analysisIdentifier(Observation result) {
    return result.getIdentifier().stream()
        .filter(i -> ANALYSIS_SYSTEM.equals(i.getSystem()) && i.hasValue())
        .map(Identifier::getValue)
        .findFirst();
  }

  /** Whether a stored result was made by this model id and version (its analysis identifier). */
  public static boolean madeBy(Observation result, String modelId, String modelVersion) {
    return read(result).madeBy(modelId, modelVersion);
  }

  /**
   * Reads a result Observation (this factory's, or another writer's of the same contract): the one
   * place where its fields are interpreted.
   */
  public static AiResult read(Observation obs) {
    Optional<Double> probability =
        obs.getValue() instanceof Quantity q && q.hasValue()
            ? Optional.of(q.getValue().doubleValue())
            : Optional.empty();
    Map<Posture, Double> scores = new EnumMap<>(Posture.class);
    Set<Posture> views = EnumSet.noneOf(Posture.class);
    List<Code> flags = new ArrayList<>();
    for (Observation.ObservationComponentComponent c : obs.getComponent()) {
      if (FhirCodes.has(c.getCode(), Codes.LSS_AI_VIEW_SCORE)
          && c.getValue() instanceof Quantity q
          && q.hasValue()) {
        for (Posture p : Posture.values()) {
          if (FhirCodes.has(c.getCode(), posture(p))) {
            scores.put(p, q.getValue().doubleValue());
          }
        }
      } else if (FhirCodes.has(c.getCode(), Codes.LSS_AI_QUALITY_FLAG)
          && c.hasValueCodeableConcept()) {
        c.getValueCodeableConcept().getCoding().stream()
            .filter(Coding::hasCode)
            .forEach(
                f ->
                    flags.add(
                        new Code(
                            f.hasSystem() ? f.getSystem() : "",
                            f.getCode(),
                            f.hasDisplay() ? f.getDisplay() : f.getCode())));
      } else if (FhirCodes.has(c.getCode(), Codes.LSS_AI_VIEWS_USED)
          && c.hasValueCodeableConcept()) {
        for (Posture p : Posture.values()) {
          if (FhirCodes.has(c.getValueCodeableConcept(), posture(p))) {
            views.add(p);
          }
        }
      }
    }
    // the project's band code; another system's only where the result has none of the project's
    Optional<Code> band =
        obs.getInterpretation().stream()
            .flatMap(i -> i.getCoding().stream())
            .filter(Coding::hasCode)
            .min(Comparator.comparing((Coding c) -> !CodeSystems.LUMBAR_CDS.equals(c.getSystem())))
            .map(
                c ->
                    new Code(
                        c.hasSystem() ? c.getSystem() : "",
                        c.getCode(),
                        c.hasDisplay() ? c.getDisplay() : c.getCode()));
    Date when =
        obs.hasIssued()
            ? obs.getIssued()
            : obs.hasEffectiveDateTimeType()
                ? obs.getEffectiveDateTimeType().getValue()
                : obs.getMeta().getLastUpdated();
    return new AiResult(
        Optional.ofNullable(obs.getIdElement().getIdPart()),
        Optional.ofNullable(obs.getIdElement().getVersionIdPart()),
        obs.hasStatus() ? obs.getStatus().toCode() : "unknown",
        obs.hasSubject() && obs.getSubject().hasReference()
            ? Optional.of(obs.getSubject().getReference())
            : Optional.empty(),
        obs.getDerivedFrom().stream()
            .filter(Reference::hasReference)
            .map(Reference::getReference)
            .toList(),
        analysisIdentifier(obs),
        Optional.ofNullable(when).map(Date::toInstant),
        probability,
        band,
        scores,
        views,
        flags,
        obs.getMeta().getTag().stream().anyMatch(t -> FhirCodes.is(t, Codes.AI_RESULT_DISPUTED)));
  }

  /** The model's Device (its id is the caller's; identifier: the file's SHA-256). */
  public Device device(Model model) {
    Device device = new Device();
    device.addIdentifier().setSystem(MODEL_SHA256_SYSTEM).setValue(model.sha256());
    device.setStatus(Device.FHIRDeviceStatus.ACTIVE);
    device.addDeviceName().setName(model.id()).setType(Device.DeviceNameType.MODELNAME);
    device.addVersion().setValue(model.version());
    device.getType().setText("Software: AI model for lumbar spinal stenosis on radiographs");
    device.setUrl(model.cardUrl());
    if (model.synthetic()) {
      device.addNote().setText(SYNTHETIC);
    }
    return Narratives.generated(
        device,
        "Software: AI model " + model.id() + ", version " + model.version() + ".",
        model.synthetic() ? SYNTHETIC : null);
  }

  static final String SYNTHETIC =
      "Reference model trained on synthetic phantom radiographs only; not clinically validated;"
          + " not for clinical use.";

  /** The Observation of a successful analysis of all three views. */
  public Observation observation(
      Subject subject, Prediction prediction, Reference device, Model model) {
    return observation(subject, prediction, Set.of(), device, model);
  }

  /**
   * The Observation of a successful analysis, with the quality flags of a view that was missing or
   * unusable (a two-view result: the model ran with that view masked, interpreted against that
   * configuration's operating points).
   */
  public Observation observation(
      Subject subject,
      Prediction prediction,
      Set<QualityFlag> flags,
      Reference device,
      Model model) {
    Observation obs = base(subject, device, model);
    obs.setValue(
        new Quantity()
            .setValue(round(prediction.probability()))
            .setUnit("1")
            .setSystem(CodeSystems.UCUM)
            .setCode("1"));
    // the project's band first (what the viewer and cards show), then its standard reading
    obs.addInterpretation(
        concept(band(prediction.interpretation()))
            .addCoding(coding(standardReading(prediction.interpretation()))));
    for (Posture posture : Posture.values()) {
      Double score = prediction.viewScores().get(posture);
      if (score != null) {
        Observation.ObservationComponentComponent c = obs.addComponent();
        c.setCode(concept(Codes.LSS_AI_VIEW_SCORE).addCoding(coding(posture(posture))));
        c.setValue(
            new Quantity()
                .setValue(round(score))
                .setUnit("1")
                .setSystem(CodeSystems.UCUM)
                .setCode("1"));
      }
    }
    flagComponents(obs, flags);
    viewsUsed(obs, prediction.viewsUsed());
    String missing =
        Arrays.stream(Posture.values())
            .filter(p -> !prediction.viewsUsed().contains(p))
            .map(p -> posture(p).display().toLowerCase(Locale.ROOT))
            .collect(java.util.stream.Collectors.joining(", "));
    obs.addNote()
        .setText(
            String.format(
                Locale.ROOT,
                "Screening estimate from lateral radiographs in %d posture(s)%s; operating points"
                    + "%s: rule-out %.4f, rule-in %.4f. MRI is the reference standard. %s",
                prediction.viewsUsed().size(),
                missing.isEmpty() ? "" : " (" + missing + " view missing or unusable)",
                missing.isEmpty() ? "" : " of that two-view configuration",
                prediction.ruleOut(),
                prediction.ruleIn(),
                model.synthetic() ? SYNTHETIC : ""));
    return Narratives.generated(
        obs,
        String.format(
            Locale.ROOT,
            "%s: %.4f, %s (%s). Views used: %s.",
            Codes.LSS_AI_PROBABILITY.display(),
            prediction.probability(),
            band(prediction.interpretation()).display(),
            standardReading(prediction.interpretation()).display().toLowerCase(Locale.ROOT),
            viewsText(prediction.viewsUsed())),
        obs.getNoteFirstRep().getText());
  }

  /**
   * The Observation of an analysis that could not give a probability: its quality flags, the views
   * it did have, and no value.
   */
  public Observation qualityFailure(
      Subject subject,
      Set<QualityFlag> flags,
      Set<Posture> viewsFound,
      Reference device,
      Model model) {
    if (flags.isEmpty()) {
      throw new IllegalArgumentException("a quality failure needs at least one flag");
    }
    Observation obs = base(subject, device, model);
    obs.setDataAbsentReason(
        new CodeableConcept(new Coding(DATA_ABSENT, "error", "Error"))
            .setText("The radiographs did not pass the analysis's quality checks"));
    flagComponents(obs, flags);
    viewsUsed(obs, viewsFound);
    obs.addNote()
        .setText(
            "No probability: "
                + String.join(
                    "; ", new TreeSet<>(flags).stream().map(f -> f.code().display()).toList())
                + ". "
                + (model.synthetic() ? SYNTHETIC : ""));
    return Narratives.generated(
        obs, Codes.LSS_AI_PROBABILITY.display() + ": no result.", obs.getNoteFirstRep().getText());
  }

  private static void flagComponents(Observation obs, Set<QualityFlag> flags) {
    new TreeSet<>(flags)
        .forEach(
            flag -> {
              Observation.ObservationComponentComponent c = obs.addComponent();
              c.setCode(concept(Codes.LSS_AI_QUALITY_FLAG));
              c.setValue(concept(flag.code()));
            });
  }

  /** The Provenance of an Observation: the Device made it from the ImagingStudy. */
  public Provenance provenance(
      Reference observation, Subject subject, Reference device, Date recorded) {
    Provenance provenance = new Provenance();
    provenance.addTarget(observation);
    provenance.setRecorded(recorded);
    provenance
        .addAgent()
        .setType(new CodeableConcept(new Coding(PROVENANCE_AGENT_TYPE, "assembler", "Assembler")))
        .setWho(device);
    provenance.addEntity().setRole(Provenance.ProvenanceEntityRole.SOURCE).setWhat(subject.study());
    return Narratives.generated(
        provenance,
        "Provenance of an AI result: made by the analysing model (Device) from the lumbar"
            + " radiograph study (ImagingStudy), recorded "
            + recorded.toInstant()
            + ".");
  }

  private static Observation base(Subject subject, Reference device, Model model) {
    Observation obs = new Observation();
    obs.addIdentifier()
        .setSystem(ANALYSIS_SYSTEM)
        .setValue(analysisIdentifier(subject.studyUid(), model));
    obs.setStatus(Observation.ObservationStatus.PRELIMINARY);
    obs.setIssued(new Date());
    obs.getMeta().addSecurity(coding(Codes.SECURITY_AI_ASSERTED));
    obs.addCategory(concept(Codes.CATEGORY_IMAGING));
    obs.setCode(concept(Codes.LSS_AI_PROBABILITY).setText(Codes.LSS_AI_PROBABILITY.display()));
    obs.setSubject(subject.patient());
    obs.addBasedOn(subject.order());
    obs.addDerivedFrom(subject.study());
    obs.setDevice(device);
    obs.setMethod(concept(Codes.METHOD_THREE_POSTURE_CNN));
    if (subject.effective() != null) {
      obs.setEffective(new DateTimeType(subject.effective()));
    }
    return obs;
  }

  private static void viewsUsed(Observation obs, Set<Posture> views) {
    Observation.ObservationComponentComponent c = obs.addComponent();
    c.setCode(concept(Codes.LSS_AI_VIEWS_USED));
    CodeableConcept value = new CodeableConcept();
    List.of(Posture.values()).stream()
        .filter(views::contains)
        .forEach(p -> value.addCoding(coding(posture(p))));
    value.setText(viewsText(views));
    c.setValue(value);
  }

  private static String viewsText(Set<Posture> views) {
    return views.isEmpty()
        ? "none"
        : String.join(
            ", ",
            List.of(Posture.values()).stream().filter(views::contains).map(Posture::id).toList());
  }

  private static Code band(Interpretation interpretation) {
    return switch (interpretation) {
      case LIKELY -> Codes.ABOVE_RULE_IN;
      case UNLIKELY -> Codes.BELOW_RULE_OUT;
      case INDETERMINATE -> Codes.BETWEEN_OPERATING_POINTS;
    };
  }

  /**
   * The band in HL7 v3 ObservationInterpretation: likely is positive, unlikely negative, between
   * the operating points indeterminate (neither positive nor negative).
   */
  static Code standardReading(Interpretation interpretation) {
    return switch (interpretation) {
      case LIKELY -> Codes.INTERPRETATION_POSITIVE;
      case UNLIKELY -> Codes.INTERPRETATION_NEGATIVE;
      case INDETERMINATE -> Codes.INTERPRETATION_INDETERMINATE;
    };
  }

  private static BigDecimal round(double value) {
    return BigDecimal.valueOf(value).setScale(4, RoundingMode.HALF_EVEN);
  }
}
