package org.lumbarcds.server.fhir;

import java.util.List;
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
 */
@ConfigurationProperties("lumbarcds.fhir")
public record FhirProperties(
    List<String> resourceTypes,
    @DefaultValue("20") int defaultPageSize,
    @DefaultValue("200") int maxPageSize,
    @DefaultValue("true") boolean validateRequests,
    @DefaultValue("false") boolean prettyPrint) {}
