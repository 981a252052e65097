package org.lumbarcds.server.viewer;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import java.time.Clock;
import org.lumbarcds.cds.analysis.StudyAnalyzer;
import org.lumbarcds.model.inference.ThreeViewModel;
import org.lumbarcds.server.analysis.OrderAnalysis;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** The viewer page, its API and the tokens of its links. */
@Configuration(proxyBeanMethods = false)
public class ViewerConfig {

  @Bean
  public ViewerLinks viewerLinks(
      JdbcTemplate jdbc, ViewerProperties properties, ViewerService viewer) {
    return new ViewerLinks(
        new LinkTokens(jdbc, properties.linkLifetime(), Clock.systemUTC()), viewer::subject);
  }

  @Bean
  ViewerService viewerService(
      DaoRegistry daos,
      IHapiTransactionService transactions,
      OrderAnalysis analysis,
      ThreeViewModel model,
      ViewerProperties properties) {
    ViewerService service =
        new ViewerService(
            daos,
            transactions,
            analysis,
            model.card(),
            Clock.systemUTC(),
            properties.cachedResults(),
            ViewerService.preparingExecutor());
    if (properties.prepareOnWrite()) {
      // each result written with a probability: its page's images made ready for the first
      // opening, unless other analyses are running (they keep the CPU; its page reads the study)
      StudyAnalyzer analyzer = analysis.analyzer();
      analyzer.onWritten(
          (stored, images, heatmaps) -> {
            if (analyzer.analysesInProgress() <= 1) {
              service.prepare(stored, images, heatmaps);
            }
          });
    }
    return service;
  }
}
