package org.lumbarcds.server.web;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * Tomcat's last-resort error body, in place of its HTML "HTTP Status 400 – Bad Request" page: what
 * the container refuses before any servlet or Spring's error page runs (a malformed URL or
 * percent-encoding, an invalid character) gets a short JSON body — a FHIR OperationOutcome under
 * {@code /fhir}, RFC 9457 {@code application/problem+json} elsewhere. It names the status only: the
 * request could not be parsed, so nothing of it is echoed.
 */
public class JsonErrorReportValve extends ErrorReportValve {

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
    String detail =
        status == 400
            ? "the request could not be read (its URL, headers or body are malformed)"
            : "the server could not answer this request";
    String body;
    if (cdsHooks) {
      // the CDS Hooks error object, as ApiErrors answers under /cds-services
      body = "{\"error\":\"" + reason(status) + "\",\"message\":\"" + detail + "\"}";
    } else {
      body =
          fhir
              ? "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\""
                  + (status == 400 ? "invalid" : "exception")
                  + "\",\"diagnostics\":\""
                  + detail
                  + "\"}]}"
              : "{\"type\":\"about:blank\",\"title\":\""
                  + reason(status)
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

  private static String reason(int status) {
    org.springframework.http.HttpStatus known = org.springframework.http.HttpStatus.resolve(status);
    return known == null ? "Error" : known.getReasonPhrase();
  }
}
