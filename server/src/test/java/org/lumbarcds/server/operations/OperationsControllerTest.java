package org.lumbarcds.server.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.lumbarcds.server.web.SliceTests.fields;
import static org.lumbarcds.server.web.SliceTests.json;
import static org.lumbarcds.server.web.SliceTests.problem;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.server.cdshooks.FeedbackStore;
import org.lumbarcds.server.web.SliceTests;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The operations view's HTTP API without HAPI JPA or a database: {@link OperationsController} in
 * MockMvc over a real {@link OperationsService} whose Tasks, results, job table and feedback are
 * mocks ({@link OperationsFixtures}). The JSON is checked field by field against what ops.js reads.
 */
class OperationsControllerTest {

  private ModelCard card;
  private OperationsFixtures f;

  @BeforeEach
  void setUp() throws Exception {
    card = SliceTests.referenceCard();
    f = new OperationsFixtures(card);
    when(f.feedback.overview(any())).thenReturn(new TreeMap<>());
  }

  private MockMvc mvc(OperationsService service) {
    return SliceTests.mvc(new OperationsController(service));
  }

  private JsonNode summary(OperationsService service, String query) throws Exception {
    return json(
        mvc(service)
            .perform(get("/ops/api/summary" + query))
            .andExpect(status().isOk())
            .andExpect(content().contentType(MediaType.APPLICATION_JSON))
            .andExpect(header().string(HttpHeaders.CACHE_CONTROL, "no-store"))
            .andReturn());
  }

  @Test
  void thePageAndItsScriptAreServedButNoOtherPageAndNoUnknownAsset() throws Exception {
    MockMvc mvc = mvc(mock(OperationsService.class));
    mvc.perform(get("/ops"))
        .andExpect(status().isOk())
        .andExpect(content().contentTypeCompatibleWith(MediaType.TEXT_HTML))
        .andExpect(header().exists("Content-Security-Policy"));
    mvc.perform(get("/ops/assets/ops.js"))
        .andExpect(status().isOk())
        .andExpect(content().contentType("text/javascript;charset=UTF-8"));
    mvc.perform(get("/ops/assets/ops.html")).andExpect(problem(404, "no such asset"));
    mvc.perform(get("/ops/assets/nothing.css")).andExpect(problem(404, "no such asset"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "367", "-1", "x", "1.5", "30d"})
  void daysOutsideOneTo366AreRefused(String days) throws Exception {
    OperationsService service = mock(OperationsService.class);
    mvc(service)
        .perform(get("/ops/api/summary").param("days", days))
        .andExpect(problem(400, "days must be a whole number from 1 to 366"));
    verify(service, never()).summary(anyInt());
  }

  @Test
  void daysDefaultTo30AndGoUpTo366() throws Exception {
    OperationsService service = f.service(0);
    assertThat(summary(service, "").path("days").asInt()).isEqualTo(30);
    assertThat(summary(service, "?days=366").path("days").asInt()).isEqualTo(366);
    assertThat(summary(service, "?days=1").path("days").asInt()).isEqualTo(1);
  }

  @Test
  void theSummaryHasTheFieldsThePageReadsWithTheFigures() throws Exception {
    for (int i = 0; i < 40; i++) {
      f.result(0.01 + i * 0.02, i % 2);
    }
    f.result(0.5, 3);
    f.result(0.5, 8); // before the period
    f.otherModelsResult(0.4);
    f.qualityFailure();
    f.taskCounts.putAll(Map.of("requested", 4, "in-progress", 3, "completed", 2, "failed", 1));
    f.failedTask("t1", "ServiceRequest/o9", "not a configured PACS");
    when(f.feedback.overview(any()))
        .thenReturn(
            new TreeMap<>(
                Map.of(
                    "lss-mri-order-sign",
                    new FeedbackStore.ServiceFeedback(
                        5,
                        new TreeMap<>(Map.of("accepted", 3L, "overridden", 1L)),
                        Map.of("override-x", new FeedbackStore.ReasonCount("MRI needed", 1))))));

    JsonNode s = summary(f.service(3), "?days=7");

    assertThat(fields(s))
        .containsExactly(
            "generated", "days", "model", "jobs", "results", "feedback", "foreignAiResultsIgnored");
    assertThat(s.path("generated").asText()).isEqualTo("2026-03-02T10:00:00.000+00:00");
    assertThat(s.path("days").asInt()).isEqualTo(7);
    assertThat(s.path("foreignAiResultsIgnored").asLong()).isEqualTo(3);
    assertThat(fields(s.path("model")))
        .containsExactly("id", "version", "name", "sha256", "synthetic", "ruleOut", "ruleIn");
    assertThat(s.at("/model/sha256").asText()).isEqualTo(card.sha256());
    assertThat(s.at("/model/ruleIn").asDouble()).isEqualTo(card.ruleIn());

    assertThat(fields(s.path("jobs"))).containsExactly("now", "tasks", "recentFailures");
    assertThat(s.at("/jobs/now").toString())
        .isEqualTo("{\"queued\":2,\"waitingToRetry\":1,\"running\":1}");
    assertThat(s.at("/jobs/tasks").toString())
        .isEqualTo("{\"requested\":4,\"in-progress\":3,\"completed\":2,\"failed\":1}");
    assertThat(fields(s.at("/jobs/recentFailures/0")))
        .containsExactly("task", "order", "reason", "when");
    assertThat(s.at("/jobs/recentFailures/0/task").asText()).isEqualTo("Task/t1");
    assertThat(s.at("/jobs/recentFailures/0/reason").asText()).isEqualTo("not a configured PACS");

    JsonNode r = s.path("results");
    assertThat(fields(r))
        .containsExactly(
            "read",
            "otherModels",
            "truncated",
            "withProbability",
            "qualityFailures",
            "validation",
            "histogram",
            "drift",
            "perDay");
    assertThat(r.path("read").asInt()).isEqualTo(42);
    assertThat(r.path("otherModels").asInt()).isEqualTo(1);
    assertThat(r.path("withProbability").asInt()).isEqualTo(41);
    assertThat(r.path("qualityFailures").asInt()).isEqualTo(1);
    assertThat(fields(r.path("validation"))).containsExactly("source", "edges", "counts");
    assertThat(r.at("/validation/edges")).hasSize(21);
    assertThat(r.at("/validation/counts")).hasSize(20);
    assertThat(r.path("histogram")).hasSize(20);
    long binned = 0;
    for (JsonNode bin : r.path("histogram")) {
      binned += bin.asLong();
    }
    assertThat(binned).isEqualTo(41);
    assertThat(fields(r.path("drift"))).containsExactly("psi", "reading");
    assertThat(r.at("/drift/psi").isNumber()).isTrue();
    assertThat(r.at("/drift/reading").asText()).isEqualTo("major shift");
    assertThat(r.path("perDay")).hasSize(3);
    JsonNode today = r.at("/perDay/2");
    assertThat(fields(today))
        .containsExactly(
            "date",
            "results",
            "qualityFailures",
            "meanProbability",
            "aboveRuleIn",
            "belowRuleOut",
            "drift");
    assertThat(today.path("date").asText()).isEqualTo("2026-03-02");
    assertThat(today.path("results").asInt()).isEqualTo(20);
    assertThat(today.path("qualityFailures").asInt()).isEqualTo(1);
    assertThat(today.path("meanProbability").asDouble()).isCloseTo(0.39, within(1e-9));
    assertThat(today.at("/drift/psi").isNull()).isTrue();
    assertThat(today.at("/drift/reading").asText()).isEqualTo("too few results (20 < 30)");

    JsonNode fb = s.path("feedback");
    assertThat(fields(fb))
        .containsExactly("cards", "feedback", "acceptRate", "overrideRate", "services");
    assertThat(fb.path("cards").asLong()).isEqualTo(5);
    assertThat(fb.path("feedback").asLong()).isEqualTo(4);
    assertThat(fb.path("acceptRate").asDouble()).isEqualTo(0.75);
    assertThat(fb.path("overrideRate").asDouble()).isEqualTo(0.25);
    assertThat(fb.at("/services/lss-mri-order-sign").toString())
        .isEqualTo(
            "{\"cards\":5,\"outcomes\":{\"accepted\":3,\"overridden\":1},"
                + "\"overrideReasons\":{\"override-x\":{\"display\":\"MRI needed\",\"count\":1}}}");
    assertThat(s.toString()).doesNotContain(SliceTests.PATIENT);
  }

  @Test
  void anEmptyPeriodHasNoRatesAndNoDrift() throws Exception {
    JsonNode s = summary(f.service(0), "?days=30");
    assertThat(s.at("/results/read").asInt()).isZero();
    assertThat(s.at("/results/perDay")).isEmpty();
    assertThat(s.at("/results/drift/psi").isNull()).isTrue();
    assertThat(s.at("/results/drift/reading").asText()).isEqualTo("too few results (0 < 30)");
    assertThat(s.at("/feedback/acceptRate").isNull()).isTrue();
    assertThat(s.at("/feedback/overrideRate").isNull()).isTrue();
    assertThat(s.at("/feedback/services").isObject()).isTrue();
    assertThat(s.at("/jobs/recentFailures").isArray()).isTrue();
  }

  @Test
  void aCardWithoutItsHistogramSaysWhatToRunInsteadOfDrift() throws Exception {
    ObjectNode document = card.document().deepCopy();
    document.remove("metrics");
    f = new OperationsFixtures(SliceTests.variant(card, card.name(), card.synthetic(), document));
    when(f.feedback.overview(any())).thenReturn(new TreeMap<>());
    f.result(0.3, 0);
    JsonNode r = summary(f.service(0), "?days=7").path("results");
    assertThat(fields(r)).doesNotContain("histogram", "drift");
    assertThat(fields(r.path("validation"))).containsExactly("missing");
    assertThat(r.at("/validation/missing").asText()).contains("lumbarcds_training.evaluate");
    assertThat(fields(r.at("/perDay/0"))).doesNotContain("drift").contains("meanProbability");
  }

  @Test
  void anUnexpectedFailureIsAProblemWithoutDetail() throws Exception {
    OperationsService service = mock(OperationsService.class);
    when(service.summary(anyInt())).thenThrow(new IllegalStateException("database gone"));
    mvc(service)
        .perform(get("/ops/api/summary"))
        .andExpect(problem(500, "the request failed; see the server's log"));
  }
}
