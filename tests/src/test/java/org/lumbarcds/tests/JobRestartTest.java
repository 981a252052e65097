package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.imaging.Multipart;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomJsonWriter;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.model.dicom.Tags;

/**
 * A server stopped, or killed, while an analysis job is fetching images: the restarted server (same
 * database) finishes the job, and the order still gets exactly one Observation.
 */
class JobRestartTest {

  /** A WADO-RS PACS serving one study that holds the first instance retrieval until released. */
  static final class HoldingPacs implements AutoCloseable {
    final HttpServer server;
    final Map<String, byte[]> instances = new HashMap<>();
    final ArrayNode metadata = new ObjectMapper().createArrayNode();
    final CountDownLatch held = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger retrievals = new AtomicInteger();

    HoldingPacs(PhantomStudy study) throws IOException {
      for (byte[] file : study.files()) {
        DicomDataset ds = new DicomReader().read(file).dataset();
        instances.put(ds.getString(Tags.SOP_INSTANCE_UID).orElseThrow(), file);
        ObjectNode json = DicomJsonWriter.write(ds, (tag, element) -> Optional.of(""));
        json.properties().removeIf(e -> e.getValue().has("BulkDataURI"));
        metadata.add(json);
      }
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
      server.createContext("/dicom-web/", this::handle);
      server.start();
    }

    String baseUrl() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/dicom-web";
    }

    private void handle(HttpExchange exchange) throws IOException {
      String path = exchange.getRequestURI().getPath();
      try (exchange) {
        if (path.endsWith("/metadata")) {
          send(exchange, "application/dicom+json", metadata.toString().getBytes());
          return;
        }
        String sop = path.substring(path.lastIndexOf('/') + 1);
        byte[] file = instances.get(sop);
        if (file == null) {
          exchange.sendResponseHeaders(404, -1);
          return;
        }
        if (retrievals.getAndIncrement() == 0) {
          held.countDown();
          try {
            release.await(120, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        String boundary = Multipart.newBoundary();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Multipart.writePart(out, boundary, "application/dicom", file);
        Multipart.writeEnd(out, boundary);
        send(exchange, Multipart.contentType(boundary, "application/dicom"), out.toByteArray());
      }
    }

    private static void send(HttpExchange exchange, String type, byte[] body) throws IOException {
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream o = exchange.getResponseBody()) {
        o.write(body);
      }
    }

    @Override
    public void close() {
      release.countDown();
      server.stop(0);
    }
  }

  private static String[] settings(HoldingPacs pacs) {
    return new String[] {
      "--lumbarcds.pacs.servers[0].base-url=" + pacs.baseUrl(),
      "--lumbarcds.pacs.request-timeout=120s",
      "--lumbarcds.analysis.polling-interval=1s",
      "--lumbarcds.analysis.heartbeat-interval=1s",
      "--lumbarcds.analysis.missed-heartbeats=4",
      "--lumbarcds.analysis.first-retry-delay=1s",
      "--lumbarcds.fhir.validate-requests=false"
    };
  }

  /**
   * The PACS's study indexed as an ImagingStudy based on a new order: its arrival queues the job,
   * which reads the metadata and then waits on the first instance. Returns the order once the job
   * is there.
   */
  private static IIdType jobHeldAtThePacs(
      IGenericClient client, int port, HoldingPacs pacs, PhantomStudy study) throws Exception {
    IIdType order = AnalysisStoryTest.order(client, study).order();
    Endpoint endpoint = Fixtures.wadoEndpoint();
    endpoint.setAddress(pacs.baseUrl());
    IIdType endpointId =
        client.create().resource(endpoint).execute().getId().toUnqualifiedVersionless();
    HttpResponse<String> indexed =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/imaging/index"))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"endpoint\":\""
                                + endpointId.getValue()
                                + "\",\"studyInstanceUid\":\""
                                + study.studyUid()
                                + "\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(indexed.statusCode()).as(indexed.body()).isIn(200, 201);
    assertThat(pacs.held.await(60, TimeUnit.SECONDS)).as("the job reached the PACS").isTrue();
    Task running = AnalysisRecords.task(client, order).orElseThrow();
    assertThat(running.getStatus()).isEqualTo(Task.TaskStatus.INPROGRESS);
    return order;
  }

  private static void finishedOnce(IGenericClient client, IIdType order, HoldingPacs pacs) {
    AnalysisRecords.awaitTask(client, order, Task.TaskStatus.COMPLETED);
    assertThat(AnalysisRecords.results(client, order)).hasSize(1);
    assertThat(pacs.retrievals.get()).as("the instances were fetched again").isGreaterThan(3);
    ServiceRequest unchanged = client.read().resource(ServiceRequest.class).withId(order).execute();
    assertThat(unchanged.getStatus()).isEqualTo(ServiceRequest.ServiceRequestStatus.ACTIVE);
  }

  @Test
  void aJobCutShortByAStopIsFinishedByTheRestartedServer() throws Exception {
    PhantomStudy study =
        PhantomStudy.copy("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    Path dataDir = ServerTestBase.newDataDir();
    try (HoldingPacs pacs = new HoldingPacs(study)) {
      IIdType order;
      try (StandaloneServer first = new StandaloneServer(dataDir, settings(pacs))) {
        order = jobHeldAtThePacs(first.client(), first.port(), pacs, study);
      } // stopped in the middle of the job
      pacs.release.countDown();
      try (StandaloneServer second = new StandaloneServer(dataDir, settings(pacs))) {
        finishedOnce(second.client(), order, pacs);
      }
    }
  }

  /**
   * A server killed ({@code kill -9}) in the middle of a job leaves the job marked as its own; the
   * restarted server takes it over once its heartbeats are stale (4 missed 1 s heartbeats here),
   * not before, and the order still gets exactly one Observation.
   */
  @Test
  void aJobOwnedByAKilledServerIsTakenOverOnceItsHeartbeatsAreStale() throws Exception {
    PhantomStudy study =
        PhantomStudy.copy("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    Path dataDir = ServerTestBase.newDataDir();
    int port = ServerProcess.freePort();
    try (HoldingPacs pacs = new HoldingPacs(study)) {
      List<String> arguments = List.of(settings(pacs));
      IIdType order;
      ServerProcess first =
          ServerProcess.start(
              dataDir, port, dataDir.resolveSibling("first.log"), Map.of(), arguments);
      try {
        order = jobHeldAtThePacs(client(port), port, pacs, study);
      } finally {
        first.kill();
      }
      pacs.release.countDown();
      try (ServerProcess second =
          ServerProcess.start(
              dataDir, port, dataDir.resolveSibling("second.log"), Map.of(), arguments)) {
        IGenericClient client = client(port);
        // still the dead server's until its heartbeats are stale; the start-up sweep leaves it
        assertThat(AnalysisRecords.task(client, order).orElseThrow().getStatus())
            .isEqualTo(Task.TaskStatus.INPROGRESS);
        finishedOnce(client, order, pacs);
        assertThat(second.log())
            .as("taken over as a dead execution")
            .contains("Analysis job taken over: its server stopped sending heartbeats");
      }
    }
  }

  private static IGenericClient client(int port) {
    return ServerTestBase.FHIR.newRestfulGenericClient("http://127.0.0.1:" + port + "/fhir");
  }
}
