package org.lumbarcds.server.terminology;

import ca.uhn.fhir.context.FhirContext;
import java.util.Optional;
import org.lumbarcds.cds.hooks.Subsumption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Loads the project's CodeSystem and ValueSets into the FHIR store at boot, and connects the
 * terminology server the advice asks about SNOMED CT codes it does not ship (none by default).
 */
@Configuration(proxyBeanMethods = false)
@Import(TerminologyLoader.class)
@EnableConfigurationProperties(TerminologyProperties.class)
public class TerminologyConfig {

  private static final Logger log = LoggerFactory.getLogger(TerminologyConfig.class);

  @Bean
  Subsumption subsumption(TerminologyProperties properties, FhirContext fhir) {
    if (properties.serverUrl().isBlank()) {
      log.info("No terminology server: SNOMED CT codes are matched against the shipped lists only");
      return Subsumption.none();
    }
    log.info("SNOMED CT subsumption from the terminology server {}", properties.serverUrl());
    return new TerminologyServerSubsumption(
        properties.serverUrl(),
        Optional.of(properties.authorization()).filter(a -> !a.isBlank()),
        properties.timeout(),
        properties.cacheTtl(),
        fhir);
  }
}
