package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The demo switched off ({@code lumbarcds.demo.enabled=false}): the landing page says so and has no
 * button, and the demo's API refuses with {@code application/problem+json}.
 */
class DemoDisabledTest {

  @Test
  void switchedOffTheDemoIsRefusedAndThePageSaysWhy() throws Exception {
    try (StandaloneServer server =
        new StandaloneServer(ServerTestBase.newDataDir(), "--lumbarcds.demo.enabled=false")) {
      HttpClient http = HttpClient.newHttpClient();
      String root = "http://127.0.0.1:" + server.port();

      HttpResponse<String> page =
          http.send(
              HttpRequest.newBuilder(URI.create(root + "/")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body())
          .contains("Not a medical device")
          .contains("The demo cannot be loaded here: the demo is switched off here")
          .doesNotContain("load-demo");

      for (HttpRequest request :
          new HttpRequest[] {
            HttpRequest.newBuilder(URI.create(root + "/demo/api/load"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpRequest.newBuilder(URI.create(root + "/demo/api/status")).build()
          }) {
        HttpResponse<String> refused = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(refused.headers().firstValue("Content-Type"))
            .hasValue("application/problem+json");
        JsonNode problem = CdsClient.JSON.readTree(refused.body());
        assertThat(problem.path("detail").asText())
            .isEqualTo("the demo is switched off here (lumbarcds.demo.enabled=false)");
      }
    }
  }
}
