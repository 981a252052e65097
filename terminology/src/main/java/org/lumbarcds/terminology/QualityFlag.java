package org.lumbarcds.terminology;

/**
 * Input quality problems an analysis can report; each is a concept of the project's code system.
 */
public enum QualityFlag {
  VIEW_MISSING_NEUTRAL("view-missing-neutral", "Neutral lateral view missing"),
  VIEW_MISSING_FLEXION("view-missing-flexion", "Flexion lateral view missing"),
  VIEW_MISSING_EXTENSION("view-missing-extension", "Extension lateral view missing"),
  VIEW_AMBIGUOUS("view-ambiguous", "Posture of a view could not be determined unambiguously"),
  VIEW_NOT_LATERAL("view-not-lateral", "Image is not a lateral view"),
  WRONG_BODY_PART("wrong-body-part", "Image is not of the lumbar spine"),
  IMAGE_UNREADABLE("image-unreadable", "Image could not be read"),
  UNSUPPORTED_TRANSFER_SYNTAX(
      "unsupported-transfer-syntax", "Image encoding (transfer syntax) is not supported"),
  PATIENT_NOT_MATCHED(
      "patient-not-matched", "Study patient could not be matched to a FHIR Patient");

  private final Code code;

  QualityFlag(String code, String display) {
    this.code = new Code(CodeSystems.LUMBAR_CDS, code, display);
  }

  public Code code() {
    return code;
  }
}
