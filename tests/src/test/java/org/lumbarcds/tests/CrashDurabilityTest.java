package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    int port = freePort();
    Map<String, String> acknowledged = new LinkedHashMap<>(); // id -> version
    Process server = start(port);
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
      server.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
      assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    Process again = start(port);
    try {
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
    } finally {
      again.destroy();
      again.waitFor(60, TimeUnit.SECONDS);
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

  /** The server jar of this build, as its own process on the data folder; waits until ready. */
  private Process start(int port) throws Exception {
    Path jar = serverJar();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xmx768m", "-XX:+UseSerialGC", "-jar", jar.toString()));
    command.add("--lumbarcds.data-dir=" + dataDir);
    command.add("--server.port=" + port);
    Path log = Files.createTempFile(dataDir.getParent(), "crash-server-", ".log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      await()
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptionsInstanceOf(IOException.class) // not listening yet
          .until(
              () -> {
                if (!process.isAlive()) {
                  throw new AssertionError(
                      "the server stopped; its log:\n" + Files.readString(log));
                }
                return send(port, "GET", "/actuator/health/readiness", null).statusCode() == 200;
              });
    } catch (RuntimeException | AssertionError e) {
      process.destroyForcibly();
      throw new AssertionError(
          "the server did not become ready; its log:\n" + Files.readString(log), e);
    }
    return process;
  }

  private static Path serverJar() throws IOException {
    Path target = Path.of("..", "server", "target");
    try (DirectoryStream<Path> jars =
        Files.newDirectoryStream(target, "lumbar-cds-server-*-exec.jar")) {
      for (Path jar : jars) {
        return jar;
      }
    }
    throw new AssertionError(
        "no server jar in server/target: build it first (mvn verify builds it before this test)");
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
