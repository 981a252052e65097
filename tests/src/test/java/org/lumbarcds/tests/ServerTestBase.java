package org.lumbarcds.tests;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.lumbarcds.server.LumbarCdsApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Boots the real server once per test JVM (Spring caches the context across test classes) on a
 * random loopback port, with a fresh H2 file database in a temporary data directory, and gives each
 * test a HAPI generic client and a plain HTTP client for raw requests.
 */
@SpringBootTest(
    classes = LumbarCdsApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class ServerTestBase {

  protected static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final Path DATA_DIR = newDataDir();

  static {
    FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    // The first validated write after start-up loads HAPI's validator (several seconds on two
    // busy cores); HAPI's 10 s default would make that a flaky failure.
    FHIR.getRestfulClientFactory().setSocketTimeout(60_000);
  }

  /** The origin of the browser app the server is configured to admit (CORS). */
  protected static final String BROWSER_APP = "https://harness.example.org";

  @LocalServerPort protected int port;

  protected IGenericClient client;
  protected final HttpClient http = HttpClient.newHttpClient();

  /**
   * The loopback port of the PACS the tests may start (PacsIndexTest), and one where none ever
   * listens: both are configured PACSs, so the one server context serves every test class.
   */
  protected static final int PACS_PORT = freePort();

  protected static final int DOWN_PACS_PORT = freePort();

  @DynamicPropertySource
  static void serverProperties(DynamicPropertyRegistry registry) {
    registry.add("lumbarcds.data-dir", DATA_DIR::toString);
    registry.add("lumbarcds.pacs.servers[0].base-url", () -> pacsUrl(PACS_PORT));
    registry.add("lumbarcds.pacs.servers[0].authorization", () -> "");
    registry.add("lumbarcds.pacs.servers[1].base-url", () -> pacsUrl(DOWN_PACS_PORT));
    // the EHR of the CDS Hooks tests (CdsClient) signs with this key
    registry.add("lumbarcds.cds-hooks.issuers[0].issuer", () -> CdsClient.ISSUER);
    registry.add("lumbarcds.cds-hooks.issuers[0].jwks", CdsClient::jwks);
    registry.add("lumbarcds.cds-hooks.issuers[0].fhir-servers[0]", () -> "http://127.0.0.1:");
    // the older CDS-Hooks-only origin setting, and the one for every JSON API (BrowserClientsTest)
    registry.add("lumbarcds.cds-hooks.cors-allowed-origins", () -> "https://sandbox.cds-hooks.org");
    registry.add("lumbarcds.cors.allowed-origins", () -> BROWSER_APP);
  }

  protected static String pacsUrl(int port) {
    return "http://127.0.0.1:" + port + "/dicom-web";
  }

  private static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeEach
  void connect() {
    client = FHIR.newRestfulGenericClient(fhirBase());
  }

  protected String fhirBase() {
    return "http://127.0.0.1:" + port + "/fhir";
  }

  /** A raw request: the body and content type exactly as given. */
  protected HttpResponse<String> send(String method, String path, String contentType, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header(
                "Accept", path.startsWith("/fhir") ? "application/fhir+json" : "application/json");
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", contentType);
      request.method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static Path newDataDir() {
    try {
      return Files.createTempDirectory("lumbarcds-test-");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
