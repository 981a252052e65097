package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The explicit "open" CDS Hooks setting: calls without a JWT are served on loopback, and the server
 * refuses to start with it on any other interface.
 */
class CdsHooksOpenModeTest {

  @Test
  void openModeServesWithoutJwtOnLoopbackAndRefusesToStartElsewhere() throws Exception {
    try (StandaloneServer open =
        new StandaloneServer(ServerTestBase.newDataDir(), "--lumbarcds.cds-hooks.security=open")) {
      HttpResponse<String> discovery =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + open.port() + "/cds-services"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(discovery.statusCode()).isEqualTo(200);
      assertThat(discovery.body()).contains("lss-mri-order-sign");
    }
    // even with an authorization server guarding the FHIR API, open CDS Hooks stay on loopback
    java.util.List<String> elsewhere =
        new java.util.ArrayList<>(
            java.util.List.of("--lumbarcds.cds-hooks.security=open", "--server.address=0.0.0.0"));
    elsewhere.addAll(java.util.List.of(new AccessTokens().settings()));
    assertThatThrownBy(
            () ->
                new StandaloneServer(ServerTestBase.newDataDir(), elsewhere.toArray(String[]::new))
                    .close())
        .hasStackTraceContaining("must listen on loopback only");
  }
}
