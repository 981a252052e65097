package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UriType;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;
import org.lumbarcds.terminology.QualityFlag;
import org.lumbarcds.terminology.ValueSets;

/** $expand, $validate-code and $lookup through the server on the terminology loaded at boot. */
class TerminologyOperationsTest extends ServerTestBase {

  private ValueSet expand(String url) {
    Parameters in = new Parameters().addParameter("url", new UriType(url));
    return client
        .operation()
        .onType(ValueSet.class)
        .named("$expand")
        .withParameters(in)
        .returnResourceType(ValueSet.class)
        .execute();
  }

  private Parameters validate(String valueSetUrl, String system, String code) {
    Parameters in =
        new Parameters()
            .addParameter("url", new UriType(valueSetUrl))
            .addParameter("system", new UriType(system))
            .addParameter("code", new CodeType(code));
    return client
        .operation()
        .onType(ValueSet.class)
        .named("$validate-code")
        .withParameters(in)
        .execute();
  }

  private static boolean result(Parameters out) {
    return ((BooleanType) out.getParameter("result").getValue()).booleanValue();
  }

  @Test
  void expansionsHoldExactlyTheShippedCodes() {
    Map<String, List<String>> expected =
        Map.of(
            ValueSets.LUMBAR_XR_FLEXION_EXTENSION, List.of("24971-4", "37132-8"),
            ValueSets.LUMBAR_MRI,
                List.of(
                    "30679-5",
                    "30678-7",
                    "24967-2",
                    "24968-0",
                    "36111-3",
                    "36100-6",
                    "91717-9",
                    "91715-3",
                    "91716-1",
                    "394451000119106",
                    "41333006",
                    "433141005",
                    "72148",
                    "72149",
                    "72158"),
            ValueSets.LUMBAR_SPINAL_STENOSIS,
                List.of("18347007", "303081002", "M48.06", "M48.061", "M48.062", "M48.07"),
            ValueSets.LOW_BACK_PAIN, List.of("279039007", "M54.5", "M54.50", "M54.51", "M54.59"),
            ValueSets.RED_FLAG_CAUDA_EQUINA, List.of("G83.4"),
            ValueSets.LUMBAR_POSTURES, List.of("109136", "9964006", "24154002"));
    expected.forEach(
        (url, codes) ->
            assertThat(expand(url).getExpansion().getContains())
                .as(url)
                .extracting(ValueSet.ValueSetExpansionContainsComponent::getCode)
                .containsExactlyInAnyOrderElementsOf(codes));
  }

  @Test
  void everyValueSetExpandsAndRedFlagGroupsAreNotEmpty() {
    Bundle all =
        client.search().forResource(ValueSet.class).count(200).returnBundle(Bundle.class).execute();
    assertThat(all.getEntry())
        .extracting(e -> ((ValueSet) e.getResource()).getUrl())
        .filteredOn(url -> url.startsWith("http://lumbarcds.org/fhir/ValueSet/"))
        .hasSize(14)
        .doesNotHaveDuplicates();
    for (String group : ValueSets.RED_FLAG_GROUPS) {
      assertThat(expand(group).getExpansion().getContains()).as(group).isNotEmpty();
    }
  }

  @Test
  void validateCodeAcceptsMembersAndRefusesOthers() {
    Code mri = Codes.MRI_LSPINE_WO_CONTRAST;
    Parameters member = validate(ValueSets.LUMBAR_MRI, mri.system(), mri.code());
    assertThat(result(member)).isTrue();
    assertThat(((StringType) member.getParameter("display").getValue()).getValue())
        .isEqualTo(mri.display());

    // 24531-6 circulates labelled "MR Lumbar spine WO contrast"; it is an ultrasound code.
    assertThat(result(validate(ValueSets.LUMBAR_MRI, CodeSystems.LOINC, "24531-6"))).isFalse();
    // The X-ray order is not an MRI order, and the right code in the wrong system is refused.
    assertThat(result(validate(ValueSets.LUMBAR_MRI, CodeSystems.LOINC, "24971-4"))).isFalse();
    assertThat(result(validate(ValueSets.LUMBAR_MRI, CodeSystems.SNOMED_CT, mri.code()))).isFalse();

    Code flexion = Codes.POSTURE_FLEXION;
    assertThat(result(validate(ValueSets.LUMBAR_POSTURES, flexion.system(), flexion.code())))
        .isTrue();
    assertThat(
            result(
                validate(ValueSets.LUMBAR_POSTURES, Codes.VIEW_AP.system(), Codes.VIEW_AP.code())))
        .isFalse();
    Code missing = QualityFlag.VIEW_MISSING_FLEXION.code();
    assertThat(result(validate(ValueSets.AI_QUALITY_FLAGS, missing.system(), missing.code())))
        .isTrue();
  }

  /** Runs a CodeSystem operation on the project's own code system for one code. */
  private Parameters onOwnCodeSystem(String operation, String systemParameter, String code) {
    Parameters in =
        new Parameters()
            .addParameter(systemParameter, new UriType(CodeSystems.LUMBAR_CDS))
            .addParameter("code", new CodeType(code));
    return client
        .operation()
        .onType(org.hl7.fhir.r4.model.CodeSystem.class)
        .named(operation)
        .withParameters(in)
        .execute();
  }

  @Test
  void codeSystemValidateCodeKnowsTheProjectsConcepts() {
    assertThat(result(onOwnCodeSystem("$validate-code", "url", Codes.BELOW_RULE_OUT.code())))
        .isTrue();
    assertThat(result(onOwnCodeSystem("$validate-code", "url", "no-such-concept"))).isFalse();
  }

  @Test
  void lookupFindsTheProjectsOwnConcepts() {
    Parameters out = onOwnCodeSystem("$lookup", "system", Codes.LSS_AI_PROBABILITY.code());
    assertThat(((StringType) out.getParameter("display").getValue()).getValue())
        .isEqualTo(Codes.LSS_AI_PROBABILITY.display());
  }
}
