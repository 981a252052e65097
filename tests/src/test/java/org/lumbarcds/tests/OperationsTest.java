package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operations view: its JSON counts the jobs, failures, results and feedback the server holds,
 * and its page shows them in headless Chromium (tagged {@code chromium}: the {@code
 * installed-tools} profile runs it; it makes its own records, so it also runs alone).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsTest extends CdsHooksTestBase {

  JsonNode summary() throws Exception {
    HttpResponse<String> r = send("GET", "/ops/api/summary?days=7", null, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return CdsClient.JSON.readTree(r.body());
  }

  /** What the summary counts. */
  record Activity(AnalysisStoryTest.Ordered ok, AnalysisStoryTest.Ordered bad, IIdType p) {}

  /**
   * One analysed order, one that fails for good, one override with its reason, an AI result of
   * another patient ignored by the advice. Each test makes its own, so that the browser test can
   * run alone (the installed-tools pass of CI runs only the tagged tests).
   */
  Activity activity() throws Exception {
    AnalysisStoryTest.Ordered ok = AnalysisStoryTest.analysed(client, http, port);

    AnalysisStoryTest.Ordered bad =
        AnalysisStoryTest.order(client, PhantomStudy.copy("study1/neutral.dcm"));
    var endpoint = client.create().resource(Fixtures.wadoEndpoint()).execute().getId();
    client
        .create()
        .resource(
            Fixtures.threeViewStudy(
                new Reference(bad.patient()),
                new Reference(bad.order()),
                new Reference(endpoint.toUnqualifiedVersionless()),
                bad.study().studyUid()))
        .execute();
    AnalysisStoryTest.complete(client, bad.order(), null);
    AnalysisRecords.awaitTask(client, bad.order(), Task.TaskStatus.FAILED);

    IIdType p = patient();
    aiResult(p, ruleOut() / 2, null);
    JsonNode card = onlyCard(cds.hook("lss-mri-order-sign", orderSign(p, draftMri("m1", p))));
    ObjectNode fb = CdsClient.JSON.createObjectNode();
    ArrayNode items = fb.putArray("feedback");
    overridden(
        items, card, "override-surgical-planning", "MRI needed for surgical or injection planning");
    assertThat(
            cds.call(
                    "POST",
                    "/cds-services/lss-mri-order-sign/feedback",
                    CdsClient.JSON.writeValueAsString(fb))
                .statusCode())
        .isEqualTo(200);

    // an AI result of another patient in the record: ignored by the advice, counted here
    IIdType q = patient();
    IIdType other = patient();
    ObjectNode withForeign = orderSign(q, draftMri("m2", q));
    org.hl7.fhir.r4.model.Bundle foreign =
        new org.hl7.fhir.r4.model.Bundle()
            .setType(org.hl7.fhir.r4.model.Bundle.BundleType.SEARCHSET);
    foreign.addEntry().setResource(aiResultResource(other, ruleOut() / 2, null));
    withForeign
        .putObject("prefetch")
        .set(
            "aiResults",
            CdsClient.JSON.readTree(FHIR.newJsonParser().encodeResourceToString(foreign)));
    assertThat(onlyCard(cds.hook("lss-mri-order-sign", withForeign)).path("detail").asText())
        .contains("belongs to another patient and was not used");

    return new Activity(ok, bad, p);
  }

  @Test
  @Order(1)
  void theSummaryCountsJobsFailuresResultsAndFeedback() throws Exception {
    JsonNode before = summary();
    assertThat(before.at("/model/version").asText()).isEqualTo(modelCard.path("version").asText());
    assertThat(before.at("/model/synthetic").asBoolean()).isTrue();

    Activity activity = activity();
    AnalysisStoryTest.Ordered ok = activity.ok();
    AnalysisStoryTest.Ordered bad = activity.bad();
    IIdType p = activity.p();

    JsonNode after = summary();
    assertThat(after.path("foreignAiResultsIgnored").asLong())
        .isGreaterThan(before.path("foreignAiResultsIgnored").asLong());
    assertThat(after.at("/jobs/tasks/completed").asLong())
        .isGreaterThan(before.at("/jobs/tasks/completed").asLong());
    assertThat(after.at("/jobs/tasks/failed").asLong())
        .isGreaterThan(before.at("/jobs/tasks/failed").asLong());
    assertThat(after.at("/jobs/recentFailures").toString())
        .contains(bad.order().getIdPart())
        .contains("not a configured PACS");
    assertThat(after.at("/results/read").asLong())
        .isGreaterThanOrEqualTo(before.at("/results/read").asLong() + 2);
    assertThat(after.at("/results/validation/counts")).hasSize(20);
    assertThat(after.at("/results/perDay")).isNotEmpty();
    JsonNode sign = after.at("/feedback/services/lss-mri-order-sign");
    assertThat(sign.path("cards").asLong()).isPositive();
    assertThat(sign.at("/overrideReasons/override-surgical-planning/count").asLong()).isPositive();
    assertThat(after.at("/feedback/overrideRate").isNumber()).isTrue();
    // nothing about a patient
    assertThat(after.toString())
        .doesNotContain(p.getIdPart())
        .doesNotContain(ok.study().patientId());

    assertThat(send("GET", "/ops/api/summary?days=0", null, null).statusCode()).isEqualTo(400);
    assertThat(send("GET", "/ops/api/summary?days=x", null, null).statusCode()).isEqualTo(400);
  }

  /** The page, in headless Chromium, shows what the JSON says after the first test's calls. */
  @Test
  @Order(2)
  @Tag("chromium")
  void thePageShowsTheSummary() throws Exception {
    activity();
    JsonNode after = summary();
    WebDriver browser = ViewerTest.browser();
    try {
      browser.get("http://127.0.0.1:" + port + "/ops");
      new WebDriverWait(browser, Duration.ofSeconds(30))
          .until(
              d ->
                  "summary"
                      .equals(d.findElement(By.tagName("body")).getDomAttribute("data-loaded")));
      assertThat(Long.parseLong(browser.findElement(By.id("tasks-failed")).getText()))
          .isEqualTo(after.at("/jobs/tasks/failed").asLong());
      assertThat(browser.findElement(By.id("failures")).getText())
          .contains("not a configured PACS");
      assertThat(browser.findElement(By.id("services")).getText()).contains("lss-mri-order-sign");
      assertThat(browser.findElement(By.id("foreign")).getText())
          .contains("of another patient", "ignored");
    } finally {
      browser.quit();
    }
  }
}
