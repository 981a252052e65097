package org.lumbarcds.server.web;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriUtils;

/**
 * The container's error page ({@code /error}, in place of Spring Boot's Whitelabel page): a status
 * set by the servlet container or a filter ({@code sendError}), or an exception no handler took,
 * answered in the body the path's clients read — a FHIR OperationOutcome under {@code /fhir}, the
 * CDS Hooks error object under {@code /cds-services}, {@code application/problem+json} elsewhere
 * ({@link ApiErrors#respond}). Never HTML, never the exception's message (it can hold request
 * data); an exception is logged with its class only at ERROR, its trace at DEBUG.
 */
@RestController
public class ErrorEndpoint implements ErrorController {

  private static final Logger log = LoggerFactory.getLogger(ErrorEndpoint.class);

  private final FhirContext fhir;

  public ErrorEndpoint(FhirContext fhir) {
    this.fhir = fhir;
  }

  @RequestMapping("${server.error.path:/error}")
  ResponseEntity<Object> error(HttpServletRequest request) {
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
    if (!(code instanceof Integer) || !(uri instanceof String original)) {
      // /error requested directly: nothing failed
      return ApiErrors.respond(
          HttpStatus.NOT_FOUND, "no resource at this path", "/error", HttpHeaders.EMPTY);
    }
    HttpStatus status = HttpStatus.resolve((Integer) code);
    if (status == null || !status.isError()) {
      status = HttpStatus.INTERNAL_SERVER_ERROR;
    }
    if (request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable t) {
      log.error("{} {}: {}", request.getMethod(), status.value(), t.getClass().getName());
      log.debug("unhandled exception", t);
    }
    String path = path(original, request.getContextPath());
    String detail = detail(status);
    if (path.equals("/fhir") || path.startsWith("/fhir/")) {
      return ResponseEntity.status(status)
          .contentType(MediaType.parseMediaType("application/fhir+json;charset=UTF-8"))
          .body(fhir.newJsonParser().encodeResourceToString(outcome(status, detail)));
    }
    return ApiErrors.respond(status, detail, path, HttpHeaders.EMPTY);
  }

  /** The failed request's path within the application, decoded (as the error routes see it). */
  static String path(String requestUri, String contextPath) {
    String path = requestUri.substring(Math.min(contextPath.length(), requestUri.length()));
    int semicolon = path.indexOf(';');
    if (semicolon >= 0) {
      path = path.substring(0, semicolon);
    }
    try {
      return UriUtils.decode(path, java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return path;
    }
  }

  /** The detail an error of this status gets when nothing more is known (no request data). */
  static String detail(HttpStatus status) {
    return switch (status) {
      case BAD_REQUEST -> "the request could not be read (its URL, headers or body are malformed)";
      case NOT_FOUND -> "no resource at this path";
      case METHOD_NOT_ALLOWED -> "this method is not allowed at this path";
      case INTERNAL_SERVER_ERROR -> "the request failed; see the server's log";
      default -> status.getReasonPhrase();
    };
  }

  /** An OperationOutcome with one error issue, coded from the status. */
  public static OperationOutcome outcome(HttpStatus status, String detail) {
    OperationOutcome.IssueType type =
        switch (status) {
          case BAD_REQUEST -> OperationOutcome.IssueType.INVALID;
          case UNAUTHORIZED -> OperationOutcome.IssueType.LOGIN;
          case FORBIDDEN -> OperationOutcome.IssueType.FORBIDDEN;
          case NOT_FOUND -> OperationOutcome.IssueType.NOTFOUND;
          case METHOD_NOT_ALLOWED, UNSUPPORTED_MEDIA_TYPE, NOT_ACCEPTABLE ->
              OperationOutcome.IssueType.NOTSUPPORTED;
          case PAYLOAD_TOO_LARGE, REQUEST_HEADER_FIELDS_TOO_LARGE, URI_TOO_LONG ->
              OperationOutcome.IssueType.TOOCOSTLY;
          default ->
              status.is5xxServerError()
                  ? OperationOutcome.IssueType.EXCEPTION
                  : OperationOutcome.IssueType.PROCESSING;
        };
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(type)
        .setDiagnostics(detail);
    return outcome;
  }
}
