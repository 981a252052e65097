package org.lumbarcds.cds;

import ca.uhn.fhir.context.FhirContext;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ValueSet;
import org.lumbarcds.terminology.TerminologyResources;

/**
 * Membership in the project's ValueSets (terminology module), held in memory: every one of them
 * enumerates its concepts, so "is this coding in that set" is a set lookup, with no call to a
 * terminology server on a hook's path.
 */
public final class ValueSetIndex {

  private final Map<String, Set<String>> members = new HashMap<>();

  public ValueSetIndex(FhirContext fhir) {
    for (var resource : TerminologyResources.load(fhir)) {
      if (resource instanceof ValueSet vs) {
        Set<String> codes = new HashSet<>();
        for (ValueSet.ConceptSetComponent include : vs.getCompose().getInclude()) {
          if (include.hasFilter() || include.hasValueSet() || !include.hasConcept()) {
            throw new IllegalStateException(
                "ValueSet " + vs.getUrl() + " must enumerate its concepts");
          }
          include.getConcept().forEach(c -> codes.add(key(include.getSystem(), c.getCode())));
        }
        members.put(vs.getUrl(), Set.copyOf(codes));
      }
    }
  }

  /** The ValueSet's members as {@code system|code} tokens (for a FHIR token search), sorted. */
  public List<String> tokens(String valueSetUrl) {
    return set(valueSetUrl).stream().sorted().toList();
  }

  /** Whether the coding is in the ValueSet (an unknown ValueSet URL is an error). */
  public boolean contains(String valueSetUrl, Coding coding) {
    return set(valueSetUrl).contains(key(coding.getSystem(), coding.getCode()));
  }

  /** Whether any coding of the concept is in the ValueSet. */
  public boolean contains(String valueSetUrl, CodeableConcept concept) {
    Set<String> set = set(valueSetUrl);
    return concept.getCoding().stream()
        .anyMatch(c -> set.contains(key(c.getSystem(), c.getCode())));
  }

  private Set<String> set(String url) {
    Set<String> set = members.get(url);
    if (set == null) {
      throw new IllegalArgumentException("not a project ValueSet: " + url);
    }
    return set;
  }

  private static String key(String system, String code) {
    return system + "|" + code;
  }
}
