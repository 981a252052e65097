package org.lumbarcds.server.web;

import org.springframework.http.HttpStatus;

/**
 * A request of the server's own HTTP APIs refused, with its status and what the client can do about
 * it (no internal detail). {@link ApiErrors} answers it: {@code application/problem+json}, with the
 * DICOMweb {@code Warning} header under {@code /dicomweb}.
 */
public class ApiException extends RuntimeException {

  private final HttpStatus status;

  public ApiException(HttpStatus status, String detail) {
    super(detail);
    this.status = status;
  }

  public HttpStatus status() {
    return status;
  }

  public static ApiException notFound(String detail) {
    return new ApiException(HttpStatus.NOT_FOUND, detail);
  }

  public static ApiException badRequest(String detail) {
    return new ApiException(HttpStatus.BAD_REQUEST, detail);
  }
}
