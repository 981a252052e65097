package org.lumbarcds.server.fhir;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.lumbarcds.server.web.ErrorEndpoint;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A {@code /fhir} query string that is not valid percent-encoding ({@code name=%zz}) is a 400 with
 * an OperationOutcome; HAPI, which parses the query before any interceptor sees the request,
 * answers it with a 500 that echoes the decoder's message. Unencoded {@code |}, as in {@code
 * identifier=system|value}, is valid: Tomcat is told to accept it ({@code
 * server.tomcat.relaxed-query-chars}).
 */
class QueryStringCheck extends OncePerRequestFilter {

  private final FhirContext fhir;

  QueryStringCheck(FhirContext fhir) {
    this.fhir = fhir;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String query = request.getQueryString();
    if (query != null && !decodes(query)) {
      response.setStatus(HttpStatus.BAD_REQUEST.value());
      response.setContentType("application/fhir+json;charset=UTF-8");
      response
          .getWriter()
          .write(
              fhir.newJsonParser()
                  .encodeResourceToString(
                      ErrorEndpoint.outcome(
                          HttpStatus.BAD_REQUEST,
                          "the query string is not valid percent-encoding (a '%' must be followed"
                              + " by two hexadecimal digits; '%25' is '%' itself)")));
      return;
    }
    chain.doFilter(request, response);
  }

  private static boolean decodes(String query) {
    try {
      URLDecoder.decode(query, StandardCharsets.UTF_8);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
