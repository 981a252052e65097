package org.lumbarcds.server.security;

import com.nimbusds.jose.JWSAlgorithm;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may reach patient data ({@code lumbarcds.security.*}, docs/security.md). With no
 * authorization server configured the server is in {@code open} mode: nothing is checked, and it
 * listens on loopback only. With one or more, every call to {@code /fhir}, {@code /dicomweb},
 * {@code /imaging}, {@code /ops/api} and {@code /model/card} needs an access token from one of
 * them, with the SMART scopes the call needs.
 *
 * @param authorizationServers the authorization servers whose access tokens are accepted; the first
 *     one is published in {@code /fhir/.well-known/smart-configuration}
 */
@ConfigurationProperties("lumbarcds.security")
public record SecurityProperties(@DefaultValue List<AuthorizationServer> authorizationServers) {

  public SecurityProperties {
    // an entry whose issuer is empty is no entry: application.yaml's one, its variables unset
    authorizationServers =
        authorizationServers == null
            ? List.of()
            : authorizationServers.stream()
                .filter(a -> a.issuer() != null && !a.issuer().isBlank())
                .toList();
  }

  /**
   * One authorization server (e.g. a Keycloak realm, an EHR's).
   *
   * @param issuer its {@code iss}, exactly as its tokens carry it
   * @param jwksUrl where it publishes its signing keys
   * @param jwks its public keys as a JWKS document, when no URL is reachable
   * @param audiences what its tokens' {@code aud} must name for this server (e.g. this server's
   *     FHIR base URL); at least one
   * @param tokenEndpoint its token endpoint (published for clients)
   * @param authorizationEndpoint its authorization endpoint, if it serves user logins (published)
   * @param patientClaim the claim naming the patient of {@code patient/} scopes (default {@code
   *     patient})
   * @param algorithms the signature algorithms accepted (default RS256, RS384, ES384)
   * @param clockSkew how far clocks may disagree in the {@code exp} and {@code nbf} checks (default
   *     60 s)
   */
  public record AuthorizationServer(
      String issuer,
      URI jwksUrl,
      String jwks,
      List<String> audiences,
      URI tokenEndpoint,
      URI authorizationEndpoint,
      String patientClaim,
      List<String> algorithms,
      Duration clockSkew) {

    public AuthorizationServer {
      jwksUrl = blank(jwksUrl);
      tokenEndpoint = blank(tokenEndpoint);
      authorizationEndpoint = blank(authorizationEndpoint);
      jwks = jwks == null || jwks.isBlank() ? null : jwks;
      clockSkew = clockSkew == null ? Duration.ofSeconds(60) : clockSkew;
      audiences =
          audiences == null
              ? List.of()
              : audiences.stream().filter(a -> a != null && !a.isBlank()).toList();
      algorithms = algorithms == null ? List.of() : List.copyOf(algorithms);
      patientClaim = patientClaim == null || patientClaim.isBlank() ? "patient" : patientClaim;
    }

    AccessTokenVerifier.Issuer verifierIssuer() {
      if (issuer == null || issuer.isBlank()) {
        throw new IllegalStateException(
            "lumbarcds.security.authorization-servers[].issuer is required");
      }
      if (audiences.isEmpty()) {
        throw new IllegalStateException(
            "lumbarcds.security.authorization-servers[] "
                + issuer
                + ": audiences is required (what its tokens' aud names for this server)");
      }
      Set<JWSAlgorithm> accepted =
          algorithms.isEmpty()
              ? AccessTokenVerifier.DEFAULT_ALGORITHMS
              : algorithms.stream().map(JWSAlgorithm::parse).collect(Collectors.toSet());
      try {
        return new AccessTokenVerifier.Issuer(
            issuer,
            AccessTokenVerifier.keys(
                Optional.ofNullable(jwksUrl), Optional.ofNullable(jwks).filter(s -> !s.isBlank())),
            Set.copyOf(audiences),
            accepted,
            patientClaim,
            clockSkew);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(
            "lumbarcds.security.authorization-servers[] " + issuer + ": " + e.getMessage(), e);
      }
    }
  }

  private static URI blank(URI uri) {
    return uri == null || uri.toString().isBlank() ? null : uri;
  }

  /** Whether no authorization server is configured: nothing is checked (loopback only). */
  public boolean open() {
    return authorizationServers.isEmpty();
  }
}
