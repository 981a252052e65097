package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A full disk under the server's data folder, made real: a small tmpfs mounted for the test (root
 * needed, hence the tag; the installed-tools build runs it). While the disk is full, a FHIR write
 * is an OperationOutcome (507, or 503 while H2 has its database closed), a STOW-RS instance a
 * DICOMweb failure with reason A700 (out of resources), a backup a problem+json 507; nothing is
 * half stored. Once space is freed, the server takes writes again without a restart, and after a
 * restart everything answered before, during and after is there.
 */
@Tag("tmpfs")
class FullDiskTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aFullDiskIsAClearErrorNothingIsHalfStoredAndTheServerRecoversWhenSpaceReturns()
      throws Exception {
    Path mount = Files.createTempDirectory("lumbarcds-full-disk-");
    run("mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", mount.toString());
    try {
      Path dataDir = mount.resolve("data");
      Path log = Files.createTempFile("full-disk-server-", ".log");
      int port = ServerProcess.freePort();
      List<String> arguments =
          List.of(
              "--lumbarcds.backup.folder=" + mount.resolve("backups"),
              "--lumbarcds.dicomweb.store-check-grace=0s");
      String before;
      String after;
      PhantomStudy first =
          PhantomStudy.copy("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
      PhantomStudy second =
          PhantomStudy.copy("study3/neutral.dcm", "study3/flexion.dcm", "study3/extension.dcm");
      try (ServerProcess server = ServerProcess.start(dataDir, port, log, Map.of(), arguments)) {
        before = created(port);
        assertThat(stow(port, first).statusCode()).isEqualTo(200);

        Path filler = mount.resolve("filler");
        fill(filler);

        // FHIR: an OperationOutcome that says what happened, never the database's internals
        for (int i = 0; i < 3; i++) {
          HttpResponse<String> refused = createPatient(port);
          assertThat(refused.statusCode()).as(refused.body()).isIn(503, 507);
          JsonNode outcome = CdsClient.JSON.readTree(refused.body());
          assertThat(outcome.path("resourceType").asText()).isEqualTo("OperationOutcome");
          assertThat(outcome.at("/issue/0/diagnostics").asText())
              .contains("nothing of this request was stored")
              .doesNotContain("Exception", "HAPI-", "90098");
        }
        // STOW-RS: each instance refused as out of resources, nothing of it kept
        HttpResponse<String> stowRefused = stow(port, second);
        assertThat(stowRefused.statusCode()).as(stowRefused.body()).isEqualTo(409);
        JsonNode failed = CdsClient.JSON.readTree(stowRefused.body()).path("00081198");
        assertThat(failed.path("Value")).hasSize(3);
        for (JsonNode instance : failed.path("Value")) {
          assertThat(instance.at("/00081197/Value/0").asInt()).isEqualTo(0xA700);
        }
        // a read while the database is closed: a typed answer, not a stack trace
        HttpResponse<String> read =
            get(port, "/dicomweb/studies/" + second.studyUid() + "/metadata");
        assertThat(read.statusCode()).as(read.body()).isIn(404, 503);
        assertThat(filesUnder(dataDir.resolve("dicom"), ".part")).isEmpty();
        // a backup: a problem+json, and no partial backup left behind
        HttpResponse<String> backup = post(port, "/ops/api/backups");
        assertThat(backup.statusCode()).as(backup.body()).isEqualTo(507);
        assertThat(backup.headers().firstValue("Content-Type").orElse(""))
            .startsWith("application/problem+json");
        assertThat(filesUnder(mount.resolve("backups"), "")).isEmpty();

        // space returns: writes are taken again, without a restart
        Files.delete(filler);
        await("a FHIR write taken again")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> createPatient(port).statusCode() == 201);
        after = created(port);
        // nothing of the refused study was kept
        assertThat(retrieve(port, second.studyUid())).isEqualTo(404);
        assertThat(stow(port, second).statusCode()).isEqualTo(200);
        assertThat(retrieve(port, second.studyUid())).isEqualTo(200);
      }
      // and everything answered is there after a restart
      try (ServerProcess again = ServerProcess.start(dataDir, port, log, Map.of(), arguments)) {
        for (String id : List.of(before, after)) {
          assertThat(get(port, "/fhir/Patient/" + id).statusCode()).as(id).isEqualTo(200);
        }
        assertThat(retrieve(port, first.studyUid())).isEqualTo(200);
        assertThat(retrieve(port, second.studyUid())).isEqualTo(200);
        assertThat(again.log()).doesNotContain("listed instance(s) have no file");
      }
    } finally {
      run("umount", "-l", mount.toString());
      Files.deleteIfExists(mount);
    }
  }

  /** Writes zeros until the disk is full. */
  private static void fill(Path filler) throws IOException {
    ByteBuffer block = ByteBuffer.allocate(1 << 20);
    try (FileChannel out =
        FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      while (true) {
        block.rewind();
        out.write(block);
      }
    } catch (IOException e) {
      assertThat(e.getMessage()).contains("No space left on device");
    }
  }

  private String created(int port) throws Exception {
    HttpResponse<String> created = createPatient(port);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return CdsClient.JSON.readTree(created.body()).path("id").asText();
  }

  private HttpResponse<String> createPatient(int port) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/fhir/Patient"))
            .header("Content-Type", "application/fhir+json")
            .header("Accept", "application/fhir+json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"resourceType\":\"Patient\",\"gender\":\"female\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> stow(int port, PhantomStudy study) throws Exception {
    String boundary = org.lumbarcds.cds.imaging.Multipart.newBoundary();
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/dicomweb/studies"))
            .header("Content-Type", PhantomStudy.contentType(boundary))
            .header("Accept", "application/dicom+json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(study.stowBody(boundary)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private int retrieve(int port, String study) throws Exception {
    return get(port, "/dicomweb/studies/" + study + "/metadata").statusCode();
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<Path> filesUnder(Path folder, String suffix) throws IOException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(folder)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().endsWith(suffix))
          .toList();
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(
          String.join(" ", command)
              + " failed (this test mounts a small tmpfs and needs root): "
              + out);
    }
  }
}
