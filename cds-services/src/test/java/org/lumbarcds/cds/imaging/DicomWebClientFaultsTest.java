package org.lumbarcds.cds.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The WADO-RS client's faults, against a closed port and a scripted HTTP server for what a PACS
 * cannot be made to show on demand (down; overloaded, then well; too slow; a body that trickles).
 */
class DicomWebClientFaultsTest {

  static DicomWebClient client(String base, String password, long maxBytes, int attempts) {
    return new DicomWebClient(
        new DicomWebClient.Settings(
            base,
            Duration.ofSeconds(2),
            Duration.ofMillis(1500),
            attempts,
            Duration.ofMillis(100),
            maxBytes,
            Optional.ofNullable(password)
                .map(p -> OrthancServer.basicAuth(OrthancServer.USER, p))));
  }

  @Test
  void aPacsThatIsDownIsUnavailableAfterTheRetries() throws Exception {
    int closed = OrthancServer.freePort();
    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                client("http://127.0.0.1:" + closed + "/dicom-web", "x", 1 << 20, 3)
                    .metadata("1.2.3"))
        .isInstanceOfSatisfying(
            ImageSourceException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(ImageSourceException.Reason.UNAVAILABLE);
              assertThat(e.transientFailure()).isTrue();
              assertThat(e.getMessage())
                  .contains("after 3 attempts")
                  .contains("connection refused");
            });
    // two backoffs: 100 ms then 200 ms
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void anOverloadedPacsIsRetriedAndASlowOneTimesOut() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HttpServer stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    stub.createContext(
        "/busy",
        exchange -> {
          byte[] body = calls.incrementAndGet() < 3 ? new byte[0] : "[]".getBytes();
          exchange.sendResponseHeaders(
              calls.get() < 3 ? 503 : 200, body.length == 0 ? -1 : body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    stub.createContext(
        "/slow",
        exchange -> {
          try {
            Thread.sleep(3000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    stub.createContext(
        "/trickle",
        exchange -> {
          // headers at once, then a body that never finishes in time
          exchange.getResponseHeaders().add("Content-Type", "application/dicom+json");
          exchange.sendResponseHeaders(200, 0);
          try (var out = exchange.getResponseBody()) {
            for (int i = 0; i < 20; i++) {
              out.write('[');
              out.flush();
              Thread.sleep(300);
            }
          } catch (IOException | InterruptedException e) {
            // the client hung up
          }
          exchange.close();
        });
    stub.start();
    try {
      String base = "http://127.0.0.1:" + stub.getAddress().getPort();
      assertThat(client(base + "/busy", null, 1 << 20, 3).metadata("1.2.3")).isEmpty();
      assertThat(calls.get()).isEqualTo(3);
      assertThatThrownBy(() -> client(base + "/slow", null, 1 << 20, 2).metadata("1.2.3"))
          .isInstanceOfSatisfying(
              ImageSourceException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(ImageSourceException.Reason.UNAVAILABLE);
                assertThat(e.getMessage()).contains("no answer within 1500 ms");
              });
      long start = System.nanoTime();
      assertThatThrownBy(() -> client(base + "/trickle", null, 1 << 20, 1).metadata("1.2.3"))
          .isInstanceOfSatisfying(
              ImageSourceException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(ImageSourceException.Reason.UNAVAILABLE);
                assertThat(e.getMessage()).contains("no answer within 1500 ms");
              });
      // the timeout covers the body: given up after about 1.5 s, not the 6 s the body takes
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    } finally {
      stub.stop(0);
    }
  }
}
