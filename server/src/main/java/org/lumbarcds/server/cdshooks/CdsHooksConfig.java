package org.lumbarcds.server.cdshooks;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import jakarta.validation.Validator;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.ValueSetIndex;
import org.lumbarcds.cds.advice.MriAdviceRules;
import org.lumbarcds.cds.analysis.AnalysisException;
import org.lumbarcds.cds.hooks.CardFactory;
import org.lumbarcds.cds.hooks.CdsServices;
import org.lumbarcds.cds.hooks.ClinicalFacts;
import org.lumbarcds.cds.hooks.MriAdviceHooks;
import org.lumbarcds.cds.hooks.Subsumption;
import org.lumbarcds.cds.hooks.TriggerFinder;
import org.lumbarcds.model.inference.ThreeViewModel;
import org.lumbarcds.server.analysis.OrderAnalysis;
import org.lumbarcds.server.network.ServerAddress;
import org.lumbarcds.server.viewer.ViewerLinks;
import org.lumbarcds.terminology.ClinicalTriggers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** The CDS Hooks services, their security (client JWT or open on loopback) and CORS. */
@Configuration(proxyBeanMethods = false)
public class CdsHooksConfig {

  private static final Logger log = LoggerFactory.getLogger(CdsHooksConfig.class);

  @Bean
  MriAdviceHooks mriAdviceHooks(
      ValueSetIndex valueSets,
      ThreeViewModel model,
      CdsHooksProperties properties,
      ServerAddress address,
      FhirContext fhir,
      DaoRegistry daos,
      Subsumption subsumption) {
    Clock clock = Clock.systemDefaultZone();
    var card = model.card();
    ClinicalFacts facts =
        new ClinicalFacts(
            valueSets,
            ClinicalFacts.ModelInUse.of(card),
            clock.getZone(),
            new TriggerFinder(
                ClinicalTriggers.load(),
                subsumption,
                clock.getZone(),
                ClinicalFacts.knownNonTriggers(valueSets)),
            new StudyPatients(daos, address)::patientOf);
    MriAdviceRules rules =
        new MriAdviceRules(
            new MriAdviceRules.Settings(
                properties.mriLookBack(),
                properties.symptomDuration(),
                properties.aiResultMaxAge()));
    CardFactory cards =
        new CardFactory(
            card,
            () -> address.root() + "/model/card",
            id -> address.root() + ViewerLinks.PATH + id,
            fhir);
    return new MriAdviceHooks(valueSets, facts, rules, cards, clock, properties.newResultWindow());
  }

  @Bean
  RecordCache recordCache(JdbcTemplate jdbc, FhirContext fhir, IInterceptorService interceptors) {
    RecordCache cache = new RecordCache(jdbc, fhir, 200_000);
    interceptors.registerInterceptor(cache);
    return cache;
  }

  @Bean
  RecordResolver recordResolver(
      FhirContext fhir,
      DaoRegistry daos,
      MatchUrlService matchUrls,
      RecordCache cache,
      EhrFhirServers ehrServers) {
    // a bad key stops the start, not a hook call
    var clients = ehrServers.clients(java.time.Duration.ofSeconds(10));
    return new RecordResolver(
        fhir, daos, matchUrls, cache, base -> EhrFhirServers.find(clients, base));
  }

  @Bean
  CdsServices cdsServices(
      MriAdviceHooks hooks,
      RecordResolver records,
      OrderAnalysis analysis,
      Validator validator,
      FhirContext fhir) {
    CdsServices.OrderAnalyses analyses =
        new CdsServices.OrderAnalyses() {
          @Override
          public Optional<ServiceRequest> order(String orderId) {
            return analysis.order(orderId);
          }

          @Override
          public Observation analyze(String orderId, Optional<String> imagingStudyId)
              throws AnalysisException {
            return analysis.analyze(orderId, imagingStudyId).outcome().observation();
          }
        };
    return new CdsServices(hooks, records, analyses, validator, fhir);
  }

  @Bean
  HookCalls hookCalls(
      CdsServices services,
      FeedbackStore feedback,
      ViewerLinks viewerLinks,
      ServerAddress address) {
    return new HookCalls(services, feedback, viewerLinks, address);
  }

  @Bean
  FhirServerPolicy fhirServerPolicy(CdsHooksProperties properties) {
    return new FhirServerPolicy(properties);
  }

  @Bean
  FeedbackStore feedbackStore(JdbcTemplate jdbc) {
    return new FeedbackStore(jdbc);
  }

  @Bean
  FilterRegistrationBean<CdsHooksSecurityFilter> cdsHooksSecurityFilter(
      CdsHooksProperties properties,
      ServerProperties server,
      ServerAddress address,
      JdbcTemplate jdbc) {
    Optional<ClientJwtVerifier> verifier;
    if (properties.open()) {
      if (server.getAddress() == null || !server.getAddress().isLoopbackAddress()) {
        throw new IllegalStateException(
            "lumbarcds.cds-hooks.security=open is for local use: the server must listen on"
                + " loopback only (LUMBARCDS_BIND_ADDRESS=127.0.0.1)");
      }
      log.warn("CDS Hooks security is open: calls are not authenticated (loopback only)");
      verifier = Optional.empty();
    } else if ("jwt".equalsIgnoreCase(properties.security())) {
      List<ClientJwtVerifier.TrustedIssuer> issuers =
          properties.issuers().stream()
              .map(
                  i ->
                      new ClientJwtVerifier.TrustedIssuer(
                          i.issuer(),
                          Optional.ofNullable(i.jwksUrl()),
                          Optional.ofNullable(i.jwks()).filter(s -> !s.isBlank()),
                          i.requireSub()))
              .toList();
      if (issuers.isEmpty()) {
        log.warn(
            "No CDS client is trusted (lumbarcds.cds-hooks.issuers): every CDS Hooks call is"
                + " refused");
      }
      // each token accepted once across every instance on the database (not once per instance)
      verifier =
          Optional.of(
              new ClientJwtVerifier(
                  issuers, Clock.systemUTC(), new SharedReplayGuard(jdbc, Clock.systemUTC())));
    } else {
      throw new IllegalStateException(
          "lumbarcds.cds-hooks.security must be jwt or open, not " + properties.security());
    }
    FilterRegistrationBean<CdsHooksSecurityFilter> registration =
        new FilterRegistrationBean<>(new CdsHooksSecurityFilter(verifier, address::root));
    registration.addUrlPatterns("/cds-services", "/cds-services/*");
    return registration;
  }
}
