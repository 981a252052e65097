package org.lumbarcds.server.cdshooks;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The CDS Hooks client check on every call under {@code /cds-services} (discovery and feedback
 * included): a JWT from a trusted issuer whose {@code aud} is the URL called (for feedback, the
 * feedback URL or its service's URL). A refusal is a bare 401: the reason goes to the server's log
 * at DEBUG, never to the client. CORS preflight requests pass (they carry no credentials). In
 * {@code open} mode (loopback only) nothing is checked.
 */
class CdsHooksSecurityFilter extends OncePerRequestFilter {

  private static final Logger log = LoggerFactory.getLogger(CdsHooksSecurityFilter.class);

  /** Request attribute: the verified {@link ClientJwtVerifier.Caller}. */
  static final String CALLER = "org.lumbarcds.cdshooks.caller";

  private final Optional<ClientJwtVerifier> verifier;
  private final Supplier<String> root;

  /**
   * @param verifier the JWT check; empty in open mode
   * @param root the server's root URL (its public base behind a proxy, else its bind address)
   */
  CdsHooksSecurityFilter(Optional<ClientJwtVerifier> verifier, Supplier<String> root) {
    this.verifier = verifier;
    this.root = root;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    // which paths: the registration's URL patterns, matched by the container on the decoded,
    // normalised path (a raw-URI check here could be dodged with ";x" or "%2D")
    return verifier.isEmpty()
        || ("OPTIONS".equals(request.getMethod())
            && request.getHeader("Access-Control-Request-Method") != null);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String url = url(request);
    String authorization = request.getHeader("Authorization");
    try {
      ClientJwtVerifier.Caller caller;
      try {
        caller = verifier.get().verify(authorization, url);
      } catch (ClientJwtVerifier.Refused first) {
        if (!url.endsWith("/feedback")) {
          throw first;
        }
        caller =
            verifier
                .get()
                .verify(authorization, url.substring(0, url.length() - "/feedback".length()));
      }
      request.setAttribute(CALLER, caller);
    } catch (ClientJwtVerifier.Refused e) {
      log.debug("CDS Hooks call refused: {}", e.getMessage());
      response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
      response.setHeader("WWW-Authenticate", "Bearer");
      return;
    } catch (DataAccessException e) {
      // the shared record of tokens used cannot be read: no call goes through unchecked
      log.warn(
          "CDS Hooks call refused: the token replay check failed ({})", e.getClass().getName());
      response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
      return;
    }
    chain.doFilter(request, response);
  }

  /**
   * The URL called, as {@code aud} must name it: the server's root as configured (never the
   * request's Host header) and the decoded, normalised path.
   */
  private String url(HttpServletRequest request) {
    String path =
        request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
    return root.get() + path;
  }
}
