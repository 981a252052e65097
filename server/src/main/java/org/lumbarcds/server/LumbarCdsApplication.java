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
 * The lumbar-cds server. What it is made of, in one list: HAPI's JPA FHIR R4 storage, the project's
 * FHIR server wiring at {@code /fhir}, the terminology loaded at boot, the embedded DICOMweb store
 * at {@code /dicomweb}, the analysis (model, job queue, completion trigger), and the network
 * exposure check.
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
