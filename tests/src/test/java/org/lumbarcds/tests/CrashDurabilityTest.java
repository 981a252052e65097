package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No acknowledged write is lost when the server's process is killed ({@code kill -9}) on the
 * embedded default database: the server jar this build made runs as a process of its own, takes
 * creates and updates, is killed the moment the last one is answered, and is started again on the
 * same data folder, where every write that got a 2xx must be, at its version. (With H2's default
 * write delay, a third of such writes were gone.)
 */
class CrashDurabilityTest {

  private static final String SYSTEM = "urn:lumbarcds:test:crash";
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path dataDir;

  @Test
  void everyAcknowledgedWriteSurvivesAKilledProcess() throws Exception {
    int port = ServerProcess.freePort();
    Map<String, String> acknowledged = new LinkedHashMap<>(); // id -> version
    ServerProcess server = start(port);
    try {
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> created =
            send(port, "POST", "/fhir/Patient", patient(i, "female", null));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = CdsClient.JSON.readTree(created.body()).path("id").asText();
        acknowledged.put(id, "1");
        if (i % 2 == 0) {
          HttpResponse<String> updated =
              send(port, "PUT", "/fhir/Patient/" + id, patient(i, "male", id));
          assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
          acknowledged.put(id, "2");
        }
      }
    } finally {
      server.kill(); // SIGKILL: no shutdown hook, no flush
    }

    try (ServerProcess again = start(port)) {
      for (Map.Entry<String, String> write : acknowledged.entrySet()) {
        HttpResponse<String> read = send(port, "GET", "/fhir/Patient/" + write.getKey(), null);
        assertThat(read.statusCode())
            .as("Patient/%s after the kill", write.getKey())
            .isEqualTo(200);
        JsonNode patient = CdsClient.JSON.readTree(read.body());
        assertThat(patient.at("/meta/versionId").asText())
            .as("Patient/%s's version after the kill", write.getKey())
            .isEqualTo(write.getValue());
      }
    }
  }

  private static String patient(int i, String gender, String id) {
    return "{\"resourceType\":\"Patient\""
        + (id == null ? "" : ",\"id\":\"" + id + "\"")
        + ",\"identifier\":[{\"system\":\""
        + SYSTEM
        + "\",\"value\":\"P"
        + i
        + "\"}],\"gender\":\""
        + gender
        + "\"}";
  }

  private HttpResponse<String> send(int port, String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(60))
            .header("Accept", path.startsWith("/fhir") ? "application/fhir+json" : "*/*");
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request
          .header("Content-Type", "application/fhir+json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private ServerProcess start(int port) throws IOException {
    return ServerProcess.start(
        dataDir,
        port,
        Files.createTempFile(dataDir.getParent(), "crash-server-", ".log"),
        Map.of(),
        List.of());
  }
}
