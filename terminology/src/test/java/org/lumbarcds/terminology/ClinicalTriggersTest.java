package org.lumbarcds.terminology;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;

/**
 * The trigger table loads and is consistent, the docs name every trigger, and the ValueSets a
 * hospital's terminology server can expand are the table's ({@code trigger-valuesets.json}).
 */
class ClinicalTriggersTest {

  private static final ClinicalTriggers TABLE = ClinicalTriggers.load();
  private static final Path BUNDLE =
      Path.of("src/main/resources/org/lumbarcds/terminology/trigger-valuesets.json");

  @Test
  void docsNameEveryTriggerAndEveryGroup() throws IOException {
    String docs = Files.readString(Path.of("../docs/clinical-logic.md"));
    TABLE.triggers().forEach(t -> assertThat(docs).as(t.id()).contains("`" + t.id() + "`"));
    TABLE.groups().keySet().forEach(g -> assertThat(docs).as(g).contains("`" + g + "`"));
  }

  @Test
  void aTriggerWithAnUnknownGroupOrSourceIsRefused() {
    var t = TABLE.triggers().get(0);
    var broken =
        new ClinicalTriggers(
            TABLE.version(),
            TABLE.sources(),
            TABLE.groups(),
            java.util.List.of(
                new ClinicalTriggers.Trigger(
                    t.id(),
                    t.label(),
                    t.tier(),
                    t.modality(),
                    t.mri(),
                    java.util.List.of(
                        new ClinicalTriggers.Criterion(
                            "no-such-group", null, null, null, null, null)),
                    t.source(),
                    t.statement(),
                    null)),
            TABLE.nonTriggers());
    org.assertj.core.api.Assertions.assertThatThrownBy(broken::checked)
        .hasMessageContaining("no-such-group");
  }

  @Test
  void theShippedValueSetsAreTheTablesWithIsAFilters() throws IOException {
    Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
    TABLE.valueSets().forEach(vs -> bundle.addEntry().setResource(vs));
    String generated =
        FhirContext.forR4Cached()
                .newJsonParser()
                .setPrettyPrint(true)
                .encodeResourceToString(bundle)
            + "\n";
    if (Boolean.getBoolean("triggers.write")) {
      Files.writeString(BUNDLE, generated, StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(BUNDLE))
        .as("regenerate with: mvn -pl terminology test -Dtriggers.write=true")
        .isEqualTo(generated);
    ValueSet cancer =
        TABLE.valueSets().stream()
            .filter(vs -> vs.getUrl().equals(ClinicalTriggers.VALUE_SET_BASE + "cancer"))
            .findFirst()
            .orElseThrow();
    assertThat(cancer.getCompose().getInclude())
        .anySatisfy(
            inc -> {
              assertThat(inc.getSystem()).isEqualTo(CodeSystems.SNOMED_CT);
              assertThat(inc.getFilterFirstRep().getOp()).isEqualTo(ValueSet.FilterOperator.ISA);
              assertThat(inc.getFilterFirstRep().getValue()).isEqualTo("363346000");
            })
        .anySatisfy(
            inc ->
                assertThat(inc.getFilterFirstRep().getValue())
                    .isEqualTo("(C0|C1|C2|C3|C4|C5|C6|C7|C8).*"))
        .anySatisfy(inc -> assertThat(inc.getFilterFirstRep().getValue()).isEqualTo("Z85"));
  }
}
