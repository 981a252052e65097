package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The resources the server writes itself — the AI result with its Device and Provenance, the
 * analysis Task, the ImagingStudy and Endpoint of the embedded store, the terminology — carry a
 * generated narrative (FHIR's dom-6: the validator warns without one) and validate without it; the
 * AI result's interpretation carries the standard HL7 v3 reading next to the project's band.
 */
class GeneratedResourcesTest extends ServerTestBase {

  @Autowired private FhirValidator validator;

  private static final String V3 =
      "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";

  @Test
  void everyGeneratedResourceHasANarrativeAndValidatesWithoutTheDom6Warning() throws Exception {
    AnalysisStoryTest.Ordered o = AnalysisStoryTest.analysed(client, http, port);
    Observation result = AnalysisRecords.results(client, o.order()).get(0);
    List<DomainResource> generated = new ArrayList<>();
    generated.add(result);
    generated.add(
        client.read().resource(Device.class).withId(result.getDevice().getReference()).execute());
    generated.addAll(
        AnalysisRecords.provenance(client, result.getIdElement().toUnqualifiedVersionless()));
    generated.add(AnalysisRecords.task(client, o.order()).orElseThrow());
    generated.add(
        (ImagingStudy)
            client
                .read()
                .resource(ImagingStudy.class)
                .withId(result.getDerivedFromFirstRep().getReference())
                .execute());
    generated.add(
        (Endpoint)
            client
                .read()
                .resource(Endpoint.class)
                .withId(
                    ((ImagingStudy) generated.get(generated.size() - 1))
                        .getEndpointFirstRep()
                        .getReference())
                .execute());
    generated.add(
        (ValueSet)
            client
                .search()
                .forResource(ValueSet.class)
                .where(
                    ValueSet.URL.matches().value("http://lumbarcds.org/fhir/ValueSet/lumbar-mri"))
                .returnBundle(Bundle.class)
                .execute()
                .getEntryFirstRep()
                .getResource());
    for (DomainResource resource : generated) {
      String what = resource.fhirType();
      assertThat(resource.getText().getStatus())
          .as(what)
          .isEqualTo(Narrative.NarrativeStatus.GENERATED);
      assertThat(resource.getText().getDivAsString()).as(what).contains("<p>");
      assertThat(resource.getText().getDivAsString())
          .as(what + ": no patient identifier in the narrative")
          .doesNotContain(o.study().patientId());
      assertThat(validate(resource))
          .as(what + " validates without dom-6")
          .noneMatch(m -> m.contains("dom-6"))
          // the extensible binding's membership warning varies with the validator's warm-up;
          // an unknown code or a wrong display would not
          .noneMatch(m -> m.contains("Unknown code") && m.contains("v3-ObservationInterpretation"))
          .noneMatch(m -> m.contains("Wrong Display") || m.contains("display should be"))
          .noneMatch(m -> m.startsWith("ERROR") || m.startsWith("FATAL"));
    }
    assertThat(result.getText().getDivAsString())
        .contains(result.getValueQuantity().getValue().toPlainString())
        .contains("synthetic phantom");
  }

  @Test
  void theInterpretationCarriesTheStandardReadingNextToTheBand() throws Exception {
    AnalysisStoryTest.Ordered o = AnalysisStoryTest.analysed(client, http, port);
    Observation result = AnalysisRecords.results(client, o.order()).get(0);
    List<Coding> codings = result.getInterpretationFirstRep().getCoding();
    assertThat(codings).hasSize(2);
    assertThat(codings.get(0).getSystem())
        .isEqualTo("http://lumbarcds.org/fhir/CodeSystem/lumbar-cds");
    String band = codings.get(0).getCode();
    String standard =
        switch (band) {
          case "above-rule-in" -> "POS";
          case "below-rule-out" -> "NEG";
          case "between-operating-points" -> "IND";
          default -> throw new AssertionError(band);
        };
    assertThat(codings.get(1).getSystem()).isEqualTo(V3);
    assertThat(codings.get(1).getCode()).isEqualTo(standard);
    // each standard code and display as FHIR R4's own copy of the code system has them
    CodeSystem r4 = (CodeSystem) new DefaultProfileValidationSupport(FHIR).fetchCodeSystem(V3);
    assertThat(r4).isNotNull();
    for (Coding code :
        List.of(
            new Coding(V3, "POS", "Positive"),
            new Coding(V3, "NEG", "Negative"),
            new Coding(V3, "IND", "Indeterminate"),
            codings.get(1))) {
      assertThat(display(r4.getConcept(), code.getCode()))
          .as(code.getCode())
          .contains(code.getDisplay());
    }
  }

  @Test
  void aResourceWithAnExtensionTheServerHasNoDefinitionForIsStored() throws Exception {
    String patient =
        "{\"resourceType\":\"Patient\",\"extension\":[{\"url\":"
            + "\"http://ehr.example.org/fhir/StructureDefinition/preferred-pharmacy\","
            + "\"valueString\":\"Main Street\"}],\"gender\":\"female\"}";
    var created = send("POST", "/fhir/Patient", "application/fhir+json", patient);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    // the definitions the validator reads are not the clients' to write
    String definition =
        "{\"resourceType\":\"StructureDefinition\",\"url\":"
            + "\"http://ehr.example.org/fhir/StructureDefinition/preferred-pharmacy\","
            + "\"name\":\"PreferredPharmacy\",\"status\":\"active\",\"kind\":\"complex-type\","
            + "\"abstract\":false,\"type\":\"Extension\",\"derivation\":\"constraint\","
            + "\"baseDefinition\":\"http://hl7.org/fhir/StructureDefinition/Extension\"}";
    var refused = send("POST", "/fhir/StructureDefinition", "application/fhir+json", definition);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(405);
    assertThat(refused.body()).contains("OperationOutcome").contains("read-only");
  }

  private static java.util.Optional<String> display(
      List<CodeSystem.ConceptDefinitionComponent> concepts, String code) {
    for (CodeSystem.ConceptDefinitionComponent c : concepts) {
      if (code.equals(c.getCode())) {
        return java.util.Optional.of(c.getDisplay());
      }
      java.util.Optional<String> below = display(c.getConcept(), code);
      if (below.isPresent()) {
        return below;
      }
    }
    return java.util.Optional.empty();
  }

  /** The server's own write validator (FHIR R4 core), which gives dom-6 as a warning. */
  private List<String> validate(DomainResource resource) {
    ValidationResult result;
    try {
      result = validator.validateWithResult(resource);
    } catch (RuntimeException e) {
      throw new AssertionError(FHIR.newJsonParser().encodeResourceToString(resource), e);
    }
    return result.getMessages().stream()
        .map(m -> m.getSeverity() + " " + m.getLocationString() + " " + m.getMessage())
        .toList();
  }
}
