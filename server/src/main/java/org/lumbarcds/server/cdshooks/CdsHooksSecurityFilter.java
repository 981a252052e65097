package org.lumbarcds.server.cdshooks;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

  private final Optional<ClientJwtVerifier> verifier;
  private final Optional<String> publicRoot;

  /**
   * @param verifier the JWT check; empty in open mode
   * @param publicRoot the server's public root URL (behind a proxy); empty: the request's own
   */
  CdsHooksSecurityFilter(Optional<ClientJwtVerifier> verifier, Optional<String> publicRoot) {
    this.verifier = verifier;
    this.publicRoot = publicRoot;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    return !(path.equals("/cds-services") || path.startsWith("/cds-services/"))
        || verifier.isEmpty()
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
      try {
        verifier.get().verify(authorization, url);
      } catch (ClientJwtVerifier.Refused first) {
        if (!url.endsWith("/feedback")) {
          throw first;
        }
        verifier.get().verify(authorization, url.substring(0, url.length() - "/feedback".length()));
      }
    } catch (ClientJwtVerifier.Refused e) {
      log.debug("CDS Hooks call refused: {}", e.getMessage());
      response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
      response.setHeader("WWW-Authenticate", "Bearer");
      return;
    }
    chain.doFilter(request, response);
  }

  private String url(HttpServletRequest request) {
    String path = request.getRequestURI();
    return publicRoot
        .map(root -> root + path.substring(request.getContextPath().length()))
        .orElseGet(() -> request.getRequestURL().toString());
  }
}
