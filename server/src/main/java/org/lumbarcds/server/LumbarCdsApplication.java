package org.lumbarcds.server;

import ca.uhn.fhir.batch2.jobs.config.BatchCommonCtx;
import ca.uhn.fhir.batch2.jobs.termcodesystem.TermCodeSystemJobConfig;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import org.lumbarcds.server.analysis.AnalysisConfig;
import org.lumbarcds.server.cdshooks.CdsHooksConfig;
import org.lumbarcds.server.dicomweb.DicomWebConfig;
import org.lumbarcds.server.fhir.FhirServerConfig;
import org.lumbarcds.server.terminology.TerminologyConfig;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * The lumbar-cds server. What it is made of, by package:
 *
 * <ul>
 *   <li>{@code fhir}: HAPI's JPA FHIR R4 storage (imported below, with Batch2 for HAPI's own
 *       terminology jobs) served at {@code /fhir}, with write validation;
 *   <li>{@code storage}: the data folder, and the project's own tables as Flyway migrations ({@code
 *       db/lumbarcds}, run by Spring Boot before anything uses the database);
 *   <li>{@code terminology}: the project's CodeSystems and ValueSets loaded at boot, and a
 *       hospital's terminology server for SNOMED CT subsumption when configured;
 *   <li>{@code dicomweb}: the embedded DICOMweb store at {@code /dicomweb} (STOW-RS, WADO-RS,
 *       QIDO-RS) indexing what it receives as ImagingStudy, the PACS client behind Endpoints, and
 *       {@code /imaging/index};
 *   <li>{@code analysis}: the model, the analysis job queue mirrored as FHIR Tasks, the completion
 *       trigger, and the model card at {@code /model/card};
 *   <li>{@code cdshooks}: the CDS Hooks services at {@code /cds-services} (their decisions live in
 *       the cds-services module), client-JWT security, CORS and feedback;
 *   <li>{@code viewer} and {@code operations}: the viewer page of an AI result ({@code /viewer})
 *       and the operations view ({@code /ops});
 *   <li>{@code landing} and {@code demo}: the landing page at {@code /}, and the demo it loads
 *       inside the server ({@code /demo/api}) where no network reaches the server;
 *   <li>{@code web}: the one error model of the HTTP APIs ({@code ApiErrors});
 *   <li>{@code network}: the server's public address and the network exposure check.
 * </ul>
 */
@SpringBootApplication(
    excludeName = {
      // HAPI brings the Elasticsearch client for Hibernate Search; the project uses neither.
      "org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration",
      "org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration",
      "org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration"
    })
@ConfigurationPropertiesScan
@Import({
  JpaR4Config.class,
  // Batch2 runs HAPI's own terminology jobs (the one job set imported here); its in-memory
  // message broker comes with the channel configuration. No subscription matching or delivery,
  // bulk export/import or reindexing jobs are switched on.
  JpaBatch2Config.class,
  SubscriptionChannelConfig.class,
  BatchCommonCtx.class,
  TermCodeSystemJobConfig.class,
  FhirServerConfig.class,
  TerminologyConfig.class,
  DicomWebConfig.class,
  AnalysisConfig.class,
  CdsHooksConfig.class
})
public class LumbarCdsApplication {

  public static void main(String[] args) {
    SpringApplication.run(LumbarCdsApplication.class, args);
  }
}
