package org.lumbarcds.server.web;

import java.util.List;
import java.util.regex.Pattern;
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

  /** The configured origins without blanks, each checked ({@link #checked}). */
  public List<String> origins() {
    return checked(allowedOrigins);
  }

  /**
   * Origins as given, blanks left out; each must be one origin, {@code scheme://host[:port]} (http
   * or https, no path): {@code *} would admit every site's pages to the FHIR API, {@code null}
   * every sandboxed frame and local file, so the server refuses to start with either.
   */
  public static List<String> checked(List<String> origins) {
    List<String> out = origins.stream().map(String::strip).filter(o -> !o.isEmpty()).toList();
    for (String origin : out) {
      if (!ORIGIN.matcher(origin).matches()) {
        throw new IllegalStateException(
            "CORS origin '"
                + origin
                + "' is not one origin (scheme://host[:port], http or https, no path; '*' and"
                + " 'null' are refused)");
      }
    }
    return out;
  }

  private static final Pattern ORIGIN =
      Pattern.compile("https?://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?");
}
