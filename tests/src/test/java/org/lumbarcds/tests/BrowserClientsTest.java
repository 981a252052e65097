package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/**
 * What browser-based clients (a CDS Hooks test harness, a SMART app) and FHIR tutorials expect of
 * the server: CORS with preflights on every JSON API for the configured origin, {@code
 * identifier=system|value} unencoded, and JSON errors everywhere — never Tomcat's or Spring's HTML
 * error page, even for what the container refuses before any servlet runs.
 */
class BrowserClientsTest extends ServerTestBase {

  private HttpResponse<String> preflight(String path, String origin, String method)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", "authorization,content-type")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aConfiguredOriginMayCallEveryJsonApiAndItsPreflightsNeedNoToken() throws Exception {
    for (String path :
        List.of(
            "/fhir/Patient",
            "/fhir/metadata",
            "/fhir",
            "/cds-services",
            "/cds-services/lss-mri-order-sign",
            "/dicomweb/studies",
            "/ops/api/summary",
            "/model/card")) {
      String method = path.startsWith("/fhir/Patient") ? "POST" : "GET";
      HttpResponse<String> r = preflight(path, BROWSER_APP, method);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin"))
          .as(path)
          .contains(BROWSER_APP);
      assertThat(r.headers().firstValue("Access-Control-Allow-Methods").orElse(""))
          .as(path)
          .contains(method);
      assertThat(r.headers().firstValue("Access-Control-Allow-Headers").orElse(""))
          .as(path)
          .containsIgnoringCase("authorization");
    }
    // the request itself carries the header, and the Location of what it created is readable
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient"))
                .header("Origin", BROWSER_APP)
                .header("Content-Type", "application/fhir+json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        FHIR.newJsonParser().encodeResourceToString(new Patient())))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.headers().firstValue("Access-Control-Allow-Origin")).contains(BROWSER_APP);
    assertThat(created.headers().firstValue("Access-Control-Expose-Headers").orElse(""))
        .contains("Location");
  }

  @Test
  void anotherOriginIsRefused() throws Exception {
    HttpResponse<String> r = preflight("/fhir/Patient", "https://elsewhere.example", "GET");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    // the CDS-Hooks-only origin of the older setting reaches /cds-services, not /fhir
    assertThat(preflight("/cds-services", "https://sandbox.cds-hooks.org", "GET").statusCode())
        .isEqualTo(200);
    assertThat(preflight("/fhir/Patient", "https://sandbox.cds-hooks.org", "GET").statusCode())
        .isEqualTo(403);
  }

  @Test
  void aSystemAndValueSeparatedByAnUnencodedBarIsASearchLikeAnyOther() throws Exception {
    Patient patient = new Patient();
    patient.addIdentifier().setSystem("urn:oid:1.2.3.4.5").setValue("BAR-1");
    client.create().resource(patient).execute();
    // java.net.URI refuses '|', as browsers and curl do not: the request line is written by hand
    Raw r = raw("GET /fhir/Patient?identifier=urn:oid:1.2.3.4.5|BAR-1 HTTP/1.1");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode bundle = CdsClient.JSON.readTree(r.body());
    assertThat(bundle.path("resourceType").asText()).isEqualTo("Bundle");
    assertThat(bundle.path("entry")).hasSize(1);
  }

  @Test
  void noDefaultErrorPageIsReachable() throws Exception {
    // refused by Tomcat before any servlet: malformed percent-encoding in the path
    Raw fhir = raw("GET /fhir/Patient/%zz HTTP/1.1");
    assertThat(fhir.status()).isEqualTo(400);
    assertThat(fhir.contentType()).startsWith("application/fhir+json");
    assertThat(CdsClient.JSON.readTree(fhir.body()).path("resourceType").asText())
        .isEqualTo("OperationOutcome");
    Raw ops = raw("GET /ops/%zz HTTP/1.1");
    assertThat(ops.status()).isEqualTo(400);
    assertThat(ops.contentType()).startsWith("application/problem+json");
    assertThat(CdsClient.JSON.readTree(ops.body()).path("status").asInt()).isEqualTo(400);
    Raw cds = raw("GET /cds-services/%zz HTTP/1.1");
    assertThat(cds.status()).isEqualTo(400);
    assertThat(CdsClient.JSON.readTree(cds.body()).path("message").asText()).isNotBlank();
    // malformed percent-encoding in a FHIR query: 400, not HAPI's 500
    Raw query = raw("GET /fhir/Patient?name=%zz HTTP/1.1");
    assertThat(query.status()).isEqualTo(400);
    assertThat(CdsClient.JSON.readTree(query.body()).at("/issue/0/diagnostics").asText())
        .contains("percent-encoding");
    // a browser asking for HTML still gets JSON: unknown paths, /error itself, a wrong method
    for (String line :
        List.of(
            "GET /no/such/page HTTP/1.1",
            "GET /error HTTP/1.1",
            "DELETE /ops/api/summary HTTP/1.1",
            "GET /fhir/NoSuchType HTTP/1.1")) {
      Raw r = raw(line);
      assertThat(r.status()).as(line).isBetween(400, 499);
      assertThat(r.contentType()).as(line).doesNotContain("html");
      assertThat(r.body())
          .as(line)
          .doesNotContainIgnoringCase("<html")
          .doesNotContain("Whitelabel");
      CdsClient.JSON.readTree(r.body()); // JSON
    }
  }

  record Raw(int status, String contentType, String body) {}

  /** One request written byte for byte (no client-side encoding), as a browser would send it. */
  private Raw raw(String requestLine) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          (requestLine
                  + "\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nAccept: text/html,application/xhtml+xml\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int split = response.indexOf("\r\n\r\n");
      String head = response.substring(0, split);
      String body = response.substring(split + 4);
      int status = Integer.parseInt(head.substring(9, 12));
      String contentType = "";
      for (String header : head.split("\r\n")) {
        if (header.toLowerCase(Locale.ROOT).startsWith("content-type:")) {
          contentType = header.substring(13).strip();
        }
      }
      if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
        body = dechunk(body);
      }
      return new Raw(status, contentType, body);
    }
  }

  private static String dechunk(String chunked) {
    StringBuilder body = new StringBuilder();
    int at = 0;
    while (true) {
      int eol = chunked.indexOf("\r\n", at);
      int size = Integer.parseInt(chunked.substring(at, eol).strip(), 16);
      if (size == 0) {
        return body.toString();
      }
      body.append(chunked, eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
  }
}
