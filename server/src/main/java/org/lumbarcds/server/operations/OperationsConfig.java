package org.lumbarcds.server.operations;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.time.Clock;
import org.lumbarcds.cds.hooks.MriAdviceHooks;
import org.lumbarcds.model.inference.ThreeViewModel;
import org.lumbarcds.server.cdshooks.FeedbackStore;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** The operations view's figures. */
@Configuration(proxyBeanMethods = false)
public class OperationsConfig {

  @Bean
  OperationsService operationsService(
      DaoRegistry daos,
      JdbcTemplate jdbc,
      FeedbackStore feedback,
      ThreeViewModel model,
      MriAdviceHooks hooks) {
    return new OperationsService(
        daos, jdbc, feedback, model.card(), Clock.systemUTC(), hooks::foreignResultsIgnored);
  }
}
