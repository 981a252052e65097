package org.lumbarcds.server.demo;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.lumbarcds.model.inference.ThreeViewModel;
import org.lumbarcds.server.analysis.AnalysisJobs;
import org.lumbarcds.server.cdshooks.HookCalls;
import org.lumbarcds.server.dicomweb.DicomWebProperties;
import org.lumbarcds.server.dicomweb.StowService;
import org.lumbarcds.server.network.ServerAddress;
import org.lumbarcds.server.security.SecurityProperties;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The landing page's demo: when it may be loaded, and its loader. */
@Configuration(proxyBeanMethods = false)
public class DemoConfig {

  /** The longest wait for the demo's analyses. */
  static final Duration ANALYSIS_TIMEOUT = Duration.ofMinutes(10);

  @Bean
  public DemoMode demoMode(
      DemoProperties demo,
      ServerProperties server,
      SecurityProperties security,
      ServerAddress address) {
    return new DemoMode(demo, Optional.ofNullable(server.getAddress()), security, address);
  }

  @Bean(destroyMethod = "shutdown")
  DemoLoader demoLoader(
      DaoRegistry daos,
      DicomWebProperties dicomWeb,
      StowService stow,
      AnalysisJobs jobs,
      HookCalls calls,
      FhirContext fhir,
      ThreeViewModel model) {
    Clock clock = Clock.systemDefaultZone();
    return new DemoLoader(
        new DemoRecordWriter(daos, dicomWeb.patientSystem(), dicomWeb.accessionSystem(), clock),
        stow,
        new DemoAnalyses(jobs, daos, ANALYSIS_TIMEOUT),
        new DemoOrderSign(calls, fhir),
        model.card(),
        clock);
  }
}
