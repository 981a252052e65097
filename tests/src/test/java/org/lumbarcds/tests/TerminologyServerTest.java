package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Optional;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Coding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lumbarcds.server.terminology.TerminologyServerSubsumption;
import org.lumbarcds.terminology.ClinicalTriggers;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;

/**
 * SNOMED CT subsumption through a configured FHIR terminology server: a HAPI FHIR JPA server (a
 * lumbar-cds instance with Hibernate Search, which HAPI's terminology operations need) holds a
 * SNOMED CT fragment CodeSystem with its hierarchy — every root concept of the trigger table, and
 * 188251003 Hypernephroma below 363346000 Malignant neoplastic disease, a malignancy the shipped
 * lists do not hold — and a second server is configured to ask it.
 */
class TerminologyServerTest extends CdsHooksTestBase {

  private static final String HYPERNEPHROMA = "188251003";

  private static StandaloneServer terminology;
  private static StandaloneServer cds;

  @BeforeAll
  static void servers() {
    terminology =
        new StandaloneServer(
            ServerTestBase.newDataDir(),
            "--spring.jpa.properties.hibernate.search.enabled=true",
            "--spring.jpa.properties.hibernate.search.backend.type=lucene",
            "--spring.jpa.properties.hibernate.search.backend.analysis.configurer="
                + "ca.uhn.fhir.jpa.search.HapiHSearchAnalysisConfigurers$HapiLuceneAnalysisConfigurer",
            "--spring.jpa.properties.hibernate.search.backend.directory.type=local-heap",
            "--lumbarcds.fhir.validate-requests=false");
    terminology.client().update().resource(fragment()).execute();
    // HAPI stores a CodeSystem's concepts in the background after the write is answered
    Awaitility.await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              HttpResponse<String> r =
                  java.net.http.HttpClient.newHttpClient()
                      .send(
                          HttpRequest.newBuilder(
                                  URI.create(
                                      base()
                                          + "/CodeSystem/$subsumes?system=http%3A%2F%2Fsnomed.info%2Fsct"
                                          + "&codeA=363346000&codeB="
                                          + HYPERNEPHROMA))
                              .build(),
                          HttpResponse.BodyHandlers.ofString());
              return r.statusCode() == 200;
            });
    cds =
        new StandaloneServer(
            ServerTestBase.newDataDir(),
            "--lumbarcds.terminology.server-url=" + base(),
            "--lumbarcds.cds-hooks.security=open",
            "--lumbarcds.fhir.validate-requests=false");
  }

  @AfterAll
  static void stop() {
    if (cds != null) {
      cds.close();
    }
    if (terminology != null) {
      terminology.close();
    }
  }

  private static CodeSystem fragment() {
    CodeSystem sct = new CodeSystem();
    sct.setId("snomed-ct-test-fragment");
    sct.setUrl(CodeSystems.SNOMED_CT);
    sct.setName("SnomedCtTestFragment");
    sct.setStatus(org.hl7.fhir.r4.model.Enumerations.PublicationStatus.ACTIVE);
    sct.setContent(CodeSystem.CodeSystemContentMode.COMPLETE);
    sct.setHierarchyMeaning(CodeSystem.CodeSystemHierarchyMeaning.ISA);
    ClinicalTriggers table = ClinicalTriggers.load();
    java.util.Set<String> added = new java.util.HashSet<>();
    for (var group : table.groups().values()) {
      for (var root : group.snomed().roots()) {
        if (added.add(root.code())) {
          var concept = sct.addConcept().setCode(root.code()).setDisplay(root.display());
          if (root.code().equals("363346000")) {
            concept.addConcept().setCode(HYPERNEPHROMA).setDisplay("Hypernephroma (disorder)");
          }
        }
      }
    }
    sct.addConcept().setCode(Codes.LOW_BACK_PAIN.code()).setDisplay(Codes.LOW_BACK_PAIN.display());
    return sct;
  }

  private static String base() {
    return "http://127.0.0.1:" + terminology.port() + "/fhir";
  }

  @Test
  void theClientReadsSubsumptionFromTheServersHierarchy() {
    TerminologyServerSubsumption tx =
        new TerminologyServerSubsumption(
            base(), Optional.empty(), Duration.ofSeconds(5), Duration.ofMinutes(1), FHIR);
    assertThat(tx.subsumes(CodeSystems.SNOMED_CT, "363346000", HYPERNEPHROMA)).contains(true);
    assertThat(tx.subsumes(CodeSystems.SNOMED_CT, "363346000", Codes.LOW_BACK_PAIN.code()))
        .contains(false);
    // a code the server does not know cannot be checked (and does not stop the next question)
    assertThat(tx.subsumes(CodeSystems.SNOMED_CT, "363346000", "999999999")).isEmpty();
    assertThat(tx.subsumes(CodeSystems.SNOMED_CT, "192970008", Codes.LOW_BACK_PAIN.code()))
        .contains(false);
  }

  @Test
  void aServerThatIsDownAnswersNothingAndIsNotAskedAgainAtOnce() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    TerminologyServerSubsumption down =
        new TerminologyServerSubsumption(
            "http://127.0.0.1:" + closed + "/fhir",
            Optional.empty(),
            Duration.ofSeconds(1),
            Duration.ofMinutes(1),
            FHIR);
    assertThat(down.subsumes(CodeSystems.SNOMED_CT, "363346000", HYPERNEPHROMA)).isEmpty();
    long start = System.nanoTime();
    for (int i = 0; i < 50; i++) {
      assertThat(down.subsumes(CodeSystems.SNOMED_CT, "192970008", "1" + i)).isEmpty();
    }
    // answered from the back-off, not by 50 more connection attempts
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void aHookCallRecognisesACancerTheShippedListsDoNotHoldThroughTheTerminologyServer()
      throws Exception {
    {
      var remote = cds.client();
      IIdType patient =
          remote
              .create()
              .resource(Fixtures.patient("MRN-" + UUID.randomUUID()))
              .execute()
              .getId()
              .toUnqualifiedVersionless();
      remote
          .create()
          .resource(
              activeCondition(
                  patient, Fixtures.coding(Codes.LOW_BACK_PAIN), LocalDate.now().minusWeeks(10)))
          .execute();
      remote.create().resource(aiResultResource(patient, ruleOut() / 2, null)).execute();

      JsonNode clean = sign(cds.port(), patient);
      assertThat(clean.at("/cards/0/suggestions/0/actions/0/type").asText()).isEqualTo("delete");

      remote
          .create()
          .resource(
              activeCondition(
                  patient,
                  new Coding(CodeSystems.SNOMED_CT, HYPERNEPHROMA, "Hypernephroma (disorder)"),
                  LocalDate.now().minusWeeks(10)))
          .execute();
      JsonNode card = sign(cds.port(), patient).path("cards").get(0);
      assertThat(card.path("indicator").asText()).isEqualTo("warning");
      assertThat(card.path("summary").asText()).contains("Imaging indication");
      assertThat(card.path("detail").asText()).contains("history of cancer", HYPERNEPHROMA);
      assertThat(card.has("suggestions")).isFalse();
    }
  }

  private JsonNode sign(int port, IIdType patient) throws Exception {
    ObjectNode request = orderSign(patient, draftMri("draft-mri", patient));
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/cds-services/lss-mri-order-sign"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return CdsClient.JSON.readTree(response.body());
  }
}
