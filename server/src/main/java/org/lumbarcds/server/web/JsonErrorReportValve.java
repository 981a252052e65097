package org.lumbarcds.server.web;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.HttpStatus;

/**
 * Tomcat's last-resort error body, in place of its HTML "HTTP Status 400 – Bad Request" page: what
 * the container refuses before any servlet or Spring's error page runs (a malformed URL or
 * percent-encoding, an invalid character) gets a short JSON body — a FHIR OperationOutcome under
 * {@code /fhir}, RFC 9457 {@code application/problem+json} elsewhere. It names the status only: the
 * request could not be parsed, so nothing of it is echoed.
 */
public class JsonErrorReportValve extends ErrorReportValve {

  private static final FhirContext FHIR = FhirContext.forR4Cached();

  public JsonErrorReportValve() {
    setShowReport(false);
    setShowServerInfo(false);
  }

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    String uri = request.getRequestURI();
    boolean fhir = uri != null && (uri.equals("/fhir") || uri.startsWith("/fhir/"));
    boolean cdsHooks =
        uri != null && (uri.equals("/cds-services") || uri.startsWith("/cds-services/"));
    HttpStatus known = HttpStatus.resolve(status);
    HttpStatus resolved = known == null ? HttpStatus.INTERNAL_SERVER_ERROR : known;
    // the same bodies as ErrorEndpoint and ApiErrors give; the detail is a constant, so the JSON
    // needs no escaping
    String detail = ErrorEndpoint.detail(resolved);
    String body;
    if (fhir) {
      body = FHIR.newJsonParser().encodeResourceToString(ErrorEndpoint.outcome(resolved, detail));
    } else if (cdsHooks) {
      body = "{\"error\":\"" + resolved.getReasonPhrase() + "\",\"message\":\"" + detail + "\"}";
    } else {
      body =
          "{\"type\":\"about:blank\",\"title\":\""
              + resolved.getReasonPhrase()
              + "\",\"status\":"
              + status
              + ",\"detail\":\""
              + detail
              + "\"}";
    }
    try {
      response.setContentType(
          fhir
              ? "application/fhir+json"
              : cdsHooks ? "application/json" : "application/problem+json");
      response.setCharacterEncoding("UTF-8");
      Writer writer = response.getReporter();
      if (writer != null) {
        writer.write(body);
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // the client is gone or the response cannot take a body: nothing more to do
    }
  }
}
