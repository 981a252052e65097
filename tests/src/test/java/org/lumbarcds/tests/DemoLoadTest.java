package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.Test;
import org.lumbarcds.terminology.Codes;

/**
 * The demo loaded inside the server through its JSON API, as the landing page loads it, without a
 * browser: the seven cases each get a phantom patient whose band the stored AI result gives, and
 * the card the order-sign service answers, whose viewer link opens the result; loading again
 * creates nothing twice and reuses the analyses.
 */
class DemoLoadTest extends ServerTestBase {

  private static final String TAG = "http://lumbarcds.org/fhir/CodeSystem/demo|synthetic-demo";

  /** Loads the demo and waits until it ends; returns its status. */
  static JsonNode load(ServerTestBase test) throws Exception {
    HttpResponse<String> started = test.send("POST", "/demo/api/load", null, null);
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    assertThat(started.headers().firstValue("Location")).hasValue("/demo/api/status");
    JsonNode[] status = new JsonNode[1];
    await("the demo load")
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              HttpResponse<String> r = test.send("GET", "/demo/api/status", null, null);
              assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
              status[0] = CdsClient.JSON.readTree(r.body());
              return !"running".equals(status[0].path("state").asText());
            });
    assertThat(status[0].path("state").asText()).as(status[0].toString()).isEqualTo("done");
    return status[0];
  }

  private Observation observation(String reference) {
    return client.read().resource(Observation.class).withId(reference).execute();
  }

  private static String bandOf(Observation obs) {
    String code = obs.getInterpretationFirstRep().getCodingFirstRep().getCode();
    return code.equals(Codes.ABOVE_RULE_IN.code())
        ? "likely"
        : code.equals(Codes.BELOW_RULE_OUT.code())
            ? "unlikely"
            : code.equals(Codes.BETWEEN_OPERATING_POINTS.code()) ? "indeterminate" : code;
  }

  @Test
  void theSevenCasesAreChosenFromTheStoredResultsAndEachHasTheCardAnEhrShows() throws Exception {
    assertThat(send("GET", "/", null, null).body()).contains("Load the demo cases");

    JsonNode s = load(this);

    // every study's probability and band are its stored Observation's
    Map<String, JsonNode> studies = new HashMap<>();
    Map<String, List<Double>> bands = new HashMap<>();
    for (JsonNode study : s.path("studies")) {
      studies.put(study.path("study").asText(), study);
      Observation obs = observation(study.path("result").asText());
      assertThat(obs.getSubject().getReference()).isEqualTo(study.path("patient").asText());
      if (study.path("role").asText().equals("missing-view")) {
        assertThat(obs.hasValue()).as("a quality failure has no probability").isFalse();
        assertThat(study.has("probability")).isFalse();
        continue;
      }
      double stored = ((Quantity) obs.getValue()).getValue().doubleValue();
      assertThat(study.path("probability").asDouble()).isEqualTo(stored);
      assertThat(study.path("band").asText()).isEqualTo(bandOf(obs));
      bands.computeIfAbsent(bandOf(obs), b -> new ArrayList<>()).add(stored);
    }
    assertThat(studies).hasSize(11);
    // the reference model fills every band from the bundled pool
    assertThat(bands).containsKeys("likely", "unlikely", "indeterminate");

    JsonNode cases = s.path("cases");
    assertThat(cases).hasSize(7);
    Map<String, JsonNode> byId = new HashMap<>();
    for (JsonNode c : cases) {
      byId.put(c.path("id").asText(), c);
      assertThat(c.has("notShown")).as(c.toString()).isFalse();
      JsonNode study = studies.get(c.path("study").asText());
      assertThat(study.path("caseId").asText()).isEqualTo(c.path("id").asText());
      assertThat(c.path("patient").asText()).isEqualTo(study.path("patient").asText());
      String need = c.path("need").asText();
      if (List.of("likely", "unlikely", "indeterminate").contains(need)) {
        assertThat(c.path("band").asText()).isEqualTo(need);
      }
      // one card, with the viewer link of the patient's result and its token
      assertThat(c.path("cards")).as(c.toString()).hasSize(1);
      JsonNode card = c.path("cards").path(0);
      String resultId = study.path("result").asText().replace("Observation/", "");
      String link = card.at("/links/0/url").asText();
      assertThat(link).startsWith("http://127.0.0.1:" + port + "/viewer/" + resultId + "#access=");
      HttpResponse<String> basis =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/viewer/api/" + resultId))
                  .header("Authorization", "Bearer " + ViewerTest.token(link))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(basis.statusCode()).as(basis.body()).isEqualTo(200);
      assertThat(card.path("source").path("label").asText()).contains("synthetic");
      assertThat(card.path("detail").asText()).contains("synthetic phantom");
    }
    // the most typical study of each band
    assertThat(byId.get("likely-long-symptoms").path("probability").asDouble())
        .isEqualTo(bands.get("likely").stream().mapToDouble(d -> d).max().orElseThrow());
    assertThat(byId.get("unlikely-mri-ordered").path("probability").asDouble())
        .isEqualTo(bands.get("unlikely").stream().mapToDouble(d -> d).min().orElseThrow());
    assertThat(byId.get("missing-view").path("study").asText())
        .isEqualTo(
            studies.values().stream()
                .filter(x -> x.path("role").asText().equals("missing-view"))
                .findFirst()
                .orElseThrow()
                .path("study")
                .asText());

    // what each case's record makes of the same MRI order
    assertThat(byId.get("red-flag").at("/cards/0/indicator").asText()).isEqualTo("critical");
    assertThat(byId.get("red-flag").at("/cards/0/summary").asText()).contains("Red flag");
    assertThat(byId.get("prior-mri").at("/cards/0/summary").asText()).contains("Recent lumbar MRI");
    assertThat(byId.get("likely-long-symptoms").at("/cards/0/summary").asText())
        .contains("likely", "MRI recommended");
    assertThat(byId.get("likely-short-symptoms").at("/cards/0/summary").asText())
        .contains("conservative care first");
    assertThat(byId.get("unlikely-mri-ordered").at("/cards/0/suggestions/0/label").asText())
        .isEqualTo("Remove the draft lumbar MRI order");
    assertThat(byId.get("indeterminate").at("/cards/0/summary").asText()).contains("indeterminate");
    assertThat(byId.get("missing-view").at("/cards/0/summary").asText())
        .contains("No usable AI radiograph result");

    // every demo record is marked as such
    Bundle tagged =
        client
            .search()
            .byUrl("Patient?_tag=" + TAG + "&_summary=count")
            .returnBundle(Bundle.class)
            .execute();
    assertThat(tagged.getTotal()).isEqualTo(11);
  }

  @Test
  void loadingAgainCreatesNothingTwiceAndReusesTheAnalyses() throws Exception {
    JsonNode first = load(this);
    JsonNode second = load(this);

    assertThat(second.path("studies")).isEqualTo(first.path("studies"));
    for (int i = 0; i < 7; i++) {
      assertThat(second.at("/cases/" + i + "/patient"))
          .isEqualTo(first.at("/cases/" + i + "/patient"));
    }
    Bundle patients =
        client
            .search()
            .forResource(Patient.class)
            .withTag(TAG.split("\\|")[0], TAG.split("\\|")[1])
            .count(100)
            .returnBundle(Bundle.class)
            .execute();
    assertThat(patients.getEntry()).hasSize(11);
    for (JsonNode study : second.path("studies")) {
      Bundle results =
          client
              .search()
              .forResource(Observation.class)
              .where(Observation.SUBJECT.hasId(study.path("patient").asText()))
              .returnBundle(Bundle.class)
              .execute();
      assertThat(results.getEntry()).as("one result per study").hasSize(1);
    }
  }
}
