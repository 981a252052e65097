package org.lumbarcds.cds.imaging;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real Orthanc PACS (Debian packages {@code orthanc} and {@code orthanc-dicomweb}) run as a plain
 * process on loopback with its own configuration, storage and free ports, HTTP basic authentication
 * on, for tests of the DICOMweb path. Missing binaries fail the test: `.ci/run` installs them.
 */
public final class OrthancServer implements AutoCloseable {

  public static final String USER = "lumbarcds";
  public static final String PASSWORD = "test-only-password";
  static final String PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";

  private final Path dir;
  private final Process process;
  private final int port;

  private OrthancServer(Path dir, Process process, int port) {
    this.dir = dir;
    this.process = process;
    this.port = port;
  }

  /** Orthanc with HTTP basic authentication (USER, PASSWORD). */
  public static OrthancServer start() throws Exception {
    return start(true);
  }

  /** Orthanc with or without HTTP basic authentication. */
  public static OrthancServer start(boolean authentication) throws Exception {
    return start(authentication, freePort());
  }

  /** Orthanc with or without HTTP basic authentication, on a given loopback HTTP port. */
  public static OrthancServer start(boolean authentication, int http) throws Exception {
    Path binary = Path.of("/usr/sbin/Orthanc");
    if (!Files.isExecutable(binary) || !Files.exists(Path.of(PLUGIN))) {
      throw new IllegalStateException(
          "Orthanc is not installed: apt-get install orthanc orthanc-dicomweb (.ci/run does)");
    }
    Path dir = Files.createTempDirectory("lumbarcds-orthanc-");
    int dicom = freePort();
    String config =
        """
        {
          "Name": "lumbarcds-test",
          "StorageDirectory": "%s",
          "IndexDirectory": "%s",
          "HttpPort": %d,
          "DicomPort": %d,
          "RemoteAccessAllowed": false,
          "AuthenticationEnabled": %s,
          "RegisteredUsers": { "%s": "%s" },
          "Plugins": [ "%s" ],
          "DicomWeb": { "Enable": true, "Root": "/dicom-web/" },
          "StableAge": 1
        }
        """
            .formatted(
                dir.resolve("storage"),
                dir.resolve("index"),
                http,
                dicom,
                authentication,
                USER,
                PASSWORD,
                PLUGIN);
    Path file = dir.resolve("orthanc.json");
    Files.writeString(file, config);
    Process process =
        new ProcessBuilder(binary.toString(), file.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("orthanc.log").toFile())
            .start();
    OrthancServer server = new OrthancServer(dir, process, http);
    server.awaitReady();
    return server;
  }

  public String dicomWebRoot() {
    return "http://127.0.0.1:" + port + "/dicom-web";
  }

  public static String basicAuth(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** Stores instances through Orthanc's own STOW-RS. */
  public void stow(byte[]... instances) throws Exception {
    String boundary = Multipart.newBoundary();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] instance : instances) {
      Multipart.writePart(body, boundary, "application/dicom", instance);
    }
    Multipart.writeEnd(body, boundary);
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(dicomWebRoot() + "/studies"))
                    .header("Content-Type", Multipart.contentType(boundary, "application/dicom"))
                    .header("Authorization", basicAuth(USER, PASSWORD))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("Orthanc STOW-RS answered " + response.statusCode());
    }
  }

  private void awaitReady() {
    HttpClient client = HttpClient.newHttpClient();
    Awaitility.await("Orthanc answering on port " + port)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    "Orthanc exited: " + Files.readString(dir.resolve("orthanc.log")));
              }
              try {
                return client
                        .send(
                            HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/system"))
                                .header("Authorization", basicAuth(USER, PASSWORD))
                                .build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200;
              } catch (IOException stillStarting) {
                return false;
              }
            });
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
