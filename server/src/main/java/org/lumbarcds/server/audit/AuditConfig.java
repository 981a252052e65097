package org.lumbarcds.server.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.dao.data.IResourceLinkDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.client.api.IGenericClient;
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

/**
 * The audit trail (docs/security.md): HAPI's BALP interceptor on the FHIR API, {@link AuditFilter}
 * on the other paths to patient data, both writing through one {@link AuditTrail} into this
 * server's FHIR store or a configured audit record repository.
 */
@Configuration(proxyBeanMethods = false)
public class AuditConfig {

  private static final Logger log = LoggerFactory.getLogger(AuditConfig.class);

  @Bean(destroyMethod = "close")
  AuditTrail auditTrail(
      AuditProperties properties,
      FhirProperties fhirProperties,
      FhirContext fhir,
      IFhirSystemDao<Bundle, ?> systemDao) {
    Consumer<List<AuditEvent>> writer;
    if (properties.repositoryUrl() != null) {
      IGenericClient client = fhir.newRestfulGenericClient(properties.repositoryUrl().toString());
      writer = batch -> client.transaction().withBundle(bundle(batch)).execute();
      log.info("Audit events are sent to the audit record repository configured");
    } else {
      // internal writes: no REST interceptor (authorization, BALP) sees them, so writing the trail
      // never audits itself
      writer = batch -> systemDao.transaction(new SystemRequestDetails(), bundle(batch));
    }
    String observer = fhirProperties.publicBase().orElse("lumbar-cds");
    return new AuditTrail(writer, properties.queueCapacity(), properties.batchSize(), observer);
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

  /** On every delete (a storage hook): AuditEvents naming the resource do not stop it. */
  @Bean
  AuditEventsDoNotBlockDeletes auditEventsDoNotBlockDeletes(
      IInterceptorService interceptors, IResourceLinkDao links) {
    AuditEventsDoNotBlockDeletes hook = new AuditEventsDoNotBlockDeletes(links);
    interceptors.registerInterceptor(hook);
    return hook;
  }

  /** HAPI's BALP interceptor on the FHIR API, and AuditEvents kept out of $everything. */
  @Bean
  AuditedFhirApi auditedFhirApi(
      AuditProperties properties, AuditTrail trail, RestfulServer fhirServer) {
    AuditedFhirApi api = new AuditedFhirApi(trail, properties.enabled());
    fhirServer.registerInterceptor(api);
    if (properties.enabled()) {
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
