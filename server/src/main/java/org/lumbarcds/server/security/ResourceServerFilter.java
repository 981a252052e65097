package org.lumbarcds.server.security;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lumbarcds.server.web.ApiErrors;
import org.lumbarcds.server.web.ErrorEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The resource server's door (OAuth 2.0 bearer tokens, RFC 6750) on every path that reaches patient
 * data or the server's operation: {@code /fhir}, {@code /dicomweb}, {@code /imaging}, {@code
 * /ops/api} and {@code /model/card}. A call without a valid token is answered 401 with {@code
 * WWW-Authenticate: Bearer}; the reason goes to the log at DEBUG, never to the client. A valid
 * token is left on the request ({@link AccessToken#ATTRIBUTE}) and its scopes are checked here for
 * the server's own APIs (403 {@code insufficient_scope}); under {@code /fhir} HAPI's authorization
 * interceptor checks them per interaction and compartment ({@link SmartAuthorizationInterceptor}).
 *
 * <p>Open without a token: CORS preflights, {@code /fhir/metadata}, {@code
 * /fhir/.well-known/smart-configuration} (how to get a token), and the operations page's HTML and
 * scripts (no data). Not this filter's: {@code /cds-services} (CDS client JWTs) and {@code /viewer}
 * (the card's link tokens).
 *
 * <p>Scopes on the server's own APIs: DICOMweb search (QIDO-RS) {@code ImagingStudy.s}, retrieve
 * (WADO-RS) {@code ImagingStudy.r}, store (STOW-RS) and {@code /imaging/index} {@code
 * ImagingStudy.c}, each as a {@code system/} or {@code user/} scope (a {@code patient/} scope does
 * not reach DICOMweb: the store is not partitioned by patient); {@code /ops/api} the scope {@code
 * lumbarcds.ops}; {@code /model/card} any valid token.
 */
public class ResourceServerFilter extends OncePerRequestFilter {

  private static final Logger log = LoggerFactory.getLogger(ResourceServerFilter.class);

  /** The scope of the operations view's API and of backups. */
  public static final String OPS_SCOPE = "lumbarcds.ops";

  private static final String REALM = "Bearer realm=\"lumbar-cds\"";

  private final AccessTokenVerifier verifier;
  private final FhirContext fhir;
  private final ObjectMapper json = new ObjectMapper();

  public ResourceServerFilter(AccessTokenVerifier verifier, FhirContext fhir) {
    this.verifier = verifier;
    this.fhir = fhir;
  }

  /** The URL patterns it is registered on. */
  public static String[] urlPatterns() {
    return new String[] {"/fhir/*", "/dicomweb/*", "/imaging/*", "/ops/*", "/model/card"};
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    if ("OPTIONS".equals(request.getMethod())
        && request.getHeader("Access-Control-Request-Method") != null) {
      return true;
    }
    String path = path(request);
    return path.equals("/fhir/metadata")
        || path.equals("/fhir/.well-known/smart-configuration")
        || path.equals("/ops")
        || path.startsWith("/ops/assets/");
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String path = path(request);
    AccessToken token;
    try {
      token = verifier.verify(request.getHeader("Authorization"));
    } catch (AccessTokenVerifier.Refused e) {
      log.debug("{} {} refused: {}", request.getMethod(), area(path), e.getMessage());
      boolean sent = request.getHeader("Authorization") != null;
      refuse(
          response,
          path,
          HttpStatus.UNAUTHORIZED,
          sent ? REALM + ", error=\"invalid_token\"" : REALM,
          sent ? "the access token is not valid here" : "an access token is required");
      return;
    }
    if (!permitted(token, request.getMethod(), path)) {
      log.debug("{} {} refused: scope", request.getMethod(), area(path));
      refuse(
          response,
          path,
          HttpStatus.FORBIDDEN,
          REALM + ", error=\"insufficient_scope\"",
          "the access token's scopes do not allow this");
      return;
    }
    request.setAttribute(AccessToken.ATTRIBUTE, token);
    chain.doFilter(request, response);
  }

  /** The scope check of the server's own APIs; {@code /fhir} is left to HAPI's interceptor. */
  static boolean permitted(AccessToken token, String method, String path) {
    SmartScopes scopes = token.scopes();
    if (path.startsWith("/fhir")) {
      return true;
    }
    if (path.startsWith("/dicomweb/")) {
      if (method.equals("POST")) {
        return scopes.allowsBeyondPatient('c', "ImagingStudy");
      }
      boolean search = path.matches(".*/(studies|series|instances)/?");
      return scopes.allowsBeyondPatient(search ? 's' : 'r', "ImagingStudy");
    }
    if (path.startsWith("/imaging/")) {
      return scopes.allowsBeyondPatient('c', "ImagingStudy");
    }
    if (path.startsWith("/ops/")) {
      return scopes.has(OPS_SCOPE);
    }
    return path.equals("/model/card");
  }

  private void refuse(
      HttpServletResponse response, String path, HttpStatus status, String challenge, String detail)
      throws IOException {
    response.setStatus(status.value());
    response.setHeader("WWW-Authenticate", challenge);
    response.setHeader("Cache-Control", "no-store");
    byte[] body;
    if (path.startsWith("/fhir")) {
      response.setContentType("application/fhir+json;charset=UTF-8");
      body =
          fhir.newJsonParser()
              .encodeResourceToString(ErrorEndpoint.outcome(status, detail))
              .getBytes(StandardCharsets.UTF_8);
    } else {
      Map<String, Object> problem = new LinkedHashMap<>();
      problem.put("type", "about:blank");
      problem.put("title", status.getReasonPhrase());
      problem.put("status", status.value());
      problem.put("detail", detail);
      problem.put("instance", path);
      response.setContentType("application/problem+json");
      if (path.startsWith("/dicomweb/")) {
        response.setHeader("Warning", ApiErrors.warning(detail));
      }
      body = json.writeValueAsBytes(problem);
    }
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /** The decoded, normalised path, as the container matched it. */
  private static String path(HttpServletRequest request) {
    return request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
  }

  private static String area(String path) {
    int second = path.indexOf('/', 1);
    return second < 0 ? path : path.substring(0, second);
  }
}
