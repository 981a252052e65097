package org.lumbarcds.server.web;

import com.fasterxml.jackson.databind.JsonMappingException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.stream.Collectors;
import org.lumbarcds.cds.hooks.HookException;
import org.lumbarcds.server.storage.StorageFailures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.util.UrlPathHelper;

/**
 * The one error model of the server's own HTTP APIs (FHIR's OperationOutcome under {@code /fhir} is
 * HAPI's). Every refusal is an exception; this turns it into the body its clients expect:
 *
 * <ul>
 *   <li>{@code /cds-services}: the CDS Hooks error object, {@code {"error": reason phrase,
 *       "message": what to do}} ({@link CdsHooksError}), as CDS clients read it;
 *   <li>everything else (viewer, operations, imaging index, DICOMweb): RFC 9457 {@code
 *       application/problem+json} ({@code type}, {@code title}, {@code status}, {@code detail},
 *       {@code instance}); under {@code /dicomweb} also a {@code Warning: 299} header with the
 *       detail, as DICOMweb (PS3.18 §8.6) reports failures.
 * </ul>
 *
 * Spring's own refusals keep their status and headers. An unexpected failure is logged with its
 * stack trace and route and answered 500 without detail. Not answered here: the 401 of the CDS
 * Hooks security filter (a bare status, by design) and HAPI's {@code /fhir}.
 */
@RestControllerAdvice
public class ApiErrors {

  private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);
  private static final UrlPathHelper PATHS = new UrlPathHelper();

  /** The CDS Hooks error body. */
  public record CdsHooksError(String error, String message) {}

  @ExceptionHandler(ApiException.class)
  ResponseEntity<Object> refused(ApiException e, HttpServletRequest request) {
    return respond(e.status(), e.getMessage(), request);
  }

  @ExceptionHandler(HookException.class)
  ResponseEntity<Object> hookRefused(HookException e, HttpServletRequest request) {
    HttpStatus status =
        switch (e.kind()) {
          case NOT_FOUND -> HttpStatus.NOT_FOUND;
          case BAD_REQUEST -> HttpStatus.BAD_REQUEST;
          case PRECONDITION_FAILED -> HttpStatus.PRECONDITION_FAILED;
          case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
        };
    return respond(status, e.getMessage(), request);
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<Object> unreadable(HttpMessageNotReadableException e, HttpServletRequest request) {
    String where =
        e.getCause() instanceof JsonMappingException m && !m.getPath().isEmpty()
            ? " at "
                + m.getPath().stream()
                    .map(
                        r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."))
            : "";
    return respond(HttpStatus.BAD_REQUEST, "the body could not be read" + where, request);
  }

  /**
   * A body bound with {@code @Valid} that breaks its constraints: each field named. (The CDS Hooks
   * controllers validate after their 404 check, through {@code CdsServices.requireValid}.)
   */
  @ExceptionHandler(MethodArgumentNotValidException.class)
  ResponseEntity<Object> invalid(MethodArgumentNotValidException e, HttpServletRequest request) {
    String fields =
        e.getBindingResult().getFieldErrors().stream()
            .map(f -> f.getField() + " " + f.getDefaultMessage())
            .sorted()
            .collect(Collectors.joining("; "));
    return respond(
        HttpStatus.BAD_REQUEST, fields.isEmpty() ? "the body is not valid" : fields, request);
  }

  @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
  ResponseEntity<Object> mediaType(HttpMediaTypeNotSupportedException e, HttpServletRequest r) {
    String supported =
        e.getSupportedMediaTypes().stream()
            .map(MediaType::toString)
            .distinct()
            .collect(Collectors.joining(", "));
    return respond(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        "the body must be " + (supported.isEmpty() ? "of another media type" : supported),
        r,
        e.getHeaders());
  }

  @ExceptionHandler({
    MissingServletRequestParameterException.class,
    MethodArgumentTypeMismatchException.class
  })
  ResponseEntity<Object> parameter(Exception e, HttpServletRequest request) {
    String name =
        e instanceof MissingServletRequestParameterException m
            ? m.getParameterName()
            : ((MethodArgumentTypeMismatchException) e).getName();
    return respond(HttpStatus.BAD_REQUEST, "parameter " + name + " is missing or invalid", request);
  }

  /**
   * Spring's own refusals (no handler 404, 405 with its {@code Allow}, 406, upload too large 413,
   * async timeout 503, {@code ResponseStatusException} …) with their status and headers; anything
   * else is unexpected: logged with its route (never the URL, which can hold identifiers) and
   * answered 500 without detail.
   */
  @ExceptionHandler(Exception.class)
  ResponseEntity<Object> other(Exception e, HttpServletRequest request) {
    if (e instanceof ErrorResponse spring) {
      HttpStatus status = HttpStatus.valueOf(spring.getStatusCode().value());
      String detail = spring.getBody().getDetail();
      return respond(
          status, detail == null ? status.getReasonPhrase() : detail, request, spring.getHeaders());
    }
    Object route = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
    StorageFailures.Kind storage = StorageFailures.classify(e);
    if (storage != null) {
      log.error(
          "{} {} failed: {}",
          request.getMethod(),
          route == null ? "(no route)" : route,
          storage == StorageFailures.Kind.DISK_FULL
              ? "no space left on the disk"
              : "the database is unavailable");
      boolean write = !"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod());
      return storage == StorageFailures.Kind.DISK_FULL && write
          ? respond(
              HttpStatus.INSUFFICIENT_STORAGE,
              "no space left on the server's disk: nothing of this request was stored",
              request)
          : respond(
              HttpStatus.SERVICE_UNAVAILABLE,
              storage == StorageFailures.Kind.DISK_FULL
                  ? "the server's database is unavailable (its disk is full); retry later"
                  : "the server's database is unavailable (a write to its disk failed); retry"
                      + " later",
              request);
    }
    log.error("{} {} failed", request.getMethod(), route == null ? "(no route)" : route, e);
    return respond(
        HttpStatus.INTERNAL_SERVER_ERROR, "the request failed; see the server's log", request);
  }

  /** The body and headers of an error, as the path's clients expect them. */
  public static ResponseEntity<Object> respond(
      HttpStatus status, String detail, HttpServletRequest request) {
    return respond(status, detail, request, HttpHeaders.EMPTY);
  }

  private static ResponseEntity<Object> respond(
      HttpStatus status, String detail, HttpServletRequest request, HttpHeaders headers) {
    // the path as mapped (decoded, without ";…" parameters), as the security filter sees it
    return respond(status, detail, PATHS.getPathWithinApplication(request), headers);
  }

  /** The body and headers of an error for a path within the application. */
  static ResponseEntity<Object> respond(
      HttpStatus status, String detail, String path, HttpHeaders headers) {
    if (path.equals("/cds-services") || path.startsWith("/cds-services/")) {
      return ResponseEntity.status(status)
          .headers(headers)
          .contentType(MediaType.APPLICATION_JSON)
          .body(new CdsHooksError(status.getReasonPhrase(), detail));
    }
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    ResponseEntity.BodyBuilder response =
        ResponseEntity.status(status)
            .headers(headers)
            .contentType(MediaType.APPLICATION_PROBLEM_JSON);
    if (path.startsWith("/dicomweb/") || path.equals("/dicomweb")) {
      response.header(HttpHeaders.WARNING, warning(detail));
    }
    return response.body(problem);
  }

  /** A DICOMweb warning header value: {@code 299 lumbar-cds "text"}. */
  public static String warning(String text) {
    return "299 lumbar-cds \"" + text.replaceAll("[\"\\\\\\r\\n]", "'") + "\"";
  }
}
