package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.result.StoredHeatmaps;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The viewer page a card links to: its API (the link's token required, the numbers those of the
 * stored Observation, no patient identifiers), and the page itself in headless Chromium (Debian's
 * {@code chromium} and {@code chromium-driver}): it loads the three radiographs with their
 * heatmaps, the overlays toggle, the numbers match the Observation, and acknowledging makes the
 * Observation final with a Provenance naming the user. A screenshot is saved to {@code
 * tests/target/viewer/viewer.png}.
 */
class ViewerTest extends CdsHooksTestBase {

  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  /** An analysed study and the viewer link of its order-sign card. */
  record Shown(IIdType patient, Observation result, String link) {}

  Shown analysedAndSigned() throws Exception {
    AnalysisStoryTest.Ordered o = AnalysisStoryTest.analysed(client, http, port);
    Observation result = AnalysisRecords.results(client, o.order()).get(0);
    JsonNode card =
        onlyCard(
            cds.hook("lss-mri-order-sign", orderSign(o.patient(), draftMri("m1", o.patient()))));
    return new Shown(o.patient(), result, card.at("/links/0/url").asText());
  }

  HttpResponse<String> api(String path, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private byte[] png(String id, String path, String token) throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/viewer/api/" + id + "/" + path))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  static String token(String link) {
    return link.substring(link.indexOf("#access=") + "#access=".length());
  }

  @Test
  void theApiOpensOnlyWithTheCardsTokenAndGivesTheObservationsNumbers() throws Exception {
    Shown shown = analysedAndSigned();
    String id = shown.result().getIdElement().getIdPart();
    assertThat(shown.link())
        .startsWith("http://127.0.0.1:" + port + "/viewer/" + id + "#access=")
        .doesNotContain(shown.patient().getIdPart());
    String token = token(shown.link());

    assertThat(api("/viewer/api/" + id, null).statusCode()).isEqualTo(401);
    HttpResponse<String> forged =
        api("/viewer/api/" + id, token.substring(0, token.length() - 3) + "abc");
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(CdsClient.JSON.readTree(forged.body()).path("detail").asText()).isNotBlank();
    assertThat(api("/viewer/api/no-such-result", token).statusCode()).isIn(401, 404);
    assertThat(api("/viewer/api/a%2F..%2Fb", token).statusCode()).isIn(400, 404);

    HttpResponse<String> basis = api("/viewer/api/" + id, token);
    assertThat(basis.statusCode()).isEqualTo(200);
    JsonNode json = CdsClient.JSON.readTree(basis.body());
    double stored = ((Quantity) shown.result().getValue()).getValue().doubleValue();
    assertThat(json.path("probability").asDouble()).isEqualTo(stored);
    assertThat(json.path("reader").asText()).isEqualTo("Practitioner/example");
    assertThat(json.path("model").path("synthetic").asBoolean()).isTrue();
    assertThat(json.path("caveats").toString()).contains("synthetic phantom");
    assertThat(basis.body()).doesNotContain(shown.patient().getIdPart());

    // the heatmaps stored with the result (a Binary the Observation names), not the model run
    // again
    JsonNode views = CdsClient.JSON.readTree(api("/viewer/api/" + id + "/views", token).body());
    assertThat(views.path("heatmaps")).hasSize(3);
    assertThat(views.path("heatmapSource").asText()).isEqualTo("stored");
    assertThat(views.has("reproducedProbability")).isFalse();
    String maps = StoredHeatmaps.reference(shown.result()).orElseThrow();
    assertThat(maps).startsWith("Binary/");
    Binary binary = client.read().resource(Binary.class).withId(maps).execute();
    assertThat(StoredHeatmaps.fromBinary(binary).views()).hasSize(3);

    // the radiograph as the page first gets it (made ready when the result was written)
    byte[] prepared = png(id, "views/neutral.png", token);

    // a result stored before heatmaps were kept: the model in use computes them again
    Observation earlier =
        client
            .read()
            .resource(Observation.class)
            .withId(shown.result().getIdElement().toUnqualifiedVersionless())
            .execute();
    earlier.getExtension().removeIf(e -> StoredHeatmaps.EXTENSION_URL.equals(e.getUrl()));
    client.update().resource(earlier).execute();
    JsonNode again = CdsClient.JSON.readTree(api("/viewer/api/" + id + "/views", token).body());
    assertThat(again.path("heatmaps")).hasSize(3);
    assertThat(again.path("heatmapSource").asText()).isEqualTo("recomputed");
    assertThat(again.path("reproducedProbability").asDouble())
        .isCloseTo(stored, org.assertj.core.data.Offset.offset(5e-4));
    // ... from the study read again: the same radiograph as the one made ready at the write
    assertThat(png(id, "views/neutral.png", token)).isEqualTo(prepared);
    HttpResponse<byte[]> png =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + port + "/viewer/api/" + id + "/heatmaps/flexion.png"))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(png.statusCode()).isEqualTo(200);
    assertThat(java.util.Arrays.copyOf(png.body(), 4))
        .containsExactly((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
  }

  @Test
  void aDisputedResultIsRecordedAndNoLongerABasisForAdvice() throws Exception {
    IIdType p = patient();
    lowBackPainSince(p, java.time.LocalDate.now().minusWeeks(10));
    IIdType result = aiResult(p, ruleOut() / 2, null);
    var request = orderSign(p, draftMri("m1", p));
    JsonNode before = onlyCard(cds.hook("lss-mri-order-sign", request));
    assertThat(before.path("summary").asText()).contains("unlikely");
    String token = token(before.at("/links/0/url").asText());
    String path = "/viewer/api/" + result.getIdPart() + "/review";

    HttpResponse<String> noReason = post(path, token, "{\"action\":\"dispute\",\"version\":\"1\"}");
    assertThat(noReason.statusCode()).isEqualTo(400);
    HttpResponse<String> unseen =
        post(path, token, "{\"action\":\"acknowledge\",\"version\":\"7\"}");
    assertThat(unseen.statusCode()).as("a version the page did not show").isEqualTo(409);
    HttpResponse<String> disputed =
        post(
            path,
            token,
            "{\"action\":\"dispute\",\"version\":\"1\","
                + "\"comment\":\"canal looks wide on the lateral\"}");
    assertThat(disputed.statusCode()).as(disputed.body()).isEqualTo(200);
    assertThat(post(path, token, "{\"action\":\"acknowledge\",\"version\":\"2\"}").statusCode())
        .as("reviewed already")
        .isEqualTo(409);

    Observation obs = client.read().resource(Observation.class).withId(result).execute();
    assertThat(obs.getMeta().getTag())
        .anySatisfy(t -> assertThat(t.getCode()).isEqualTo("ai-result-disputed"));
    assertThat(obs.getNoteFirstRep().getText()).contains("canal looks wide");
    JsonNode after = onlyCard(cds.hook("lss-mri-order-sign", request));
    assertThat(after.path("summary").asText()).contains("No usable AI");
    assertThat(after.path("detail").asText()).contains("disputed by a physician");
  }

  @Test
  void aResultFromTheEhrsRecordGetsNoViewerLinkToThisServersResultOfTheSameId() throws Exception {
    // patient A's result is stored here; the EHR's prefetch for patient B holds a result whose
    // id happens to be the same: the card must not link (and sign) A's result for B
    IIdType a = patient();
    IIdType aResult = aiResult(a, ruleOut() / 2, null);
    IIdType b = patient();
    var request = orderSign(b, draftMri("m1", b));
    Observation theirs = client.read().resource(Observation.class).withId(aResult).execute();
    theirs.setSubject(new org.hl7.fhir.r4.model.Reference(b));
    Bundle prefetched = new Bundle().setType(Bundle.BundleType.SEARCHSET);
    prefetched.addEntry().setResource(theirs);
    var prefetch = request.putObject("prefetch");
    prefetch.set(
        "aiResults",
        CdsClient.JSON.readTree(FHIR.newJsonParser().encodeResourceToString(prefetched)));
    prefetch.putNull("conditions");
    prefetch.putNull("lumbarMriOrders");
    prefetch.putNull("lumbarMriProcedures");
    JsonNode card = onlyCard(cds.hook("lss-mri-order-sign", request));
    assertThat(card.path("summary").asText()).contains("unlikely");
    assertThat(card.path("links")).as("no link to patient A's result").isEmpty();

    // and a link for patient A's own card works
    JsonNode own = onlyCard(cds.hook("lss-mri-order-sign", orderSign(a, draftMri("m1", a))));
    String token = token(own.at("/links/0/url").asText());
    assertThat(api("/viewer/api/" + aResult.getIdPart(), token).statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> post(String path, String token, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Tag("chromium")
  void thePageShowsTheViewsAndHeatmapsAndAcknowledgingMakesTheResultFinal() throws Exception {
    Shown shown = analysedAndSigned();
    Observation obs = shown.result();
    WebDriver browser = browser();
    try {
      browser.get(shown.link());
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
      wait.until(
          d -> "views".equals(d.findElement(By.tagName("body")).getDomAttribute("data-loaded")));

      // the numbers are the Observation's
      double p = ((Quantity) obs.getValue()).getValue().doubleValue();
      assertThat(text(browser, "probability")).isEqualTo(String.format(Locale.ROOT, "%.4f", p));
      for (Observation.ObservationComponentComponent c : obs.getComponent()) {
        if (c.getCode().getCoding().stream()
            .anyMatch(x -> "lss-ai-view-score".equals(x.getCode()))) {
          String code =
              c.getCode().getCoding().stream()
                  .filter(x -> !"lss-ai-view-score".equals(x.getCode()))
                  .findFirst()
                  .orElseThrow()
                  .getCode();
          String posture =
              code.equals(org.lumbarcds.terminology.Codes.POSTURE_NEUTRAL.code())
                  ? "neutral"
                  : code.equals(org.lumbarcds.terminology.Codes.POSTURE_FLEXION.code())
                      ? "flexion"
                      : "extension";
          assertThat(text(browser, "score-" + posture))
              .contains(
                  String.format(
                      Locale.ROOT, "%.4f", ((Quantity) c.getValue()).getValue().doubleValue()));
        }
      }
      assertThat(text(browser, "status")).isEqualTo("preliminary");
      assertThat(browser.findElement(By.id("synthetic")).isDisplayed()).isTrue();
      assertThat(text(browser, "validation")).contains("AUROC");

      // three radiographs drawn, three heatmaps over them; the toggle hides and shows them
      List<WebElement> heatmaps = browser.findElements(By.cssSelector(".heatmap"));
      assertThat(heatmaps).hasSize(3).allMatch(WebElement::isDisplayed);
      for (WebElement canvas : browser.findElements(By.cssSelector(".stage canvas"))) {
        assertThat(Integer.parseInt(canvas.getDomProperty("width"))).isPositive();
      }
      browser.findElement(By.id("overlay-toggle")).click();
      assertThat(heatmaps).noneMatch(WebElement::isDisplayed);
      browser.findElement(By.id("overlay-toggle")).click();
      assertThat(heatmaps).allMatch(WebElement::isDisplayed);

      Path shots = Path.of("target", "viewer");
      Files.createDirectories(shots);
      Files.write(
          shots.resolve("viewer.png"),
          ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

      // acknowledging: the Observation becomes final, with who and when
      browser.findElement(By.id("acknowledge")).click();
      wait.until(d -> "final".equals(d.findElement(By.id("status")).getText()));
      assertThat(text(browser, "reviews")).contains("acknowledged by Practitioner/example");
    } finally {
      browser.quit();
    }
    Observation acknowledged =
        client
            .read()
            .resource(Observation.class)
            .withId(obs.getIdElement().toUnqualifiedVersionless())
            .execute();
    assertThat(acknowledged.getStatus()).isEqualTo(Observation.ObservationStatus.FINAL);
    List<Provenance> provenance =
        AnalysisRecords.provenance(client, obs.getIdElement().toUnqualifiedVersionless());
    assertThat(provenance)
        .anySatisfy(
            pr -> {
              assertThat(pr.getActivity().getCodingFirstRep().getCode())
                  .isEqualTo("ai-result-acknowledged");
              assertThat(pr.getAgentFirstRep().getWho().getIdentifier().getValue())
                  .isEqualTo("Practitioner/example");
              assertThat(pr.getRecorded()).isNotNull();
            });
  }

  private static String text(WebDriver browser, String id) {
    return browser.findElement(By.id(id)).getText();
  }

  static WebDriver browser() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1600,1300");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new java.io.File(CHROMEDRIVER))
            .build();
    return new ChromeDriver(service, options);
  }
}
