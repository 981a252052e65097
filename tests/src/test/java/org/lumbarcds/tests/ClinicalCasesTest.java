package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lumbarcds.terminology.Codes;

/**
 * The clinical cases as request/response fixtures ({@code src/test/resources/cds-hooks/cases}):
 * each writes its patient's record to the server (conditions, a prior MRI, the AI result), sends
 * its CDS Hooks request as the EHR would, and checks the answer against what the fixture expects
 * and what the spec requires of every card.
 */
class ClinicalCasesTest extends CdsHooksTestBase {

  static final List<String> CASES =
      List.of(
          "red-flag",
          "prior-mri",
          "likely-long-symptoms",
          "likely-long-symptoms-no-draft",
          "likely-short-symptoms",
          "likely-short-symptoms-failed-care",
          "unlikely-mri-drafted",
          "indeterminate",
          "missing-view",
          "no-mri-drafted");

  static Stream<String> cases() {
    return CASES.stream();
  }

  static JsonNode fixture(String name) throws IOException {
    try (InputStream in =
        ClinicalCasesTest.class.getResourceAsStream("/cds-hooks/cases/" + name + ".json")) {
      return CdsClient.JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theServiceAnswersTheCaseAsExpected(String name) throws Exception {
    JsonNode c = fixture(name);
    IIdType patient = patient();
    JsonNode record = c.path("record");
    for (JsonNode condition : record.path("conditions")) {
      JsonNode coding = condition.path("coding");
      condition(
          patient,
          new Coding(
              coding.path("system").asText(),
              coding.path("code").asText(),
              coding.path("display").asText()),
          condition.has("onsetWeeksAgo")
              ? LocalDate.now().minusWeeks(condition.path("onsetWeeksAgo").asInt())
              : null);
    }
    if (record.has("mriProcedureMonthsAgo")) {
      Procedure mri = new Procedure();
      mri.setStatus(Procedure.ProcedureStatus.COMPLETED);
      mri.setCode(Fixtures.concept(Codes.MRI_LSPINE_WO_CONTRAST));
      mri.setSubject(new Reference(patient));
      mri.setPerformed(
          new DateTimeType(
              LocalDate.now()
                  .minusMonths(record.path("mriProcedureMonthsAgo").asInt())
                  .toString()));
      client.create().resource(mri).execute();
    }
    IIdType result = null;
    JsonNode ai = record.path("aiResult");
    if (ai.has("probability")) {
      double p =
          switch (ai.path("probability").asText()) {
            case "high" -> Math.min(0.99, ruleIn() + 0.1);
            case "low" -> ruleOut() / 2;
            case "between" -> (ruleIn() + ruleOut()) / 2;
            default -> throw new IllegalArgumentException(ai.toString());
          };
      result = aiResult(patient, p, null);
    } else if (ai.has("qualityFlag")) {
      result = aiResult(patient, null, ai.path("qualityFlag").asText());
    }

    String request =
        c.path("request")
            .toString()
            .replace("{{patientId}}", patient.getIdPart())
            .replace("{{uuid}}", UUID.randomUUID().toString());
    JsonNode response = cds.hook(c.path("service").asText(), CdsClient.JSON.readTree(request));

    JsonNode expect = c.path("expect");
    if (expect.has("cards")) {
      assertThat(response.path("cards")).hasSize(expect.path("cards").asInt());
      return;
    }
    JsonNode card = onlyCard(response);
    assertThat(card.path("indicator").asText()).isEqualTo(expect.path("indicator").asText());
    assertThat(card.path("summary").asText()).contains(expect.path("summaryContains").asText());
    for (JsonNode text : expect.path("detailContains")) {
      assertThat(card.path("detail").asText()).contains(text.asText());
    }
    for (JsonNode text : expect.path("detailLacks")) {
      assertThat(card.path("detail").asText()).doesNotContain(text.asText());
    }
    assertThat(card.path("detail").asText())
        .contains("version " + modelCard.path("version").asText())
        .contains("synthetic phantom radiographs only");
    if (expect.path("suggestion").isNull()) {
      assertThat(card.has("suggestions")).isFalse();
    } else {
      assertThat(card.at("/suggestions/0/actions/0/type").asText())
          .isEqualTo(expect.path("suggestion").asText());
      if (expect.path("suggestion").asText().equals("delete")) {
        assertThat(card.at("/suggestions/0/actions/0/resourceId").asText())
            .isEqualTo("ServiceRequest/draft-mri");
      } else {
        assertThat(card.at("/suggestions/0/actions/0/resource/subject/reference").asText())
            .isEqualTo("Patient/" + patient.getIdPart());
      }
    }
    assertThat(card.path("overrideReasons").size())
        .isEqualTo(expect.path("overrideReasons").asInt(0));
    if (result != null && expect.path("viewerLink").asBoolean(false)) {
      assertThat(card.at("/links/0/url").asText())
          .contains("/viewer/" + result.getIdPart() + "#access=");
    }
  }
}
