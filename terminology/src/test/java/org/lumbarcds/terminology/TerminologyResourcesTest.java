package org.lumbarcds.terminology;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeSystem.ConceptDefinitionComponent;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TerminologyResourcesTest {

  private static List<MetadataResource> resources;

  /** system|code -> display, over the CodeSystem's concepts and every ValueSet's includes. */
  private static final Map<String, String> displays = new HashMap<>();

  @BeforeAll
  static void load() {
    resources = TerminologyResources.load(FhirContext.forR4Cached());
    for (MetadataResource resource : resources) {
      if (resource instanceof CodeSystem cs) {
        collect(cs.getUrl(), cs.getConcept());
      } else if (resource instanceof ValueSet vs) {
        vs.getCompose()
            .getInclude()
            .forEach(
                inc ->
                    inc.getConcept()
                        .forEach(
                            c ->
                                displays.put(inc.getSystem() + "|" + c.getCode(), c.getDisplay())));
      }
    }
  }

  private static void collect(String system, List<ConceptDefinitionComponent> concepts) {
    for (ConceptDefinitionComponent c : concepts) {
      displays.put(system + "|" + c.getCode(), c.getDisplay());
      collect(system, c.getConcept());
    }
  }

  @Test
  void everyFileInTheFolderIsLoadedAndNoneTwice() throws IOException {
    Path folder = Path.of("src/main/resources", TerminologyResources.FOLDER);
    try (Stream<Path> files = Files.list(folder)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrderElementsOf(TerminologyResources.FILES);
    }
    assertThat(resources).hasSize(TerminologyResources.FILES.size());
  }

  @Test
  void eachResourceHasAFixedIdMatchingItsCanonicalUrlAndAVersion() {
    for (MetadataResource resource : resources) {
      assertThat(resource.getIdElement().getIdPart()).isNotBlank();
      assertThat(resource.getUrl()).endsWith("/" + resource.getIdElement().getIdPart());
      assertThat(resource.getVersion()).isNotBlank();
    }
    assertThat(resources.stream().map(MetadataResource::getUrl)).doesNotHaveDuplicates();
  }

  @Test
  void valueSetConstantsNameTheShippedValueSets() throws IllegalAccessException {
    List<String> urls = resources.stream().map(MetadataResource::getUrl).toList();
    List<String> constants = new ArrayList<>();
    for (Field field : ValueSets.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        constants.add((String) field.get(null));
      }
    }
    assertThat(urls).containsAll(constants);
    assertThat(constants).hasSize(urls.size() - 1); // all but the CodeSystem
  }

  @Test
  void everyCodeConstantIsShippedWithTheSameDisplay() throws IllegalAccessException {
    for (Field field : Codes.class.getFields()) {
      Code code = (Code) field.get(null);
      if (code.system().equals(CodeSystems.OBSERVATION_CATEGORY)
          || code.system().equals(CodeSystems.V3_OBSERVATION_VALUE)
          || code.system().equals(CodeSystems.V3_OBSERVATION_INTERPRETATION)) {
        // HL7 terminology the server already knows, not part of the project's sets (the
        // validator checks them: tests GeneratedResourcesTest)
        continue;
      }
      assertThat(displays)
          .as(field.getName())
          .containsEntry(code.system() + "|" + code.code(), code.display());
    }
  }

  @Test
  void everyQualityFlagIsAConceptAndInTheQualityFlagValueSet() {
    ValueSet flags =
        (ValueSet)
            resources.stream()
                .filter(r -> r.getUrl().equals(ValueSets.AI_QUALITY_FLAGS))
                .findFirst()
                .orElseThrow();
    List<String> members =
        flags.getCompose().getIncludeFirstRep().getConcept().stream()
            .map(ValueSet.ConceptReferenceComponent::getCode)
            .toList();
    for (QualityFlag flag : QualityFlag.values()) {
      assertThat(displays)
          .containsEntry(CodeSystems.LUMBAR_CDS + "|" + flag.code().code(), flag.code().display());
      assertThat(members).contains(flag.code().code());
    }
    assertThat(members).hasSize(QualityFlag.values().length);
  }

  @Test
  void codesKnownToBeWrongAreNotShipped() {
    // LOINC codes circulating with lumbar labels that really name other studies.
    for (String wrong : List.of("24531-6", "24532-4", "24533-2", "36591-6", "36714-4", "36589-0")) {
      assertThat(displays).doesNotContainKey(CodeSystems.LOINC + "|" + wrong);
    }
  }

  @Test
  void ownCodeSystemCountMatchesItsConcepts() {
    CodeSystem own = (CodeSystem) resources.get(0);
    assertThat(own.getUrl()).isEqualTo(CodeSystems.LUMBAR_CDS);
    long concepts =
        displays.keySet().stream().filter(k -> k.startsWith(CodeSystems.LUMBAR_CDS + "|")).count();
    assertThat(own.getCount()).isEqualTo((int) concepts);
  }
}
