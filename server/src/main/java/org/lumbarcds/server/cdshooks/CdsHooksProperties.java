package org.lumbarcds.server.cdshooks;

import java.net.URI;
import java.time.Period;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * CDS Hooks ({@code lumbarcds.cds-hooks.*}).
 *
 * @param security {@code jwt}: every call carries a client JWT from a trusted issuer (the spec's
 *     rule); {@code open}: no authentication, for local use, refused unless the server listens on
 *     loopback only
 * @param issuers the trusted CDS clients: each {@code iss} with its JWKS URL or its keys (JWKS
 *     JSON)
 * @param corsAllowedOrigins browser origins allowed to call the services (e.g. {@code
 *     https://sandbox.cds-hooks.org}); empty: none
 * @param newResultWindow how long an AI result counts as new for patient-view
 * @param mriLookBack a lumbar MRI this recent makes a new one a duplicate
 * @param symptomDuration symptoms this long count as persistent
 * @param aiResultMaxAge an AI result older than this is stale
 */
@ConfigurationProperties("lumbarcds.cds-hooks")
public record CdsHooksProperties(
    @DefaultValue("jwt") String security,
    @DefaultValue List<Issuer> issuers,
    @DefaultValue List<String> corsAllowedOrigins,
    @DefaultValue("14d") Period newResultWindow,
    @DefaultValue("12m") Period mriLookBack,
    @DefaultValue("6w") Period symptomDuration,
    @DefaultValue("12m") Period aiResultMaxAge) {

  /**
   * A trusted CDS client.
   *
   * @param issuer its {@code iss}
   * @param jwksUrl where it publishes its keys
   * @param jwks its keys, when it publishes none
   * @param fhirServers the FHIR base URLs its calls may name as {@code fhirServer} (https, or
   *     loopback); any other is refused, so that a caller cannot make the server send requests (and
   *     a token) elsewhere
   * @param requireSub refuse this client's tokens without {@code sub} (the specification does not
   *     require it; default {@code false})
   */
  public record Issuer(
      String issuer, URI jwksUrl, String jwks, List<String> fhirServers, boolean requireSub) {
    public Issuer {
      fhirServers = fhirServers == null ? List.of() : List.copyOf(fhirServers);
    }
  }

  public boolean open() {
    return "open".equalsIgnoreCase(security);
  }
}
