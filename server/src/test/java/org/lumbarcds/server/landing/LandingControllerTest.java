package org.lumbarcds.server.landing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lumbarcds.server.web.SliceTests.problem;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.server.demo.DemoMode;
import org.lumbarcds.server.network.PageAssets;
import org.lumbarcds.server.operations.OperationsService;
import org.lumbarcds.server.operations.Summary;
import org.lumbarcds.server.web.ApiException;
import org.lumbarcds.server.web.SliceTests;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The landing page without HAPI or a database: {@link LandingController} in MockMvc over a mocked
 * {@link OperationsService} (its figures) and {@link DemoMode}.
 */
class LandingControllerTest {

  private final OperationsService operations = mock(OperationsService.class);
  private final DemoMode demo = mock(DemoMode.class);
  private ModelCard card;

  @BeforeEach
  void setUp() throws Exception {
    card = SliceTests.referenceCard();
    when(operations.summary(LandingPage.DAYS)).thenReturn(summary(card));
  }

  private static Summary summary(ModelCard card) {
    return new Summary(
        "2026-01-01T00:00:00Z",
        LandingPage.DAYS,
        Summary.Model.of(card),
        new Summary.Jobs(
            new Summary.Queue(3, 1, 2), new Summary.TaskCounts(4, 5, 17, 6), List.of()),
        new Summary.Results(
            19,
            0,
            false,
            16,
            3,
            new Summary.Validation(null, null, null, "none"),
            null,
            null,
            List.of()),
        new Summary.Feedback(0, 0, null, null, Map.of()),
        0);
  }

  private MockMvc mvc(ModelCard model) {
    return SliceTests.mvc(new LandingController(operations, model, demo));
  }

  private String page(ModelCard model) throws Exception {
    return mvc(model)
        .perform(get("/"))
        .andExpect(status().isOk())
        .andExpect(content().contentType("text/html;charset=UTF-8"))
        .andExpect(header().string("Content-Security-Policy", PageAssets.CSP))
        .andExpect(header().string("X-Frame-Options", "DENY"))
        .andExpect(header().string(HttpHeaders.CACHE_CONTROL, "no-store"))
        .andReturn()
        .getResponse()
        .getContentAsString();
  }

  @Test
  void thePageSaysWhatTheServerIsItsStateAndWhereThingsAre() throws Exception {
    when(demo.refusal()).thenReturn(Optional.empty());

    String html = page(card);

    assertThat(html)
        .contains("Not a medical device")
        .contains("trained on synthetic phantom radiographs only")
        .contains("id " + card.id() + ", version " + card.version())
        .contains("19 in the last 30 days: 16 with a probability, 3 quality failures")
        .contains("3 queued, 2 running, 1 waiting to retry")
        .contains("17 completed, 6 failed, 9 not ended")
        .contains(
            "href=\"/fhir/metadata\"",
            "href=\"/cds-services\"",
            "href=\"/ops\"",
            "href=\"/model/card\"")
        .contains("docs/demo.md")
        .contains("<button id=\"load-demo\"")
        .doesNotContain("{{")
        .doesNotContain("demo-off");
  }

  @Test
  void whereTheDemoMayNotBeLoadedThePageSaysWhyAndHasNoButton() throws Exception {
    when(demo.refusal())
        .thenReturn(
            Optional.of(
                ApiException.notFound(
                    "the demo is switched off here (lumbarcds.demo.enabled=false)")));

    String html = page(card);

    assertThat(html)
        .doesNotContain("load-demo")
        .contains(
            "The demo cannot be loaded here: the demo is switched off here"
                + " (lumbarcds.demo.enabled=false).");
  }

  @Test
  void whatTheModelCardSaysIsWrittenAsTextAndNoSyntheticNoteForAnotherModel() throws Exception {
    when(demo.refusal()).thenReturn(Optional.empty());
    ModelCard other =
        SliceTests.variant(card, "<script>alert(1)</script> & co", false, card.document());

    String html = page(other);

    assertThat(html)
        .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co; id " + card.id())
        .doesNotContain("<script>alert")
        .doesNotContain("trained on synthetic phantom radiographs only");
  }

  @Test
  void theScriptAndStyleAreServedButNoOtherPageAndNoUnknownAsset() throws Exception {
    MockMvc mvc = mvc(card);
    mvc.perform(get("/landing/assets/landing.js"))
        .andExpect(status().isOk())
        .andExpect(content().contentType("text/javascript;charset=UTF-8"));
    mvc.perform(get("/landing/assets/landing.css"))
        .andExpect(status().isOk())
        .andExpect(content().contentTypeCompatibleWith(MediaType.valueOf("text/css")));
    mvc.perform(get("/landing/assets/landing.html")).andExpect(problem(404, "no such asset"));
    mvc.perform(get("/landing/assets/nothing.js")).andExpect(problem(404, "no such asset"));
  }
}
