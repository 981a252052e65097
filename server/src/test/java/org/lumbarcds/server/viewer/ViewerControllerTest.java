package org.lumbarcds.server.viewer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import static org.lumbarcds.server.web.SliceTests.fields;
import static org.lumbarcds.server.web.SliceTests.json;
import static org.lumbarcds.server.web.SliceTests.problem;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.verify;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lumbarcds.cds.analysis.AnalysisException;
import org.lumbarcds.cds.result.StoredHeatmaps;
import org.lumbarcds.model.dicom.GreyImage;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.Prediction;
import org.lumbarcds.model.inference.Preprocessor;
import org.lumbarcds.server.cdshooks.CdsHooksProperties;
import org.lumbarcds.server.web.SliceTests;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * The viewer's HTTP API without HAPI JPA: {@link ViewerController} in MockMvc over a real {@link
 * ViewerService} whose results and reviews are behind a mocked DaoRegistry ({@link
 * ViewerFixtures}). The JSON is checked field by field against what viewer.js reads.
 */
class ViewerControllerTest {

  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};

  private ViewerFixtures f;
  private ViewerService viewer;
  private MockMvc mvc;

  @BeforeEach
  void setUp() throws Exception {
    f = new ViewerFixtures();
    f.probability("r1", 0.0123);
    f.qualityFailure("r2");
    viewer = spy(f.service);
    mvc = mvc("jwt");
  }

  private MockMvc mvc(String security) {
    CdsHooksProperties cdsHooks =
        new CdsHooksProperties(security, List.of(), List.of(), null, null, null, null);
    return SliceTests.mvc(
        new ViewerController(
            viewer,
            f.links(),
            cdsHooks,
            new org.lumbarcds.server.security.SecurityProperties(java.util.List.of())));
  }

  private static MockHttpServletRequestBuilder as(
      MockHttpServletRequestBuilder request, String token) {
    return request.header(HttpHeaders.AUTHORIZATION, "Bearer " + token);
  }

  private MockHttpServletRequestBuilder review(String token, String body) {
    return as(post("/viewer/api/r1/review"), token)
        .contentType(MediaType.APPLICATION_JSON)
        .content(body);
  }

  @Test
  void thePageIsAStaticShellForAWellFormedIdOnly() throws Exception {
    mvc.perform(get("/viewer/r1"))
        .andExpect(status().isOk())
        .andExpect(content().contentTypeCompatibleWith(MediaType.TEXT_HTML))
        .andExpect(header().string("X-Frame-Options", "DENY"));
    mvc.perform(get("/viewer/no:such")).andExpect(problem(404, "no such AI result"));
  }

  @Test
  void theScriptIsServedButNoOtherPageAndNoUnknownAsset() throws Exception {
    mvc.perform(get("/viewer/assets/viewer.js"))
        .andExpect(status().isOk())
        .andExpect(content().contentType("text/javascript;charset=UTF-8"));
    mvc.perform(get("/viewer/assets/viewer.html")).andExpect(problem(404, "no such asset"));
    mvc.perform(get("/viewer/assets/nothing.js")).andExpect(problem(404, "no such asset"));
  }

  @Test
  void withJwtSecurityTheApiOpensOnlyWithTheLinksToken() throws Exception {
    mvc.perform(get("/viewer/api/r1"))
        .andExpect(problem(401, "open this page from the link on a decision-support card"));
    mvc.perform(get("/viewer/api/r1").header(HttpHeaders.AUTHORIZATION, "Basic YTpi"))
        .andExpect(problem(401, "open this page from the link on a decision-support card"));
    String token = f.token("r1", "Practitioner/x");
    mvc.perform(as(get("/viewer/api/r1"), token.substring(0, token.length() - 3) + "abc"))
        .andExpect(problem(401, "the link's signature is not valid"));
    mvc.perform(as(get("/viewer/api/r1"), f.token("r2", "Practitioner/x")))
        .andExpect(problem(401, "the link opens another result"));
    mvc.perform(as(get("/viewer/api/r1"), token)).andExpect(status().isOk());
  }

  @Test
  void aLinkMadeForAnotherPatientDoesNotOpenTheResult() throws Exception {
    mvc.perform(as(get("/viewer/api/r1"), f.token("r1", "Practitioner/x", "p2")))
        .andExpect(problem(403, "the link was made for another result"));
  }

  @Test
  void anIdOutsideThePatternOrUnknownIsNotFound() throws Exception {
    mvc.perform(get("/viewer/api/a:b")).andExpect(problem(404, "no such AI result"));
    mvc.perform(get("/viewer/api/" + "a".repeat(65))).andExpect(problem(404, "no such AI result"));
    mvc.perform(as(get("/viewer/api/r9"), f.token("r9", "Practitioner/x")))
        .andExpect(problem(404, "no such AI result"));
  }

  @Test
  void theBasisHasTheFieldsThePageReadsWithTheStoredNumbers() throws Exception {
    f.reviewed("r1", true, "Dr A");
    JsonNode basis =
        json(
            mvc.perform(as(get("/viewer/api/r1"), f.token("r1", "Practitioner/x")))
                .andExpect(status().isOk())
                .andExpect(content().contentType(MediaType.APPLICATION_JSON))
                .andExpect(header().string(HttpHeaders.CACHE_CONTROL, "no-store"))
                .andReturn());
    assertThat(fields(basis))
        .containsExactly(
            "id",
            "version",
            "status",
            "disputed",
            "issued",
            "probability",
            "band",
            "viewScores",
            "viewsUsed",
            "qualityFlags",
            "model",
            "caveats",
            "reviews",
            "reader",
            "mayReview");
    assertThat(basis.path("id").asText()).isEqualTo("r1");
    assertThat(basis.path("version").asText()).isEqualTo("1");
    assertThat(basis.path("status").asText()).isEqualTo("preliminary");
    assertThat(basis.path("issued").asText()).isEqualTo("2026-03-02T09:00:00.000+00:00");
    assertThat(basis.path("probability").isNumber()).isTrue();
    assertThat(basis.path("probability").asDouble()).isEqualTo(0.0123);
    assertThat(fields(basis.path("band"))).containsExactly("code", "display");
    assertThat(basis.at("/band/code").asText()).isEqualTo("below-rule-out");
    assertThat(fields(basis.path("viewScores"))).containsExactly("neutral", "flexion", "extension");
    assertThat(basis.at("/viewScores/extension").asDouble()).isEqualTo(0.3);
    assertThat(basis.path("viewsUsed").toString())
        .isEqualTo("[\"neutral\",\"flexion\",\"extension\"]");
    assertThat(fields(basis.path("model")))
        .containsExactly(
            "id",
            "version",
            "name",
            "synthetic",
            "ruleOut",
            "ruleIn",
            "validation",
            "madeThisResult",
            "resultModel");
    assertThat(basis.at("/model/ruleOut").asDouble()).isEqualTo(f.card.ruleOut());
    assertThat(basis.at("/model/madeThisResult").asBoolean()).isTrue();
    assertThat(basis.at("/model/resultModel").asText())
        .isEqualTo(f.card.id() + "|" + f.card.version());
    assertThat(basis.path("caveats")).hasSize(2);
    assertThat(fields(basis.at("/reviews/0"))).containsExactly("action", "who", "when");
    assertThat(basis.at("/reviews/0/action").asText()).isEqualTo("disputed");
    assertThat(basis.at("/reviews/0/who").asText()).isEqualTo("Dr A");
    assertThat(basis.path("reader").asText()).isEqualTo("Practitioner/x");
    assertThat(basis.path("mayReview").asBoolean()).isTrue();
    assertThat(basis.toString()).doesNotContain(ViewerFixtures.PATIENT);
  }

  @Test
  void aQualityFailureHasNoProbabilityOrBandAndALinkWithoutUserMayNotReview() throws Exception {
    JsonNode basis =
        json(
            mvc.perform(as(get("/viewer/api/r2"), f.token("r2", null)))
                .andExpect(status().isOk())
                .andReturn());
    assertThat(fields(basis)).doesNotContain("probability", "band").contains("issued", "reader");
    assertThat(basis.path("issued").isNull()).isTrue();
    assertThat(basis.path("reader").isNull()).isTrue();
    assertThat(basis.path("mayReview").asBoolean()).isFalse();
    assertThat(basis.path("qualityFlags").toString()).contains("Flexion lateral view missing");
    assertThat(basis.path("viewsUsed").toString()).isEqualTo("[\"neutral\",\"extension\"]");
  }

  @Test
  void inOpenModeTheTokenIsOptionalAndAnyoneMayReview() throws Exception {
    MockMvc open = mvc("open");
    JsonNode basis =
        json(open.perform(get("/viewer/api/r1")).andExpect(status().isOk()).andReturn());
    assertThat(basis.path("reader").isNull()).isTrue();
    assertThat(basis.path("mayReview").asBoolean()).isTrue();
    open.perform(
            post("/viewer/api/r1/review")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"action\":\"acknowledge\",\"version\":\"1\"}"))
        .andExpect(status().isOk());
    assertThat(f.reviews.get(0).getAgentFirstRep().getWho().getDisplay())
        .isEqualTo("unverified local user (CDS Hooks open mode)");
  }

  @Test
  void aReviewNeedsALinkNamingAUser() throws Exception {
    mvc.perform(review(f.token("r1", null), "{\"action\":\"acknowledge\",\"version\":\"1\"}"))
        .andExpect(
            problem(
                403,
                "this link names no user: open the result from a card shown to you to review it"));
    verify(f.observations, never()).update(any(Observation.class), any(RequestDetails.class));
  }

  /** Review bodies (JSON with ' for ") and what is wrong with them. */
  static Stream<Arguments> incompleteReviews() {
    String action = "action must be acknowledge or dispute";
    String version = "version (of the result shown) is required";
    String reason = "say why you dispute the result";
    return Stream.of(
        arguments("{'version':'1'}", action),
        arguments("{'action':'approve','version':'1'}", action),
        arguments("{'action':'acknowledge'}", version),
        arguments("{'action':'acknowledge','version':''}", version),
        arguments("{'action':'dispute','version':'1'}", reason),
        arguments("{'action':'dispute','version':'1','comment':' '}", reason),
        arguments(
            "{'action':'acknowledge','version':'1','comment':'" + "x".repeat(1001) + "'}",
            "the comment is longer than 1000 characters"),
        arguments("not json", "the body could not be read"),
        arguments("{'action':{},'version':'1'}", "the body could not be read at action"));
  }

  @ParameterizedTest
  @MethodSource("incompleteReviews")
  void anIncompleteReviewIsRefusedWithWhatIsWrong(String body, String detail) throws Exception {
    mvc.perform(review(f.token("r1", "Practitioner/x"), body.replace('\'', '"')))
        .andExpect(problem(400, detail));
    verify(f.observations, never()).update(any(Observation.class), any(RequestDetails.class));
  }

  @Test
  void aReviewOfAVersionThePageDidNotShowIsAConflict() throws Exception {
    mvc.perform(
            review(
                f.token("r1", "Practitioner/x"), "{\"action\":\"acknowledge\",\"version\":\"7\"}"))
        .andExpect(problem(409, "the result changed since the page showed it: reload the page"));
    verify(f.observations, never()).update(any(Observation.class), any(RequestDetails.class));
  }

  @Test
  void acknowledgingMakesTheResultFinalOnceAndAnswersTheNewBasis() throws Exception {
    String token = f.token("r1", "Practitioner/x");
    JsonNode basis =
        json(
            mvc.perform(review(token, "{\"action\":\"acknowledge\",\"version\":\"1\",\"x\":1}"))
                .andExpect(status().isOk())
                .andExpect(content().contentType(MediaType.APPLICATION_JSON))
                .andReturn());
    assertThat(basis.path("version").asText()).isEqualTo("2");
    assertThat(basis.path("status").asText()).isEqualTo("final");
    assertThat(basis.path("mayReview").asBoolean()).isTrue();
    assertThat(basis.at("/reviews/0/action").asText()).isEqualTo("acknowledged");
    assertThat(basis.at("/reviews/0/who").asText()).isEqualTo("Practitioner/x");
    Provenance recorded = f.reviews.get(0);
    assertThat(recorded.getAgentFirstRep().getWho().getIdentifier().getSystem())
        .isEqualTo("https://ehr.example");
    assertThat(recorded.getTargetFirstRep().getReference()).isEqualTo("Observation/r1");

    mvc.perform(review(token, "{\"action\":\"acknowledge\",\"version\":\"2\"}"))
        .andExpect(problem(409, "the result was already reviewed (final)"));
  }

  @Test
  void disputingTagsTheResultAndKeepsTheComment() throws Exception {
    JsonNode basis =
        json(
            mvc.perform(
                    review(
                        f.token("r1", "Practitioner/x"),
                        "{\"action\":\"dispute\",\"version\":\"1\",\"comment\":\"canal wide\"}"))
                .andExpect(status().isOk())
                .andReturn());
    assertThat(basis.path("disputed").asBoolean()).isTrue();
    assertThat(basis.path("status").asText()).isEqualTo("preliminary");
    assertThat(f.stored.get("r1").getNote())
        .extracting(Annotation::getText)
        .contains("Disputed in the viewer: canal wide");
  }

  @Test
  void theViewsListWhatThereIsAndTheProbabilityGivenAgain() throws Exception {
    doReturn(
            new Renderings(
                Map.of(Posture.NEUTRAL, PNG), Map.of(), Optional.of(0.0124), Renderings.RECOMPUTED))
        .when(viewer)
        .renderings(any());
    String token = f.token("r1", "Practitioner/x");
    JsonNode views =
        json(
            mvc.perform(as(get("/viewer/api/r1/views"), token))
                .andExpect(status().isOk())
                .andExpect(content().contentType(MediaType.APPLICATION_JSON))
                .andExpect(header().string(HttpHeaders.CACHE_CONTROL, "no-store"))
                .andReturn());
    assertThat(fields(views)).containsExactly("views", "heatmaps", "reproducedProbability");
    assertThat(views.path("views").toString()).isEqualTo("[\"neutral\"]");
    assertThat(views.path("heatmaps")).isEmpty();
    assertThat(views.path("reproducedProbability").asDouble()).isEqualTo(0.0124);

    doReturn(new Renderings(Map.of(), Map.of(), Optional.empty(), null))
        .when(viewer)
        .renderings(any());
    JsonNode none = json(mvc.perform(as(get("/viewer/api/r1/views"), token)).andReturn());
    assertThat(fields(none)).containsExactly("views", "heatmaps");
  }

  @Test
  void imagesArePngNotStoredAndAMissingOneIsNotFound() throws Exception {
    doReturn(
            new Renderings(
                Map.of(Posture.NEUTRAL, PNG),
                Map.of(Posture.NEUTRAL, PNG),
                Optional.empty(),
                Renderings.STORED))
        .when(viewer)
        .renderings(any());
    String token = f.token("r1", "Practitioner/x");
    for (String path :
        List.of("/viewer/api/r1/views/neutral.png", "/viewer/api/r1/heatmaps/neutral.png")) {
      mvc.perform(as(get(path), token).accept(MediaType.IMAGE_PNG, MediaType.ALL))
          .andExpect(status().isOk())
          .andExpect(content().contentType(MediaType.IMAGE_PNG))
          .andExpect(header().string(HttpHeaders.CACHE_CONTROL, "no-store"))
          .andExpect(content().bytes(PNG));
    }
    mvc.perform(as(get("/viewer/api/r1/views/flexion.png"), token))
        .andExpect(problem(404, "no image here"));
    mvc.perform(as(get("/viewer/api/r1/heatmaps/extension.png"), token))
        .andExpect(problem(404, "no heatmap here"));
    mvc.perform(as(get("/viewer/api/r1/views/sideways.png"), token))
        .andExpect(problem(404, "no such view"));
    mvc.perform(get("/viewer/api/r1/views/neutral.png"))
        .andExpect(problem(401, "open this page from the link on a decision-support card"));
  }

  @Test
  void aResultPreparedWhenWrittenOpensWithoutReadingTheStudy() throws Exception {
    // the fixtures' viewer has no analysis: reading the study would fail
    Observation written = f.stored.get("r1");
    GreyImage image =
        new GreyImage(
            8,
            4,
            new float[] {
              0, .1f, .2f, .3f, .4f, .5f, .6f, .7f, .8f, .9f, 1, 1, 0, 0, 0, 0, .5f, .5f, .5f, .5f,
              .2f, .2f, .2f, .2f, .9f, .9f, .9f, .9f, .3f, .3f, .3f, .3f
            },
            "window",
            false,
            "");
    StoredHeatmaps maps =
        new StoredHeatmaps(
            f.card.id(),
            f.card.version(),
            8,
            8,
            Map.of(
                Posture.NEUTRAL,
                new StoredHeatmaps.View(
                    new Preprocessor.Placement(0, 2, 8, 4),
                    new Prediction.Cam(2, 2, new float[] {0.5f, -0.25f, 0, 1}))));
    f.service.prepare(written, Map.of(Posture.NEUTRAL, image), maps);

    String token = f.token("r1", "Practitioner/x");
    JsonNode views = json(mvc.perform(as(get("/viewer/api/r1/views"), token)).andReturn());
    assertThat(views.path("views").toString()).isEqualTo("[\"neutral\"]");
    assertThat(views.path("heatmaps").toString()).isEqualTo("[\"neutral\"]");
    assertThat(views.path("heatmapSource").asText()).isEqualTo(Renderings.STORED);
    assertThat(views.has("reproducedProbability")).isFalse();
    for (String path :
        List.of("/viewer/api/r1/views/neutral.png", "/viewer/api/r1/heatmaps/neutral.png")) {
      byte[] png =
          mvc.perform(as(get(path), token))
              .andExpect(status().isOk())
              .andReturn()
              .getResponse()
              .getContentAsByteArray();
      java.awt.image.BufferedImage decoded =
          javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
      // the radiograph as read (8 x 4), its map over the image's part of the canvas (8 x 4)
      assertThat(decoded.getHeight()).isEqualTo(8);
      assertThat(decoded.getWidth()).isEqualTo(4);
    }

    // a result made by the analysis while busy (the executor refuses): nothing prepared, no error
    ViewerService busy =
        new ViewerService(
            f.daos,
            f.transactions,
            null,
            f.card,
            java.time.Clock.systemUTC(),
            4,
            r -> {
              throw new java.util.concurrent.RejectedExecutionException("busy");
            });
    busy.prepare(written, Map.of(Posture.NEUTRAL, image), maps);
    assertThat(busy.kept(written)).isFalse();
    assertThat(f.service.kept(written)).isTrue();
    // a new version of the result (reviewed) is not the one prepared
    Observation reviewed = written.copy();
    reviewed.setId(new org.hl7.fhir.r4.model.IdType("Observation", "r1", "2"));
    assertThat(f.service.kept(reviewed)).isFalse();
  }

  @Test
  void aStudyThatCannotBeReadIsTheAnalysisErrorAndIsNotKept() throws Exception {
    org.lumbarcds.server.analysis.OrderAnalysis analysis =
        org.mockito.Mockito.mock(org.lumbarcds.server.analysis.OrderAnalysis.class);
    AnalysisException down = new AnalysisException("the PACS does not answer", true);
    doThrow(down).when(analysis).reproduce(any(), org.mockito.ArgumentMatchers.anyBoolean());
    ViewerService reading =
        new ViewerService(
            f.daos,
            f.transactions,
            analysis,
            f.card,
            java.time.Clock.systemUTC(),
            4,
            Runnable::run);
    Observation obs = f.stored.get("r1");
    for (int i = 0; i < 2; i++) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> reading.renderings(obs))
          .isSameAs(down);
    }
    // tried again at each opening: a failure is not kept
    verify(analysis, org.mockito.Mockito.times(2))
        .reproduce(any(), org.mockito.ArgumentMatchers.anyBoolean());
    assertThat(reading.kept(obs)).isFalse();
  }

  @Test
  void radiographsThatCannotBeReadAreUnavailableOrUnprocessable() throws Exception {
    String token = f.token("r1", "Practitioner/x");
    doThrow(new AnalysisException("the PACS does not answer", true)).when(viewer).renderings(any());
    mvc.perform(as(get("/viewer/api/r1/views"), token))
        .andExpect(problem(503, "the radiographs could not be read: the PACS does not answer"));
    doThrow(new AnalysisException("not a configured PACS", false)).when(viewer).renderings(any());
    mvc.perform(as(get("/viewer/api/r1/views/neutral.png"), token))
        .andExpect(problem(422, "the radiographs could not be read: not a configured PACS"));
  }
}
