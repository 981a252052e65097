package org.lumbarcds.server.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeSystem;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;

/**
 * HL7 code systems as FHIR R4 4.0.1 bundled them, plus the concepts HL7 terminology added since
 * that the project uses. Without it the validator refuses the {@code AIAST} ("Artificial
 * Intelligence asserted") security label that marks AI results, because R4's copy of
 * v3-ObservationValue predates it. Placed first in the validation chain; it answers only for the
 * code systems it extends.
 */
final class Hl7TerminologyUpdates implements IValidationSupport {

  private static final Map<String, List<Code>> ADDITIONS =
      Map.of(CodeSystems.V3_OBSERVATION_VALUE, List.of(Codes.SECURITY_AI_ASSERTED));

  private final FhirContext fhirContext;
  private final DefaultProfileValidationSupport r4;
  private final Map<String, CodeSystem> extended = new ConcurrentHashMap<>();

  Hl7TerminologyUpdates(FhirContext fhirContext) {
    this.fhirContext = fhirContext;
    this.r4 = new DefaultProfileValidationSupport(fhirContext);
  }

  @Override
  public FhirContext getFhirContext() {
    return fhirContext;
  }

  @Override
  public String getName() {
    return "lumbar-cds HL7 terminology updates";
  }

  @Override
  public IBaseResource fetchCodeSystem(String system) {
    List<Code> additions = ADDITIONS.get(system);
    if (additions == null) {
      return null;
    }
    return extended.computeIfAbsent(
        system, s -> extend((CodeSystem) r4.fetchCodeSystem(s), additions));
  }

  private static CodeSystem extend(CodeSystem base, List<Code> additions) {
    CodeSystem copy = base.copy();
    for (Code code : additions) {
      boolean present = copy.getConcept().stream().anyMatch(c -> c.getCode().equals(code.code()));
      if (!present) {
        copy.addConcept().setCode(code.code()).setDisplay(code.display());
      }
    }
    copy.setCountElement(null);
    return copy;
  }
}
