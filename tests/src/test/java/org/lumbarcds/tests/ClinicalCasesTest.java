package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;

/**
 * The clinical case suite ({@code src/test/resources/cds-hooks/cases}, one JSON fixture per case,
 * each citing the guideline statement it encodes): each writes its patient's record to the server
 * (conditions, medications, temperatures, procedures, age, a prior MRI, the AI result), sends its
 * CDS Hooks request as the EHR would — with prefetch built from the record when the case says so,
 * some keys left out, failed or of another patient — and checks the answer against what the fixture
 * expects and what the spec requires of every card. The answers are written to {@code
 * target/clinical-cases.md} (case → expected → got).
 */
class ClinicalCasesTest extends CdsHooksTestBase {

  private static final Map<String, String> GOT = new java.util.concurrent.ConcurrentSkipListMap<>();

  static Stream<String> cases() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("src/test/resources/cds-hooks/cases"))) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".json"))
          .map(n -> n.substring(0, n.length() - 5))
          .sorted()
          .toList()
          .stream();
    }
  }

  static JsonNode fixture(String name) throws IOException {
    try (InputStream in =
        ClinicalCasesTest.class.getResourceAsStream("/cds-hooks/cases/" + name + ".json")) {
      return CdsClient.JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @AfterAll
  static void report() throws IOException {
    StringBuilder md = new StringBuilder("| case | expected | got |\n|---|---|---|\n");
    GOT.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/clinical-cases.md"), md.toString());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theServiceAnswersTheCaseAsExpected(String name) throws Exception {
    JsonNode c = fixture(name);
    assertThat(c.path("guideline").asText()).as("each case cites its guideline").isNotBlank();
    JsonNode record = c.path("record");
    IIdType patient = patient(record);
    IIdType other = patient(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
    for (JsonNode condition : record.path("conditions")) {
      write(condition(patient, condition));
    }
    for (JsonNode m : record.path("medications")) {
      write(medication(patient, m));
    }
    for (JsonNode t : record.path("temperatures")) {
      write(temperature(patient, t));
    }
    for (JsonNode p : record.path("procedures")) {
      write(procedure(patient, coding(p.path("coding")), p.path("weeksAgo").asInt()));
    }
    if (record.has("mriProcedureMonthsAgo")) {
      Procedure mri =
          procedure(
              patient,
              Fixtures.coding(Codes.MRI_LSPINE_WO_CONTRAST),
              record.path("mriProcedureMonthsAgo").asInt() * 4 + 1);
      write(mri);
    }
    IIdType result = aiResult(patient, other, record.path("aiResult"));

    String request =
        c.path("request")
            .toString()
            .replace("{{patientId}}", patient.getIdPart())
            .replace("{{uuid}}", UUID.randomUUID().toString());
    ObjectNode body = (ObjectNode) CdsClient.JSON.readTree(request);
    if (c.has("prefetch")) {
      prefetch(body, c.path("service").asText(), patient, other, c.path("prefetch"));
    }
    JsonNode response = cds.hook(c.path("service").asText(), body);

    JsonNode expect = c.path("expect");
    String expected =
        expect.has("cards")
            ? expect.path("cards").asInt() + " cards"
            : expect.path("indicator").asText()
                + ", "
                + (expect.path("suggestion").isNull()
                    ? "no suggestion"
                    : expect.path("suggestion").asText());
    JsonNode cards = response.path("cards");
    String got =
        cards.isEmpty()
            ? cards.size() + " cards"
            : cards.get(0).path("indicator").asText()
                + ", "
                + (cards.get(0).has("suggestions")
                    ? cards.get(0).at("/suggestions/0/actions/0/type").asText()
                    : "no suggestion")
                + ": "
                + cards.get(0).path("summary").asText();
    GOT.put(name, expected + " | " + got.replace("|", "/"));
    if (expect.has("cards")) {
      assertThat(cards).hasSize(expect.path("cards").asInt());
      return;
    }
    JsonNode card = onlyCard(response);
    assertThat(card.path("indicator").asText())
        .as(card.path("detail").asText())
        .isEqualTo(expect.path("indicator").asText());
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
        if (expect.has("suggestionCode")) {
          assertThat(card.at("/suggestions/0/actions/0/resource/code/coding/0/code").asText())
              .isEqualTo(expect.path("suggestionCode").asText());
        }
      }
    }
    assertThat(card.path("overrideReasons").size())
        .isEqualTo(expect.path("overrideReasons").asInt(0));
    if (result != null && expect.path("viewerLink").asBoolean(false)) {
      assertThat(card.at("/links/0/url").asText())
          .contains("/viewer/" + result.getIdPart() + "#access=");
    }
  }

  // --- the record ----------------------------------------------------------------------------

  /** A patient with the case's age and sex; neither is recorded unless the case gives it. */
  private IIdType patient(JsonNode record) {
    Patient p = Fixtures.patient("MRN-" + UUID.randomUUID());
    p.setBirthDate(null);
    p.setGender(null);
    if (record.path("ageYears").isInt()) {
      p.setBirthDateElement(
          new DateType(
              LocalDate.now()
                  .minusYears(record.path("ageYears").asInt())
                  .minusDays(30)
                  .toString()));
    }
    if (record.has("sex")) {
      p.setGender(
          org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.fromCode(
              record.path("sex").asText()));
    }
    return client.create().resource(p).execute().getId().toUnqualifiedVersionless();
  }

  private void write(org.hl7.fhir.instance.model.api.IBaseResource resource) {
    client.create().resource(resource).execute();
  }

  private static Coding coding(JsonNode coding) {
    return new Coding(
        coding.path("system").asText(),
        coding.path("code").asText(),
        coding.path("display").asText(null));
  }

  private static Condition condition(IIdType patient, JsonNode spec) {
    Condition c = new Condition();
    c.setSubject(new Reference(patient));
    c.setCode(new CodeableConcept(coding(spec.path("coding"))));
    if (!"entered-in-error".equals(spec.path("verificationStatus").asText())) {
      // FHIR con-5: no clinical status on a condition entered in error
      c.getClinicalStatus()
          .addCoding()
          .setSystem("http://terminology.hl7.org/CodeSystem/condition-clinical")
          .setCode(spec.path("clinicalStatus").asText("active"));
    }
    c.getVerificationStatus()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-ver-status")
        .setCode(spec.path("verificationStatus").asText("confirmed"));
    if (spec.has("onsetWeeksAgo")) {
      c.setOnset(
          new DateTimeType(
              LocalDate.now().minusWeeks(spec.path("onsetWeeksAgo").asInt()).toString()));
    }
    if (spec.has("onsetDaysAgo")) {
      c.setOnset(
          new DateTimeType(
              LocalDate.now().minusDays(spec.path("onsetDaysAgo").asInt()).toString()));
    }
    return c;
  }

  private static org.hl7.fhir.r4.model.Resource medication(IIdType patient, JsonNode spec) {
    CodeableConcept drug =
        spec.has("coding")
            ? new CodeableConcept(coding(spec.path("coding")))
            : new CodeableConcept().setText(spec.path("text").asText());
    Date start = date(LocalDate.now().minusWeeks(spec.path("startWeeksAgo").asInt(1)));
    if ("MedicationStatement".equals(spec.path("resource").asText())) {
      MedicationStatement s = new MedicationStatement();
      s.setStatus(
          MedicationStatement.MedicationStatementStatus.fromCode(
              spec.path("status").asText("active")));
      s.setSubject(new Reference(patient));
      s.setMedication(drug);
      s.setEffective(new Period().setStart(start));
      return s;
    }
    MedicationRequest r = new MedicationRequest();
    r.setStatus(
        MedicationRequest.MedicationRequestStatus.fromCode(spec.path("status").asText("active")));
    r.setIntent(MedicationRequest.MedicationRequestIntent.ORDER);
    r.setSubject(new Reference(patient));
    r.setMedication(drug);
    r.setAuthoredOn(start);
    return r;
  }

  private static Observation temperature(IIdType patient, JsonNode spec) {
    Observation o = new Observation();
    o.setStatus(Observation.ObservationStatus.FINAL);
    o.addCategory()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/observation-category")
        .setCode("vital-signs");
    o.getCode()
        .addCoding()
        .setSystem(CodeSystems.LOINC)
        .setCode("8310-5")
        .setDisplay("Body temperature");
    o.setSubject(new Reference(patient));
    o.setEffective(new DateTimeType(date(LocalDate.now().minusDays(spec.path("daysAgo").asInt()))));
    String unit = spec.path("unit").asText("Cel");
    o.setValue(
        new Quantity()
            .setValue(spec.path("value").asDouble())
            .setUnit(unit)
            .setSystem(CodeSystems.UCUM)
            .setCode(unit));
    return o;
  }

  private static Procedure procedure(IIdType patient, Coding code, int weeksAgo) {
    Procedure p = new Procedure();
    p.setStatus(Procedure.ProcedureStatus.COMPLETED);
    p.setCode(new CodeableConcept(code));
    p.setSubject(new Reference(patient));
    p.setPerformed(new DateTimeType(LocalDate.now().minusWeeks(weeksAgo).toString()));
    return p;
  }

  private static Date date(LocalDate d) {
    return Date.from(d.atStartOfDay(ZoneId.systemDefault()).toInstant());
  }

  /** The case's AI result: of this patient, of another patient, or of a study of another. */
  private IIdType aiResult(IIdType patient, IIdType other, JsonNode ai) {
    Double p = null;
    if (ai.has("probability")) {
      p =
          switch (ai.path("probability").asText()) {
            case "high" -> Math.min(0.99, ruleIn() + 0.1);
            case "low" -> ruleOut() / 2;
            case "between" -> (ruleIn() + ruleOut()) / 2;
            // exactly the rule-out point, which the validation counted as positive
            case "at-rule-out" -> ruleOut();
            default -> throw new IllegalArgumentException(ai.toString());
          };
    } else if (!ai.has("qualityFlag")) {
      return null;
    }
    IIdType owner = "other".equals(ai.path("patient").asText()) ? other : patient;
    IIdType id = aiResult(owner, p, ai.path("qualityFlag").asText(null));
    if ("other".equals(ai.path("study").asText())) {
      ImagingStudy study = new ImagingStudy();
      study.setStatus(ImagingStudy.ImagingStudyStatus.AVAILABLE);
      study.setSubject(new Reference(other));
      IIdType studyId =
          client.create().resource(study).execute().getId().toUnqualifiedVersionless();
      Observation o = client.read().resource(Observation.class).withId(id).execute();
      o.addDerivedFrom(new Reference(studyId));
      client.update().resource(o).execute();
    }
    return id;
  }

  // --- prefetch, as an EHR would build it ----------------------------------------------------

  /**
   * Fills the request's prefetch from the record by running each discovery template against the
   * server (as the EHR would run them on its own), then applies the case's changes: keys left
   * {@code absent}, answered by an {@code operationOutcome}, and AI results of another patient
   * added; {@code fhirServer} set to an address nothing listens on, so a key the EHR could not fill
   * cannot be fetched either.
   */
  private void prefetch(
      ObjectNode body, String service, IIdType patient, IIdType other, JsonNode spec)
      throws Exception {
    JsonNode discovery = cds.discovery();
    JsonNode templates = null;
    for (JsonNode s : discovery.path("services")) {
      if (s.path("id").asText().equals(service)) {
        templates = s.path("prefetch");
      }
    }
    ObjectNode prefetch = body.putObject("prefetch");
    List<String> absent = strings(spec.path("absent"));
    List<String> failed = strings(spec.path("operationOutcome"));
    List<String> paged = strings(spec.path("paged"));
    for (var it = templates.fields(); it.hasNext(); ) {
      var t = it.next();
      String key = t.getKey();
      if (absent.contains(key)) {
        continue;
      }
      if (failed.contains(key)) {
        prefetch.set(
            key,
            CdsClient.JSON.readTree(
                "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                    + "\"code\":\"exception\",\"diagnostics\":\"query failed\"}]}"));
        continue;
      }
      String query =
          encoded(t.getValue().asText().replace("{{context.patientId}}", patient.getIdPart()));
      org.hl7.fhir.instance.model.api.IBaseResource answer =
          query.contains("?")
              ? client.search().byUrl(query).returnBundle(Bundle.class).execute()
              : client.read().resource(Patient.class).withId(patient.getIdPart()).execute();
      if (key.equals("aiResults") && spec.path("aiResultsOfAnotherPatient").asBoolean(false)) {
        Bundle b = (Bundle) answer;
        client
            .search()
            .byUrl(query.replace(patient.getIdPart(), other.getIdPart()))
            .returnBundle(Bundle.class)
            .execute()
            .getEntry()
            .forEach(b::addEntry);
      }
      if (paged.contains(key)) {
        // the EHR sent its first page only
        ((Bundle) answer).addLink().setRelation(Bundle.LINK_NEXT).setUrl(fhirBase() + "/page-2");
      }
      prefetch.set(
          key, CdsClient.JSON.readTree(FHIR.newJsonParser().encodeResourceToString(answer)));
    }
    if ((!absent.isEmpty() || !failed.isEmpty()) && !spec.path("noFhirServer").asBoolean(false)) {
      body.put("fhirServer", "http://127.0.0.1:" + closedPort() + "/fhir");
    }
  }

  /** Each parameter value URL-encoded ('|' and ':' of token searches included). */
  private static String encoded(String query) {
    if (!query.contains("?")) {
      return query;
    }
    StringBuilder url = new StringBuilder(query.substring(0, query.indexOf('?') + 1));
    for (String param : query.substring(query.indexOf('?') + 1).split("&")) {
      int eq = param.indexOf('=');
      if (url.charAt(url.length() - 1) != '?') {
        url.append('&');
      }
      url.append(param, 0, eq + 1)
          .append(java.net.URLEncoder.encode(param.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return url.toString();
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new java.util.ArrayList<>();
    if (array instanceof ArrayNode a) {
      a.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  private static int closedPort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
