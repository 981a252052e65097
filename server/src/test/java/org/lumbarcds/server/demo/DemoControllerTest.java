package org.lumbarcds.server.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lumbarcds.server.web.SliceTests.json;
import static org.lumbarcds.server.web.SliceTests.problem;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.hooks.CdsHooks;
import org.lumbarcds.server.network.ServerAddress;
import org.lumbarcds.server.operations.Summary;
import org.lumbarcds.server.security.SecurityProperties;
import org.lumbarcds.server.web.SliceTests;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The demo loader's HTTP API without HAPI or a database: {@link DemoController} in MockMvc over a
 * real {@link DemoMode} and a mocked {@link DemoLoader}. The JSON is what landing.js reads.
 */
class DemoControllerTest {

  private static final Summary.Model MODEL =
      new Summary.Model("m", "1.0.0", "model", "0".repeat(64), true, 0.18, 0.69);

  private final DemoLoader loader = mock(DemoLoader.class);
  private final ServerAddress address = mock(ServerAddress.class);

  private MockMvc mvc(boolean enabled, String bindAddress, boolean authorizationServer)
      throws Exception {
    when(address.publicRoot()).thenReturn(Optional.empty());
    DemoMode mode =
        new DemoMode(
            new DemoProperties(enabled),
            Optional.of(InetAddress.getByName(bindAddress)),
            new SecurityProperties(
                authorizationServer
                    ? List.of(
                        new SecurityProperties.AuthorizationServer(
                            "https://idp.example.org",
                            null,
                            "{\"keys\":[]}",
                            List.of("https://cds.example.org/fhir"),
                            null,
                            null,
                            null,
                            null,
                            null))
                    : List.of()),
            address);
    return SliceTests.mvc(new DemoController(mode, loader));
  }

  private MockMvc open() throws Exception {
    return mvc(true, "127.0.0.1", false);
  }

  @Test
  void loadingStartsTheLoaderAndAnswers202WithWhereToFollowIt() throws Exception {
    when(loader.start())
        .thenReturn(DemoStatus.idle(MODEL).at("Storing the synthetic patients", 2, 11));

    JsonNode body =
        json(
            open()
                .perform(post("/demo/api/load"))
                .andExpect(status().isAccepted())
                .andExpect(header().string(HttpHeaders.LOCATION, "/demo/api/status"))
                .andExpect(header().string(HttpHeaders.CACHE_CONTROL, "no-store"))
                .andExpect(content().contentType(MediaType.APPLICATION_JSON))
                .andReturn());

    verify(loader).start();
    assertThat(body.path("state").asText()).isEqualTo("running");
    assertThat(body.path("step").asText()).isEqualTo("Storing the synthetic patients");
    assertThat(body.path("done").asInt()).isEqualTo(2);
    assertThat(body.path("total").asInt()).isEqualTo(11);
    assertThat(body.path("model").path("version").asText()).isEqualTo("1.0.0");
    assertThat(body.has("cases")).isFalse();
  }

  @Test
  void aLoadPostedByAPageOfAnotherSiteIsRefused() throws Exception {
    when(loader.start()).thenReturn(DemoStatus.idle(MODEL));
    open()
        .perform(post("/demo/api/load").header("Origin", "https://elsewhere.example"))
        .andExpect(status().isForbidden())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
    verify(loader, never()).start();
    // reached under another name (DNS rebinding)
    open()
        .perform(
            post("/demo/api/load")
                .with(
                    r -> {
                      r.setServerName("attacker.example");
                      return r;
                    }))
        .andExpect(status().isForbidden());
    verify(loader, never()).start();
    // the landing page's own origin (MockMvc serves http://localhost)
    open()
        .perform(post("/demo/api/load").header("Origin", "http://localhost"))
        .andExpect(status().isAccepted());
    verify(loader).start();
  }

  @Test
  void theStatusHasTheCasesWithTheirCardsAndTheStudiesWithTheirResults() throws Exception {
    CdsHooks.Card card =
        new CdsHooks.Card(
            "u1",
            "Red flag in the record: lumbar MRI warranted now",
            "**Why:** a red flag",
            "critical",
            new CdsHooks.Source("model 1.0.0", "http://127.0.0.1/model/card", null),
            List.of(),
            null,
            List.of(),
            List.of(
                new CdsHooks.Link(
                    "Radiographs", "http://127.0.0.1/viewer/7#access=t", "absolute")));
    DemoStatus done =
        DemoStatus.idle(MODEL)
            .at("Signing", 7, 7)
            .withStudies(
                List.of(
                    new DemoStatus.Study(
                        "INT00000",
                        "pool",
                        "Patient/1",
                        0.62,
                        "indeterminate",
                        "Observation/7",
                        null,
                        "red-flag")))
            .finished(
                List.of(
                    new DemoStatus.Case(
                        "red-flag",
                        "Red flag",
                        "cauda equina syndrome on record",
                        "any",
                        "INT00000",
                        "Patient/1",
                        0.62,
                        "indeterminate",
                        null,
                        List.of(card)),
                    new DemoStatus.Case(
                        "unlikely-mri-ordered",
                        "Unlikely LSS, MRI being ordered",
                        "low back pain for 10 weeks",
                        "unlikely",
                        null,
                        null,
                        null,
                        null,
                        "the model in use put none of the pool's 10 studies in the band 'unlikely'",
                        List.of())),
                "2026-01-01T00:00:00Z");
    when(loader.status()).thenReturn(done);

    JsonNode s =
        json(
            open()
                .perform(get("/demo/api/status"))
                .andExpect(status().isOk())
                .andExpect(header().string(HttpHeaders.CACHE_CONTROL, "no-store"))
                .andReturn());

    assertThat(s.path("state").asText()).isEqualTo("done");
    assertThat(s.path("finished").asText()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(s.has("done")).isFalse();
    JsonNode study = s.path("studies").path(0);
    assertThat(study.path("probability").asDouble()).isEqualTo(0.62);
    assertThat(study.path("band").asText()).isEqualTo("indeterminate");
    assertThat(study.path("result").asText()).isEqualTo("Observation/7");
    assertThat(study.path("caseId").asText()).isEqualTo("red-flag");
    assertThat(study.has("failure")).isFalse();
    JsonNode shown = s.path("cases").path(0);
    assertThat(shown.path("patient").asText()).isEqualTo("Patient/1");
    assertThat(shown.has("notShown")).isFalse();
    JsonNode c = shown.path("cards").path(0);
    assertThat(c.path("indicator").asText()).isEqualTo("critical");
    assertThat(c.path("summary").asText()).startsWith("Red flag");
    assertThat(c.path("detail").asText()).isEqualTo("**Why:** a red flag");
    assertThat(c.path("source").path("url").asText()).endsWith("/model/card");
    assertThat(c.path("links").path(0).path("url").asText()).contains("/viewer/7#access=");
    JsonNode empty = s.path("cases").path(1);
    assertThat(empty.path("notShown").asText()).contains("band 'unlikely'");
    assertThat(empty.path("cards")).isEmpty();
  }

  @Test
  void switchedOffTheDemoIsNotFoundAndNothingIsLoaded() throws Exception {
    MockMvc mvc = mvc(false, "127.0.0.1", false);
    String detail = "the demo is switched off here (lumbarcds.demo.enabled=false)";
    mvc.perform(post("/demo/api/load")).andExpect(problem(404, detail));
    mvc.perform(get("/demo/api/status")).andExpect(problem(404, detail));
    verify(loader, never()).start();
    verify(loader, never()).status();
  }

  @Test
  void aServerANetworkMayReachRefusesTheDemo() throws Exception {
    String prefix = "the demo loads synthetic patients only on a server no network reaches: ";
    mvc(true, "0.0.0.0", true)
        .perform(post("/demo/api/load"))
        .andExpect(problem(403, prefix + "the server does not listen on loopback only"));
    mvc(true, "127.0.0.1", true)
        .perform(post("/demo/api/load"))
        .andExpect(
            problem(
                403,
                prefix
                    + "an authorization server is configured"
                    + " (lumbarcds.security.authorization-servers)"));
    MockMvc proxied = mvc(true, "127.0.0.1", false);
    when(address.publicRoot()).thenReturn(Optional.of("https://cds.example.org"));
    proxied
        .perform(get("/demo/api/status"))
        .andExpect(
            problem(
                403,
                prefix
                    + "the server is reached through a public base URL"
                    + " (lumbarcds.fhir.public-base-url)"));
    verify(loader, never()).start();
  }
}
