package org.lumbarcds.terminology;

import java.util.List;

/** Canonical URLs of the project's ValueSets (their JSON lies in this module's resources). */
public final class ValueSets {

  private static final String BASE = "http://lumbarcds.org/fhir/ValueSet/";

  /** Lumbar spine radiograph orders with flexion and extension views: the analysis trigger. */
  public static final String LUMBAR_XR_FLEXION_EXTENSION = BASE + "lumbar-xr-flexion-extension";

  /** Lumbar spine MRI orders and procedures. */
  public static final String LUMBAR_MRI = BASE + "lumbar-mri";

  /** Lumbar spinal stenosis and neurogenic claudication (SNOMED CT and ICD-10-CM). */
  public static final String LUMBAR_SPINAL_STENOSIS = BASE + "lumbar-spinal-stenosis";

  public static final String LOW_BACK_PAIN = BASE + "low-back-pain";

  public static final String RED_FLAG_CAUDA_EQUINA = BASE + "red-flag-cauda-equina";
  public static final String RED_FLAG_CANCER = BASE + "red-flag-cancer";
  public static final String RED_FLAG_INFECTION = BASE + "red-flag-infection";
  public static final String RED_FLAG_FRACTURE = BASE + "red-flag-fracture";
  public static final String RED_FLAG_NEUROLOGICAL_DEFICIT = BASE + "red-flag-neurological-deficit";

  /** DX view codes (DICOM CID 4010). */
  public static final String DX_VIEWS = BASE + "dx-views";

  /** Neutral, flexion and extension (DICOM CID 92). */
  public static final String LUMBAR_POSTURES = BASE + "lumbar-postures";

  public static final String AI_QUALITY_FLAGS = BASE + "ai-quality-flags";

  /** DX and CR (DICOM CID 29). */
  public static final String RADIOGRAPH_MODALITIES = BASE + "radiograph-modalities";

  /** Lumbar spine structure, the series body site. */
  public static final String LUMBAR_BODY_SITE = BASE + "lumbar-body-site";

  /** The red-flag groups of the MRI advice rules, in the order docs/design.md lists them. */
  public static final List<String> RED_FLAG_GROUPS =
      List.of(
          RED_FLAG_CAUDA_EQUINA,
          RED_FLAG_CANCER,
          RED_FLAG_INFECTION,
          RED_FLAG_FRACTURE,
          RED_FLAG_NEUROLOGICAL_DEFICIT);

  private ValueSets() {}
}
