package org.lumbarcds.server.web;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.lumbarcds.server.cdshooks.CdsHooksProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.server.PathContainer;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;
import org.springframework.web.util.UrlPathHelper;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * CORS for browser clients (CDS Hooks test harnesses, SMART apps) on every JSON API: {@code /fhir}
 * (HAPI's servlet, which Spring MVC's CORS support does not reach), {@code /cds-services}, {@code
 * /dicomweb}, {@code /imaging/index}, {@code /ops/api} and {@code /model/card}, for the configured
 * origins only. One servlet filter, first in the chain: a preflight ({@code OPTIONS} with {@code
 * Access-Control-Request-Method}) is answered here, before any authentication, since browsers send
 * it without credentials; a preflight or request from another origin is refused (403). No cookies
 * are used, so credentials are not allowed: clients send bearer tokens.
 *
 * <p>{@code /cds-services} also admits the origins of the older {@code
 * lumbarcds.cds-hooks.cors-allowed-origins}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CorsProperties.class)
public class CorsConfig {

  private static final PathPatternParser PATTERNS = PathPatternParser.defaultInstance;

  /** Request headers a FHIR or CDS Hooks client sends (conditional and preference headers). */
  static final List<String> HEADERS =
      List.of(
          "Authorization",
          "Content-Type",
          "Accept",
          "Prefer",
          "If-Match",
          "If-None-Match",
          "If-None-Exist",
          "If-Modified-Since",
          "X-Requested-With");

  /** Response headers a client reads: created resources, versions, paging. */
  static final List<String> EXPOSED =
      List.of("Location", "Content-Location", "ETag", "Last-Modified", "Warning");

  @Bean
  FilterRegistrationBean<CorsFilter> corsFilter(CorsProperties cors, CdsHooksProperties cdsHooks) {
    Map<PathPattern, CorsConfiguration> mappings = new LinkedHashMap<>();
    List<String> origins = cors.origins();
    if (!origins.isEmpty()) {
      CorsConfiguration api =
          configuration(origins, "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");
      for (String path :
          List.of("/fhir", "/fhir/**", "/dicomweb/**", "/imaging/index", "/ops/api/**")) {
        mappings.put(PATTERNS.parse(path), api);
      }
      mappings.put(PATTERNS.parse("/model/card"), configuration(origins, "GET", "HEAD"));
    }
    LinkedHashSet<String> cdsOrigins = new LinkedHashSet<>(origins);
    cdsOrigins.addAll(CorsProperties.checked(cdsHooks.corsAllowedOrigins()));
    if (!cdsOrigins.isEmpty()) {
      mappings.put(
          PATTERNS.parse("/cds-services"), configuration(new ArrayList<>(cdsOrigins), "GET"));
      mappings.put(
          PATTERNS.parse("/cds-services/**"),
          configuration(new ArrayList<>(cdsOrigins), "GET", "POST"));
    }
    FilterRegistrationBean<CorsFilter> registration =
        new FilterRegistrationBean<>(new CorsFilter(source(mappings)));
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
    registration.setName("corsFilter");
    return registration;
  }

  /**
   * The configuration for a request's path within the application, decoded and without {@code ;}
   * parameters. Matched on the whole path: {@code /fhir} is a servlet of its own, whose requests
   * Spring's default lookup would see relative to that servlet.
   */
  static CorsConfigurationSource source(Map<PathPattern, CorsConfiguration> mappings) {
    UrlPathHelper paths = new UrlPathHelper();
    paths.setAlwaysUseFullPath(true);
    return request -> {
      PathContainer path = PathContainer.parsePath(paths.getLookupPathForRequest(request));
      return mappings.entrySet().stream()
          .filter(m -> m.getKey().matches(path))
          .map(Map.Entry::getValue)
          .findFirst()
          .orElse(null);
    };
  }

  private static CorsConfiguration configuration(List<String> origins, String... methods) {
    CorsConfiguration configuration = new CorsConfiguration();
    configuration.setAllowedOrigins(origins);
    List<String> allowed = new ArrayList<>(List.of(methods));
    allowed.add("OPTIONS");
    configuration.setAllowedMethods(allowed);
    configuration.setAllowedHeaders(HEADERS);
    configuration.setExposedHeaders(EXPOSED);
    configuration.setAllowCredentials(false);
    configuration.setMaxAge(3600L);
    return configuration;
  }
}
