package org.lumbarcds.server.fhir;

import java.util.List;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the FHIR endpoint ({@code lumbarcds.fhir.*}).
 *
 * @param resourceTypes the resource types the server stores and serves
 * @param defaultPageSize search page size when the client gives no {@code _count}
 * @param maxPageSize the largest page a client may ask for
 * @param validateRequests validate created and updated resources against the FHIR R4 core
 *     definitions (required bindings included) and refuse those with errors
 * @param prettyPrint pretty-print responses by default
 * @param publicBaseUrl the FHIR base URL clients use (e.g. behind a reverse proxy); when set, links
 *     in responses use it and absolute references to it are stored as local references. Empty:
 *     links follow each request's own address.
 */
@ConfigurationProperties("lumbarcds.fhir")
public record FhirProperties(
    List<String> resourceTypes,
    @DefaultValue("20") int defaultPageSize,
    @DefaultValue("200") int maxPageSize,
    @DefaultValue("true") boolean validateRequests,
    @DefaultValue("false") boolean prettyPrint,
    String publicBaseUrl) {

  /** The public base URL without a trailing slash, if one is configured. */
  public Optional<String> publicBase() {
    if (publicBaseUrl == null || publicBaseUrl.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(publicBaseUrl.strip().replaceAll("/+$", ""));
  }
}
