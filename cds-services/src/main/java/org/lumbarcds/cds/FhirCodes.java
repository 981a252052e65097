package org.lumbarcds.cds;

import java.util.Map;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.Codes;

/** The project's codes as FHIR datatypes, for the factories that build resources. */
public final class FhirCodes {

  private static final Map<Posture, Code> POSTURES =
      Map.of(
          Posture.NEUTRAL, Codes.POSTURE_NEUTRAL,
          Posture.FLEXION, Codes.POSTURE_FLEXION,
          Posture.EXTENSION, Codes.POSTURE_EXTENSION);

  private FhirCodes() {}

  /** The posture's code of the lumbar-postures ValueSet (DICOM CID 92). */
  public static Code posture(Posture posture) {
    return POSTURES.get(posture);
  }

  public static Coding coding(Code code) {
    return new Coding(code.system(), code.code(), code.display());
  }

  public static CodeableConcept concept(Code code) {
    return new CodeableConcept(coding(code));
  }

  /** Whether the coding is the code (same system and code). */
  public static boolean is(Coding coding, Code code) {
    return code.system().equals(coding.getSystem()) && code.code().equals(coding.getCode());
  }

  /** Whether any coding of the concept is the code. */
  public static boolean has(CodeableConcept concept, Code code) {
    return concept.getCoding().stream().anyMatch(c -> is(c, code));
  }
}
