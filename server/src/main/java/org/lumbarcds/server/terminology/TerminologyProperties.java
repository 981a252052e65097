package org.lumbarcds.server.terminology;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The FHIR terminology server the advice asks about SNOMED CT codes it does not ship ({@code
 * lumbarcds.terminology.*}).
 *
 * @param serverUrl the terminology server's FHIR base URL (Ontoserver, Snowstorm, HAPI FHIR);
 *     empty: none, only the shipped lists of verified descendants are used
 * @param authorization the {@code Authorization} header sent to it (e.g. {@code Bearer …}); empty:
 *     none
 * @param timeout the longest wait for one answer; a slower answer counts as "could not be checked"
 * @param cacheTtl how long an answer is kept
 */
@ConfigurationProperties("lumbarcds.terminology")
public record TerminologyProperties(
    @DefaultValue("") String serverUrl,
    @DefaultValue("") String authorization,
    @DefaultValue("2s") Duration timeout,
    @DefaultValue("24h") Duration cacheTtl) {}
