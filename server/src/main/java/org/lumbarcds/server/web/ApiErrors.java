package org.lumbarcds.server.web;

import com.fasterxml.jackson.databind.JsonMappingException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.stream.Collectors;
import org.lumbarcds.cds.hooks.HookException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

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
 * An unexpected failure is logged with its stack trace and answered 500 without detail.
 */
@RestControllerAdvice
public class ApiErrors {

  private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

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

  /** A body bound with {@code @Valid} that breaks its constraints: each field named. */
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
        r);
  }

  @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
  ResponseEntity<Object> notAcceptable(
      HttpMediaTypeNotAcceptableException e, HttpServletRequest r) {
    return respond(HttpStatus.NOT_ACCEPTABLE, "no representation matches the Accept header", r);
  }

  @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
  ResponseEntity<Object> method(HttpRequestMethodNotSupportedException e, HttpServletRequest r) {
    return respond(HttpStatus.METHOD_NOT_ALLOWED, e.getMethod() + " is not supported here", r);
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

  /** Spring's own refusals (e.g. {@code ResponseStatusException}), with their status. */
  @ExceptionHandler(ErrorResponseException.class)
  ResponseEntity<Object> framework(ErrorResponseException e, HttpServletRequest request) {
    HttpStatus status = HttpStatus.valueOf(e.getStatusCode().value());
    String detail = e.getBody().getDetail();
    return respond(status, detail == null ? status.getReasonPhrase() : detail, request);
  }

  @ExceptionHandler(RuntimeException.class)
  ResponseEntity<Object> unexpected(RuntimeException e, HttpServletRequest request) {
    log.error("{} {} failed", request.getMethod(), request.getRequestURI(), e);
    return respond(
        HttpStatus.INTERNAL_SERVER_ERROR, "the request failed; see the server's log", request);
  }

  /** The body and headers of an error, as the path's clients expect them. */
  public static ResponseEntity<Object> respond(
      HttpStatus status, String detail, HttpServletRequest request) {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    if (path.equals("/cds-services") || path.startsWith("/cds-services/")) {
      return ResponseEntity.status(status)
          .contentType(MediaType.APPLICATION_JSON)
          .body(new CdsHooksError(status.getReasonPhrase(), detail));
    }
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    ResponseEntity.BodyBuilder response =
        ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
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
