package org.lumbarcds.server.dicomweb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lumbarcds.cds.imaging.DicomWebClient;
import org.lumbarcds.cds.imaging.ImageSourceException;
import org.lumbarcds.server.oauth.BackendServicesSettings;
import org.springframework.util.unit.DataSize;

/**
 * A PACS behind OAuth 2.0: the server's own token on each WADO-RS request; bad settings stop it.
 */
class PacsPropertiesTest {

  @TempDir Path dir;
  private final List<String> seenByPacs = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger tokens =
      new java.util.concurrent.atomic.AtomicInteger();
  private HttpServer http;

  @AfterEach
  void stop() {
    if (http != null) {
      http.stop(0);
    }
  }

  private static PacsProperties properties(PacsProperties.Server server) {
    return new PacsProperties(
        Duration.ofSeconds(2),
        Duration.ofSeconds(2),
        1,
        Duration.ofMillis(10),
        DataSize.ofMegabytes(1),
        List.of(server));
  }

  /**
   * A token endpoint (always tok-1) and a PACS that records the Authorization header, on one port.
   */
  private String start() throws Exception {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext(
        "/token",
        e -> {
          byte[] out =
              ("{\"access_token\":\"tok-"
                      + tokens.incrementAndGet()
                      + "\",\"token_type\":\"Bearer\",\"expires_in\":300}")
                  .getBytes(StandardCharsets.UTF_8);
          e.getResponseHeaders().add("Content-Type", "application/json");
          e.sendResponseHeaders(200, out.length);
          e.getResponseBody().write(out);
          e.close();
        });
    http.createContext(
        "/dicom-web",
        e -> {
          seenByPacs.add(String.valueOf(e.getRequestHeaders().getFirst("Authorization")));
          e.sendResponseHeaders(seenByPacs.size() == 3 ? 401 : 404, -1); // the third: 401
          e.close();
        });
    http.start();
    return "http://127.0.0.1:" + http.getAddress().getPort();
  }

  private Path keyFile(RSAKey key) throws Exception {
    Path file = dir.resolve("key.json");
    Files.writeString(file, key.toJSONString());
    return file;
  }

  @Test
  void eachRequestCarriesTheTokenTheServerObtainedForItselfUntilThePacsRefusesIt()
      throws Exception {
    String root = start();
    PacsProperties.Server server =
        new PacsProperties.Server(
            root + "/dicom-web",
            "",
            new BackendServicesSettings(
                root + "/token",
                "lumbarcds",
                keyFile(new RSAKeyGenerator(2048).keyID("k1").generate()).toString(),
                "system/ImagingStudy.rs"));
    DicomWebClient client = new DicomWebClient(properties(server).settings(server));
    for (ImageSourceException.Reason expected :
        List.of(
            ImageSourceException.Reason.NOT_FOUND,
            ImageSourceException.Reason.NOT_FOUND,
            ImageSourceException.Reason.REFUSED, // the PACS answers 401 to the third
            ImageSourceException.Reason.NOT_FOUND)) {
      assertThatThrownBy(() -> client.metadata("1.2.3"))
          .isInstanceOf(ImageSourceException.class)
          .extracting(e -> ((ImageSourceException) e).reason())
          .isEqualTo(expected);
    }
    // the token is kept, and dropped after the 401: the next request has a new one
    assertThat(seenByPacs)
        .containsExactly("Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-2");
  }

  @Test
  void anAuthorizationServerThatCannotBeReachedMakesThePacsUnavailableNotRefused()
      throws Exception {
    String root = start();
    http.stop(0);
    http = null;
    PacsProperties.Server server =
        new PacsProperties.Server(
            root + "/dicom-web",
            null,
            new BackendServicesSettings(
                root + "/token",
                "lumbarcds",
                keyFile(new RSAKeyGenerator(2048).keyID("k1").generate()).toString(),
                ""));
    DicomWebClient client = new DicomWebClient(properties(server).settings(server));
    assertThatThrownBy(() -> client.metadata("1.2.3"))
        .isInstanceOf(ImageSourceException.class)
        .hasMessageContaining("no access token for the PACS")
        .extracting(e -> ((ImageSourceException) e).reason())
        .isEqualTo(ImageSourceException.Reason.UNAVAILABLE);
  }

  @Test
  void badSettingsStopTheStart() throws Exception {
    Path notAKey = dir.resolve("not-a-key.json");
    Files.writeString(notAKey, "{}");
    refusedAtStart("", notAKey.toString(), "not a readable JWK");
    Path key = keyFile(new RSAKeyGenerator(2048).keyID("k1").generate());
    refusedAtStart("Basic eDp5", key.toString(), "not both");
    refusedAtStart("", "", "needs token-url, client-id and key-file");
    Path publicOnly = dir.resolve("public.json");
    Files.writeString(
        publicOnly, new RSAKeyGenerator(2048).keyID("k2").generate().toPublicJWK().toJSONString());
    refusedAtStart("", publicOnly.toString(), "private key"); // a public key cannot sign
  }

  private static void refusedAtStart(String authorization, String keyFile, String message) {
    assertThatThrownBy(
            () ->
                properties(
                    new PacsProperties.Server(
                        "http://pacs",
                        authorization,
                        new BackendServicesSettings(
                            "http://idp/token", keyFile.isEmpty() ? "" : "c", keyFile, ""))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(message);
  }
}
