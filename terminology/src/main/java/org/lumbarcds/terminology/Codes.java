package org.lumbarcds.terminology;

import static org.lumbarcds.terminology.CodeSystems.DICOM_DCM;
import static org.lumbarcds.terminology.CodeSystems.LOINC;
import static org.lumbarcds.terminology.CodeSystems.LUMBAR_CDS;
import static org.lumbarcds.terminology.CodeSystems.OBSERVATION_CATEGORY;
import static org.lumbarcds.terminology.CodeSystems.SNOMED_CT;
import static org.lumbarcds.terminology.CodeSystems.V3_OBSERVATION_INTERPRETATION;
import static org.lumbarcds.terminology.CodeSystems.V3_OBSERVATION_VALUE;

/**
 * The individual codes the project's code refers to. Only codes marked verified in the project's
 * terminology reference are used; where none exists the project's own code system is used. The full
 * sets (e.g. all MRI order codes) are the ValueSets in {@link ValueSets}.
 */
public final class Codes {

  // Orders
  public static final Code XR_LSPINE_FLEXION_EXTENSION =
      new Code(LOINC, "24971-4", "XR Lumbar spine Views W flexion and W extension");
  public static final Code XR_LSPINE_LATERAL_FLEXION_EXTENSION =
      new Code(LOINC, "37132-8", "XR Lumbar spine Lateral Views W flexion and W extension");

  /** The MRI the cards suggest ordering. */
  public static final Code MRI_LSPINE_WO_CONTRAST =
      new Code(LOINC, "30679-5", "MR Lumbar spine WO contrast");

  /** The MRI the cards suggest for suspected infection or cancer and after spinal surgery. */
  public static final Code MRI_LSPINE_WO_W_CONTRAST =
      new Code(LOINC, "24967-2", "MR Lumbar spine WO and W contrast IV");

  // Diagnoses
  public static final Code LUMBAR_SPINAL_STENOSIS =
      new Code(SNOMED_CT, "18347007", "Spinal stenosis of lumbar region (disorder)");
  public static final Code NEUROGENIC_CLAUDICATION =
      new Code(SNOMED_CT, "303081002", "Neurogenic claudication (finding)");
  public static final Code LOW_BACK_PAIN =
      new Code(SNOMED_CT, "279039007", "Low back pain (finding)");

  // Anatomy and imaging
  public static final Code LUMBAR_SPINE_STRUCTURE =
      new Code(SNOMED_CT, "122496007", "Lumbar spine structure (body structure)");
  public static final Code MODALITY_DX = new Code(DICOM_DCM, "DX", "Digital Radiography");
  public static final Code MODALITY_CR = new Code(DICOM_DCM, "CR", "Computed Radiography");
  public static final Code VIEW_LATERAL = new Code(SNOMED_CT, "399067008", "lateral");
  public static final Code VIEW_RIGHT_LATERAL = new Code(SNOMED_CT, "399198007", "right lateral");
  public static final Code VIEW_LEFT_LATERAL = new Code(SNOMED_CT, "399173006", "left lateral");
  public static final Code VIEW_AP = new Code(SNOMED_CT, "399348003", "antero-posterior");
  public static final Code VIEW_PA = new Code(SNOMED_CT, "272479007", "postero-anterior");
  public static final Code POSTURE_NEUTRAL =
      new Code(DICOM_DCM, "109136", "Neutral musculoskeletal position");
  public static final Code POSTURE_FLEXION = new Code(SNOMED_CT, "9964006", "Flexion");
  public static final Code POSTURE_EXTENSION = new Code(SNOMED_CT, "24154002", "Extension");

  // The AI result
  // HL7 v3 ObservationInterpretation (THO): the standard reading of the operating-point band,
  // written next to the band's own code for clients that know only the standard codes
  public static final Code INTERPRETATION_POSITIVE =
      new Code(V3_OBSERVATION_INTERPRETATION, "POS", "Positive");
  public static final Code INTERPRETATION_NEGATIVE =
      new Code(V3_OBSERVATION_INTERPRETATION, "NEG", "Negative");
  public static final Code INTERPRETATION_INDETERMINATE =
      new Code(V3_OBSERVATION_INTERPRETATION, "IND", "Indeterminate");
  public static final Code CATEGORY_IMAGING = new Code(OBSERVATION_CATEGORY, "imaging", "Imaging");
  public static final Code SECURITY_AI_ASSERTED =
      new Code(V3_OBSERVATION_VALUE, "AIAST", "Artificial Intelligence asserted");
  public static final Code LSS_AI_PROBABILITY =
      new Code(
          LUMBAR_CDS,
          "lss-ai-probability",
          "Probability of severe central lumbar spinal stenosis (AI, three-posture radiographs)");
  public static final Code LSS_AI_VIEW_SCORE =
      new Code(
          LUMBAR_CDS,
          "lss-ai-view-score",
          "Single-posture AI score for severe central lumbar spinal stenosis");
  public static final Code LSS_AI_VIEWS_USED =
      new Code(LUMBAR_CDS, "lss-ai-views-used", "Radiograph postures used by the AI model");
  public static final Code LSS_AI_QUALITY_FLAG =
      new Code(LUMBAR_CDS, "lss-ai-quality-flag", "AI input quality flag");
  public static final Code LSS_AI_ANALYSIS =
      new Code(LUMBAR_CDS, "lss-ai-analysis", "Lumbar spinal stenosis AI analysis");
  public static final Code METHOD_THREE_POSTURE_CNN =
      new Code(
          LUMBAR_CDS,
          "three-posture-cnn",
          "Three-posture convolutional neural network with feature-level fusion");
  public static final Code ABOVE_RULE_IN =
      new Code(LUMBAR_CDS, "above-rule-in", "At or above the rule-in operating point");
  public static final Code BELOW_RULE_OUT =
      new Code(LUMBAR_CDS, "below-rule-out", "Below the rule-out operating point");
  public static final Code BETWEEN_OPERATING_POINTS =
      new Code(
          LUMBAR_CDS,
          "between-operating-points",
          "Between the rule-out and rule-in operating points");
  public static final Code PROGRESSIVE_NEUROLOGICAL_DEFICIT =
      new Code(
          LUMBAR_CDS,
          "progressive-neurological-deficit",
          "Progressive or severe neurological deficit");

  // Clinical context the MRI advice weighs (no standard code says exactly this)
  public static final Code CONSERVATIVE_CARE_FAILED =
      new Code(
          LUMBAR_CDS,
          "conservative-care-failed",
          "Failed conservative care for back or leg symptoms");
  public static final Code SPINAL_INTERVENTION_CANDIDATE =
      new Code(
          LUMBAR_CDS, "spinal-intervention-candidate", "Candidate for spinal surgery or injection");

  // Why a clinician did not follow a card's MRI advice (CDS Hooks overrideReasons)
  public static final Code OVERRIDE_CLINICAL_JUDGEMENT =
      new Code(LUMBAR_CDS, "override-clinical-judgement", "Clinical findings justify MRI");
  public static final Code OVERRIDE_SURGICAL_PLANNING =
      new Code(
          LUMBAR_CDS,
          "override-surgical-planning",
          "MRI needed for surgical or injection planning");
  public static final Code OVERRIDE_OUTSIDE_IMAGING =
      new Code(LUMBAR_CDS, "override-outside-imaging", "Prior MRI not available or inadequate");
  public static final Code OVERRIDE_PATIENT_CONTEXT =
      new Code(LUMBAR_CDS, "override-patient-context", "Patient-specific context");

  // A physician's review of an AI result in the viewer (Provenance activity; disputed: a tag)
  public static final Code AI_RESULT_ACKNOWLEDGED =
      new Code(LUMBAR_CDS, "ai-result-acknowledged", "AI result acknowledged by a physician");
  public static final Code AI_RESULT_DISPUTED =
      new Code(LUMBAR_CDS, "ai-result-disputed", "AI result disputed by a physician");

  private Codes() {}
}
