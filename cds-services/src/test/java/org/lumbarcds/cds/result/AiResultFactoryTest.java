package org.lumbarcds.cds.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.FhirCodes;
import org.lumbarcds.model.inference.Interpretation;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.Prediction;
import org.lumbarcds.terminology.Codes;
import org.lumbarcds.terminology.QualityFlag;

/** The result resources follow the AI result contract (docs/design.md) and are valid FHIR R4. */
class AiResultFactoryTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static FhirValidator validator;
  private final AiResultFactory factory = new AiResultFactory();
  private final AiResultFactory.Model model =
      new AiResultFactory.Model(
          "lumbar-cds-lss-3view-phantom", "1.1.0", "742a15", "http://x/model-card", true);
  private final AiResultFactory.Subject subject =
      new AiResultFactory.Subject(
          new Reference("Patient/1"),
          new Reference("ServiceRequest/2"),
          new Reference("ImagingStudy/3"),
          "1.2.3",
          new Date(0));
  private final Reference device = new Reference("Device/model");

  @BeforeAll
  static void validator() {
    validator = FHIR.newValidator();
    FhirInstanceValidator instance =
        new FhirInstanceValidator(
            new ValidationSupportChain(
                new DefaultProfileValidationSupport(FHIR),
                new InMemoryTerminologyServerValidationSupport(FHIR)));
    validator.registerValidatorModule(instance);
  }

  private static void assertValid(IBaseResource resource) {
    ValidationResult result = validator.validateWithResult(resource);
    assertThat(
            result.getMessages().stream()
                .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
                // AIAST joined v3-ObservationValue after the copy bundled with R4; the server's
                // validator knows it (server: Hl7TerminologyUpdates), this bare one does not
                .filter(m -> !m.getMessage().contains("v3-ObservationValue#AIAST"))
                .map(m -> m.getLocationString() + ": " + m.getMessage())
                .toList())
        .isEmpty();
  }

  private static Prediction prediction(double p, Set<Posture> views) {
    return new Prediction(
        p,
        p >= 0.69
            ? Interpretation.LIKELY
            : p <= 0.18 ? Interpretation.UNLIKELY : Interpretation.INDETERMINATE,
        0.18,
        0.69,
        Map.of(Posture.NEUTRAL, 0.61234567, Posture.FLEXION, 0.8),
        views,
        Map.of(),
        new Prediction.ModelIdentity("lumbar-cds-lss-3view-phantom", "1.1.0", "742a15", true));
  }

  @Test
  void aResultCarriesItsValueBandViewsModelAndCaveats() {
    Observation obs =
        factory.observation(
            subject, prediction(0.91, EnumSet.of(Posture.NEUTRAL, Posture.FLEXION)), device, model);
    assertValid(obs);
    assertThat(obs.getStatus()).isEqualTo(Observation.ObservationStatus.PRELIMINARY);
    assertThat(obs.getMeta().getSecurityFirstRep().getCode()).isEqualTo("AIAST");
    assertThat(obs.getIdentifierFirstRep().getValue())
        .isEqualTo("1.2.3|lumbar-cds-lss-3view-phantom|1.1.0");
    assertThat(obs.getValueQuantity().getValue()).isEqualByComparingTo("0.9100");
    assertThat(obs.getInterpretationFirstRep().getCodingFirstRep().getCode())
        .isEqualTo("above-rule-in");
    assertThat(obs.getDerivedFromFirstRep().getReference()).isEqualTo("ImagingStudy/3");
    assertThat(obs.getBasedOnFirstRep().getReference()).isEqualTo("ServiceRequest/2");
    assertThat(obs.getDevice().getReference()).isEqualTo("Device/model");
    List<Observation.ObservationComponentComponent> scores =
        obs.getComponent().stream()
            .filter(c -> c.getCode().getCodingFirstRep().getCode().equals("lss-ai-view-score"))
            .toList();
    assertThat(scores).hasSize(2);
    assertThat(scores.get(0).getCode().getCoding().get(1).getCode()).isEqualTo("109136");
    assertThat(((Quantity) scores.get(0).getValue()).getValue()).isEqualByComparingTo("0.6123");
    CodeableConcept used =
        (CodeableConcept)
            obs.getComponent().stream()
                .filter(c -> c.getCode().getCodingFirstRep().getCode().equals("lss-ai-views-used"))
                .findFirst()
                .orElseThrow()
                .getValue();
    assertThat(used.getText()).isEqualTo("neutral, flexion");
    assertThat(obs.getNoteFirstRep().getText())
        .contains("rule-out 0.1800, rule-in 0.6900")
        .contains("synthetic phantom");
    assertThat(obs.hasDataAbsentReason()).isFalse();
  }

  @Test
  void theBandFollowsTheInterpretation() {
    assertThat(
            factory
                .observation(subject, prediction(0.1, Set.of(Posture.values())), device, model)
                .getInterpretationFirstRep()
                .getCodingFirstRep()
                .getCode())
        .isEqualTo("below-rule-out");
    assertThat(
            factory
                .observation(subject, prediction(0.4, Set.of(Posture.values())), device, model)
                .getInterpretationFirstRep()
                .getCodingFirstRep()
                .getCode())
        .isEqualTo("between-operating-points");
  }

  @Test
  void aQualityFailureHasFlagsAndNoProbability() {
    Observation obs =
        factory.qualityFailure(
            subject,
            EnumSet.of(QualityFlag.VIEW_MISSING_FLEXION, QualityFlag.VIEW_NOT_LATERAL),
            EnumSet.of(Posture.NEUTRAL, Posture.EXTENSION),
            device,
            model);
    assertValid(obs);
    assertThat(obs.hasValue()).isFalse();
    assertThat(obs.getDataAbsentReason().getCodingFirstRep().getCode()).isEqualTo("error");
    assertThat(obs.getInterpretation()).isEmpty();
    assertThat(
            obs.getComponent().stream()
                .filter(
                    c -> c.getCode().getCodingFirstRep().getCode().equals("lss-ai-quality-flag"))
                .map(c -> ((CodeableConcept) c.getValue()).getCodingFirstRep().getCode())
                .toList())
        .containsExactly("view-missing-flexion", "view-not-lateral");
    assertThat(obs.getNoteFirstRep().getText()).startsWith("No probability: ");
    assertThatThrownBy(() -> factory.qualityFailure(subject, Set.of(), Set.of(), device, model))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theDeviceAndProvenanceNameTheModelAndTheStudy() {
    Device d = factory.device(model);
    assertValid(d);
    assertThat(d.getIdentifierFirstRep().getSystem())
        .isEqualTo(AiResultFactory.MODEL_SHA256_SYSTEM);
    assertThat(d.getIdentifierFirstRep().getValue()).isEqualTo("742a15");
    assertThat(d.getDeviceNameFirstRep().getName()).isEqualTo("lumbar-cds-lss-3view-phantom");
    assertThat(d.getVersionFirstRep().getValue()).isEqualTo("1.1.0");
    assertThat(d.getUrl()).isEqualTo("http://x/model-card");
    assertThat(d.getNoteFirstRep().getText()).contains("not clinically validated");

    Provenance p =
        factory.provenance(new Reference("Observation/9"), subject, device, new Date(1000));
    assertValid(p);
    assertThat(p.getTargetFirstRep().getReference()).isEqualTo("Observation/9");
    assertThat(p.getAgentFirstRep().getWho().getReference()).isEqualTo("Device/model");
    assertThat(p.getEntityFirstRep().getWhat().getReference()).isEqualTo("ImagingStudy/3");
    assertThat(p.getEntityFirstRep().getRole()).isEqualTo(Provenance.ProvenanceEntityRole.SOURCE);
  }

  @Test
  void whatTheFactoryWritesItReadsBack() {
    Observation obs =
        factory.observation(
            subject, prediction(0.91, EnumSet.of(Posture.NEUTRAL, Posture.FLEXION)), device, model);
    obs.setId("Observation/17/_history/2");
    AiResult read = AiResultFactory.read(obs);
    assertThat(read.id()).contains("17");
    assertThat(read.version()).contains("2");
    assertThat(read.status()).isEqualTo("preliminary");
    assertThat(read.subject()).contains("Patient/1");
    assertThat(read.studies()).containsExactly("ImagingStudy/3");
    assertThat(read.analysisIdentifier()).contains("1.2.3|lumbar-cds-lss-3view-phantom|1.1.0");
    assertThat(read.madeBy("lumbar-cds-lss-3view-phantom", "1.1.0")).isTrue();
    assertThat(read.madeBy("lumbar-cds-lss-3view-phantom", "1.0.0")).isFalse();
    assertThat(read.model()).contains("lumbar-cds-lss-3view-phantom|1.1.0");
    assertThat(read.issued()).contains(obs.getIssued().toInstant());
    assertThat(read.probability()).contains(0.91);
    assertThat(read.band()).map(org.lumbarcds.terminology.Code::code).contains("above-rule-in");
    assertThat(read.viewScores())
        .containsExactlyInAnyOrderEntriesOf(Map.of(Posture.NEUTRAL, 0.6123, Posture.FLEXION, 0.8));
    assertThat(read.viewsUsed()).containsExactlyInAnyOrder(Posture.NEUTRAL, Posture.FLEXION);
    assertThat(read.qualityFlags()).isEmpty();
    assertThat(read.disputed()).isFalse();
    // and after the JSON the server stores and serves
    AiResult parsed =
        AiResultFactory.read(
            FHIR.newJsonParser()
                .parseResource(
                    Observation.class, FHIR.newJsonParser().encodeResourceToString(obs)));
    assertThat(parsed.probability()).isEqualTo(read.probability());
    assertThat(parsed.viewScores()).isEqualTo(read.viewScores());
    assertThat(parsed.viewsUsed()).isEqualTo(read.viewsUsed());
    assertThat(parsed.band()).isEqualTo(read.band());
  }

  @Test
  void aQualityFailureReadsBackWithItsFlagsAndViewsAndNoProbability() {
    Observation obs =
        factory.qualityFailure(
            subject,
            EnumSet.of(QualityFlag.VIEW_MISSING_EXTENSION, QualityFlag.IMAGE_UNREADABLE),
            EnumSet.of(Posture.NEUTRAL, Posture.FLEXION),
            device,
            model);
    obs.getMeta().addTag(FhirCodes.coding(Codes.AI_RESULT_DISPUTED));
    AiResult read = AiResultFactory.read(obs);
    assertThat(read.probability()).isEmpty();
    assertThat(read.band()).isEmpty();
    assertThat(read.qualityFlags())
        .containsExactlyInAnyOrder(
            QualityFlag.VIEW_MISSING_EXTENSION.code(), QualityFlag.IMAGE_UNREADABLE.code());
    assertThat(read.viewsUsed()).containsExactlyInAnyOrder(Posture.NEUTRAL, Posture.FLEXION);
    assertThat(read.disputed()).isTrue();
  }
}
