package org.lumbarcds.terminology;

/** Canonical URIs of the code systems the project uses. */
public final class CodeSystems {

  public static final String LOINC = "http://loinc.org";
  public static final String SNOMED_CT = "http://snomed.info/sct";
  public static final String ICD_10_CM = "http://hl7.org/fhir/sid/icd-10-cm";
  public static final String DICOM_DCM = "http://dicom.nema.org/resources/ontology/DCM";
  public static final String UCUM = "http://unitsofmeasure.org";
  public static final String OBSERVATION_CATEGORY =
      "http://terminology.hl7.org/CodeSystem/observation-category";
  public static final String V3_OBSERVATION_VALUE =
      "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";
  public static final String V3_OBSERVATION_INTERPRETATION =
      "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
  public static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
  public static final String CPT = "http://www.ama-assn.org/go/cpt";
  public static final String DICOM_UID = "urn:dicom:uid";

  /** The project's own code system, for concepts without a verified standard code. */
  public static final String LUMBAR_CDS = "http://lumbarcds.org/fhir/CodeSystem/lumbar-cds";

  private CodeSystems() {}
}
