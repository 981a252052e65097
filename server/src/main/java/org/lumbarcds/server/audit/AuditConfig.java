package org.lumbarcds.server.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.storage.interceptor.balp.BalpAuditCaptureInterceptor;
import java.util.List;
import java.util.function.Consumer;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.lumbarcds.server.fhir.FhirProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The audit trail (docs/security.md): HAPI's BALP interceptor on the FHIR API, {@link AuditFilter}
 * on the other paths to patient data, both writing through one {@link AuditTrail} into this
 * server's audit tables ({@link AuditEventStore}) or a configured audit record repository.
 */
@Configuration(proxyBeanMethods = false)
public class AuditConfig {

  private static final Logger log = LoggerFactory.getLogger(AuditConfig.class);

  @Bean
  AuditEventStore auditEventStore(JdbcTemplate jdbc, FhirContext fhir) {
    return new AuditEventStore(jdbc, fhir);
  }

  @Bean(destroyMethod = "close")
  AuditTrail auditTrail(
      AuditProperties properties,
      FhirProperties fhirProperties,
      FhirContext fhir,
      AuditEventStore store) {
    Consumer<List<AuditEvent>> writer;
    if (properties.repositoryUrl() != null) {
      writer = repository(fhir, properties.repositoryUrl().toString());
      log.info("Audit events are sent to the audit record repository configured");
    } else {
      // the server's own tables, served at /fhir/AuditEvent (AuditEventStore)
      writer = store::write;
    }
    String observer = fhirProperties.publicBase().orElse("lumbar-cds");
    AuditTrail trail =
        new AuditTrail(
            writer,
            properties.queueCapacity(),
            properties.batchSize(),
            observer,
            properties.linger());
    if (properties.enabled()) {
      store.recordingTo(trail);
    }
    return trail;
  }

  /**
   * Sends each batch to an audit record repository as one transaction Bundle; a failure (the
   * repository away, a 5xx) is thrown, and the trail retries the batch.
   */
  static Consumer<List<AuditEvent>> repository(FhirContext fhir, String baseUrl) {
    // no CapabilityStatement fetched first: the repository is written to, as configured
    fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    IGenericClient client = fhir.newRestfulGenericClient(baseUrl);
    return batch -> client.transaction().withBundle(bundle(batch)).execute();
  }

  private static Bundle bundle(List<AuditEvent> batch) {
    Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (AuditEvent event : batch) {
      bundle
          .addEntry()
          .setResource(event)
          .getRequest()
          .setMethod(Bundle.HTTPVerb.POST)
          .setUrl("AuditEvent");
    }
    return bundle;
  }

  @Bean
  FilterRegistrationBean<AuditFilter> auditFilter(AuditProperties properties, AuditTrail trail) {
    FilterRegistrationBean<AuditFilter> registration =
        new FilterRegistrationBean<>(new AuditFilter(trail));
    registration.addUrlPatterns(AuditFilter.urlPatterns());
    // after CORS, around the token checks (their refusals are recorded)
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 15);
    registration.setEnabled(properties.enabled());
    return registration;
  }

  /** The trail at /fhir/AuditEvent, HAPI's BALP interceptor on the FHIR API, $everything. */
  @Bean
  AuditedFhirApi auditedFhirApi(
      AuditProperties properties,
      AuditTrail trail,
      RestfulServer fhirServer,
      AuditEventStore store) {
    AuditedFhirApi api = new AuditedFhirApi(trail);
    if (properties.repositoryUrl() == null) {
      // the trail at /fhir/AuditEvent (also with recording off: what was recorded stays readable)
      fhirServer.registerProvider(store);
    }
    if (properties.enabled()) {
      fhirServer.registerInterceptor(api);
      // on the REST server only: the server's own reads and writes (SystemRequestDetails) are not
      // a client's access, and the trail's own writes are never audited
      fhirServer.registerInterceptor(
          new BalpAuditCaptureInterceptor(
              trail, new BalpContext(properties.repositoryUrl() == null)));
    } else {
      log.warn("The audit trail is off (lumbarcds.audit.enabled=false): no access is recorded");
    }
    return api;
  }
}
