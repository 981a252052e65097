package org.lumbarcds.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The trail sent to an audit record repository ({@code lumbarcds.audit.repository-url}): one
 * transaction Bundle of AuditEvents per batch, POSTed to the repository's base; a repository that
 * is away (503) gets the same batch again later. The repository is scripted here.
 */
class AuditRepositoryTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();

  private HttpServer repository;
  private final List<Bundle> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger away = new AtomicInteger(1);

  @BeforeEach
  void start() throws IOException {
    repository = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    repository.createContext(
        "/fhir",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          boolean base = exchange.getRequestURI().getPath().replaceAll("/+$", "").equals("/fhir");
          int status;
          String answer;
          if (!exchange.getRequestMethod().equals("POST") || !base) {
            status = 404;
            answer = "{\"resourceType\":\"OperationOutcome\"}";
          } else if (away.getAndDecrement() > 0) {
            status = 503;
            answer = "{\"resourceType\":\"OperationOutcome\"}";
          } else {
            received.add(
                FHIR.newJsonParser()
                    .parseResource(Bundle.class, new String(body, StandardCharsets.UTF_8)));
            status = 200;
            answer = "{\"resourceType\":\"Bundle\",\"type\":\"transaction-response\"}";
          }
          byte[] out = answer.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/fhir+json");
          exchange.sendResponseHeaders(status, out.length);
          exchange.getResponseBody().write(out);
          exchange.close();
        });
    repository.start();
  }

  @AfterEach
  void stop() {
    repository.stop(0);
  }

  @Test
  void batchesGoToTheRepositoryAsTransactionsAndAreSentAgainWhenItIsAway() throws Exception {
    String base = "http://127.0.0.1:" + repository.getAddress().getPort() + "/fhir";
    try (AuditTrail trail =
        new AuditTrail(AuditConfig.repository(FHIR, base), 100, 50, "lumbar-cds")) {
      for (int i = 0; i < 3; i++) {
        AuditEvent event = new AuditEvent();
        event.addEntity().getWhat().setReference("http://lumbar-cds.test/fhir/Patient/p" + i);
        trail.recordAuditEvent(event);
      }
      assertThat(trail.flush(Duration.ofSeconds(20))).isTrue();
      assertThat(trail.failures()).isEqualTo(1);
      assertThat(trail.lost()).isZero();
    }
    assertThat(received).isNotEmpty();
    assertThat(received)
        .allSatisfy(b -> assertThat(b.getType()).isEqualTo(Bundle.BundleType.TRANSACTION));
    List<Bundle.BundleEntryComponent> entries =
        received.stream().flatMap(b -> b.getEntry().stream()).toList();
    assertThat(entries)
        .hasSize(3)
        .allSatisfy(
            e -> {
              assertThat(e.getRequest().getMethod()).isEqualTo(Bundle.HTTPVerb.POST);
              assertThat(e.getRequest().getUrl()).isEqualTo("AuditEvent");
              assertThat(e.getResource()).isInstanceOf(AuditEvent.class);
            });
  }
}
