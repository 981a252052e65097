package org.lumbarcds.server.web;

import org.apache.catalina.core.StandardHost;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * No default error page anywhere: Spring Boot's Whitelabel page is replaced by {@link
 * ErrorEndpoint} ({@code server.error.whitelabel.enabled: false}) and Tomcat's HTML report, given
 * for what it refuses before any servlet runs, by {@link JsonErrorReportValve}.
 */
@Configuration(proxyBeanMethods = false)
public class ErrorPagesConfig {

  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonErrorReports() {
    return factory ->
        factory.addContextCustomizers(
            context -> {
              if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(JsonErrorReportValve.class.getName());
              }
            });
  }
}
