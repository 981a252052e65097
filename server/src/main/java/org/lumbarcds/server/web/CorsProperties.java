package org.lumbarcds.server.web;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Browser access ({@code lumbarcds.cors.*}).
 *
 * @param allowedOrigins origins (scheme, host and port, e.g. {@code https://sandbox.cds-hooks.org})
 *     whose pages may call the FHIR API and the server's other JSON APIs; empty: none
 */
@ConfigurationProperties("lumbarcds.cors")
public record CorsProperties(@DefaultValue List<String> allowedOrigins) {

  /** The configured origins without blanks. */
  public List<String> origins() {
    return allowedOrigins.stream().map(String::strip).filter(o -> !o.isEmpty()).toList();
  }
}
