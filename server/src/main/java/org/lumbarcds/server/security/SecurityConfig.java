package org.lumbarcds.server.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.RestfulServer;
import jakarta.servlet.http.HttpServlet;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * The resource server (docs/security.md): with an authorization server configured, the bearer token
 * filter on the paths that reach patient data, HAPI's authorization and search narrowing
 * interceptors on the FHIR API, and the SMART discovery document; in open mode, none of them (and
 * {@link org.lumbarcds.server.network.NetworkExposureCheck} keeps the server on loopback).
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfig {

  private static final Logger log = LoggerFactory.getLogger(SecurityConfig.class);

  /** The verifier of access tokens; empty (verifies nothing) in open mode. */
  @Bean
  AccessTokenVerifier accessTokenVerifier(SecurityProperties properties) {
    AccessTokenVerifier verifier =
        new AccessTokenVerifier(
            properties.authorizationServers().stream()
                .map(SecurityProperties.AuthorizationServer::verifierIssuer)
                .toList(),
            Clock.systemUTC());
    if (properties.open()) {
      log.warn(
          "Security is open: no authorization server is configured (lumbarcds.security), so no"
              + " call to the FHIR API, DICOMweb or operations is authenticated (loopback only)");
    } else {
      log.info(
          "Bearer tokens required from {} authorization server(s) on /fhir, /dicomweb, /imaging,"
              + " /ops/api and /model/card",
          properties.authorizationServers().size());
    }
    return verifier;
  }

  @Bean
  FilterRegistrationBean<ResourceServerFilter> resourceServerFilter(
      SecurityProperties properties, AccessTokenVerifier verifier, FhirContext fhir) {
    FilterRegistrationBean<ResourceServerFilter> registration =
        new FilterRegistrationBean<>(new ResourceServerFilter(verifier, fhir));
    registration.addUrlPatterns(ResourceServerFilter.urlPatterns());
    // after CORS (its headers are on a 401 too), before everything else
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
    registration.setEnabled(!properties.open());
    return registration;
  }

  @Bean
  ServletRegistrationBean<HttpServlet> smartConfiguration(SecurityProperties properties) {
    HttpServlet servlet =
        properties.open()
            ? new HttpServlet() {}
            : new SmartDiscovery(properties.authorizationServers().get(0)).servlet();
    // an exact mapping: the servlet container prefers it to HAPI's /fhir/*
    ServletRegistrationBean<HttpServlet> registration =
        new ServletRegistrationBean<>(servlet, "/fhir/.well-known/smart-configuration");
    registration.setName("smartConfiguration");
    registration.setEnabled(!properties.open());
    return registration;
  }

  /** HAPI's side: scopes per interaction and compartment, narrowing, rest.security. */
  @Bean
  SmartAuthorization smartAuthorization(SecurityProperties properties, RestfulServer fhirServer) {
    SmartAuthorization authorization = new SmartAuthorization();
    if (!properties.open()) {
      fhirServer.registerInterceptor(new SmartAuthorization.Narrowing());
      fhirServer.registerInterceptor(authorization);
      fhirServer.registerInterceptor(new SmartDiscovery(properties.authorizationServers().get(0)));
    }
    return authorization;
  }
}
