package org.lumbarcds.server.analysis;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import javax.sql.DataSource;
import org.lumbarcds.cds.ValueSetIndex;
import org.lumbarcds.cds.analysis.StudyAnalyzer;
import org.lumbarcds.cds.imaging.ViewSelector;
import org.lumbarcds.cds.result.AiResultFactory;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.model.inference.ModelException;
import org.lumbarcds.model.inference.ThreeViewModel;
import org.lumbarcds.model.inference.ViewRules;
import org.lumbarcds.server.audit.AuditTrail;
import org.lumbarcds.server.dicomweb.ImageSources;
import org.lumbarcds.server.network.ServerAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/**
 * The analysis: the model (the configured card, else the reference model in the jar), the pipeline,
 * the result store, the job queue and the completion trigger.
 */
@Configuration(proxyBeanMethods = false)
public class AnalysisConfig {

  private static final Logger log = LoggerFactory.getLogger(AnalysisConfig.class);

  static final String REFERENCE_CARD = "lumbar-cds-lss-3view-phantom.card.json";
  private static final String REFERENCE_FOLDER = "/org/lumbarcds/server/analysis/reference/";

  @Bean(destroyMethod = "close")
  ThreeViewModel threeViewModel(
      AnalysisProperties properties, @Value("${lumbarcds.data-dir}") Path dataDir)
      throws ModelException, IOException {
    Path card =
        properties.modelCard().isBlank()
            ? extractReferenceModel(dataDir.resolve("model"))
            : Path.of(properties.modelCard());
    ThreeViewModel model =
        ThreeViewModel.load(
            card,
            new ThreeViewModel.Options(
                properties.predictors(), properties.intraOpThreads(), Duration.ofSeconds(30)));
    log.info(
        "Model {} {} loaded{}",
        model.card().id(),
        model.card().version(),
        model.card().synthetic() ? " (trained on synthetic data: not for clinical use)" : "");
    return model;
  }

  /** Copies the reference model out of the jar (ONNX Runtime loads files), when it differs. */
  static Path extractReferenceModel(Path folder) throws IOException, ModelException {
    Files.createDirectories(folder);
    Path card = copy(REFERENCE_CARD, folder);
    copy(ModelCard.read(card).fileName(), folder);
    return card;
  }

  private static Path copy(String name, Path folder) throws IOException {
    Path target = folder.resolve(name);
    byte[] bytes;
    try (InputStream in = AnalysisConfig.class.getResourceAsStream(REFERENCE_FOLDER + name)) {
      if (in == null) {
        throw new IOException("the reference model is not in the server jar: " + name);
      }
      bytes = in.readAllBytes();
    }
    if (!Files.exists(target) || !Arrays.equals(Files.readAllBytes(target), bytes)) {
      Path temp = Files.createTempFile(folder, name, ".tmp");
      Files.write(temp, bytes);
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    return target;
  }

  @Bean
  ValueSetIndex valueSetIndex(FhirContext fhir) {
    return new ValueSetIndex(fhir);
  }

  @Bean
  StudyAnalyzer studyAnalyzer(ViewRules rules, ThreeViewModel model, ServerAddress address) {
    return new StudyAnalyzer(
        new ViewSelector(rules),
        model,
        new AiResultFactory(),
        () -> address.root() + ModelCardController.PATH);
  }

  @Bean
  FhirResultStore fhirResultStore(DaoRegistry daos, IHapiTransactionService transactions) {
    return new FhirResultStore(daos, transactions);
  }

  @Bean
  OrderAnalysis orderAnalysis(
      DaoRegistry daos,
      ValueSetIndex valueSets,
      ImageSources sources,
      StudyAnalyzer analyzer,
      FhirResultStore store) {
    return new OrderAnalysis(daos, valueSets, sources, analyzer, store);
  }

  @Bean
  TaskMirror taskMirror(DaoRegistry daos, ThreeViewModel model) {
    return new TaskMirror(daos, model.card().version());
  }

  // the job table is created by the project's migrations (db/lumbarcds), run before
  @Bean
  @DependsOnDatabaseInitialization
  AnalysisJobs analysisJobs(
      DataSource dataSource,
      OrderAnalysis analysis,
      TaskMirror mirror,
      AnalysisProperties properties,
      MeterRegistry meters,
      AuditTrail audit) {
    return new AnalysisJobs(dataSource, analysis, mirror, properties, meters, audit);
  }

  @Bean(destroyMethod = "shutdown")
  CompletionTrigger completionTrigger(
      AnalysisJobs jobs,
      OrderAnalysis analysis,
      IInterceptorService interceptors,
      AnalysisProperties properties) {
    CompletionTrigger trigger = new CompletionTrigger(jobs, analysis, properties.triggers());
    interceptors.registerInterceptor(trigger);
    return trigger;
  }

  /** The card of the model in use (served by {@link ModelCardController}). */
  @Bean
  ModelCard modelCard(ThreeViewModel model) {
    return model.card();
  }

  @Bean
  RecoveryAtStart recoveryAtStart(AnalysisJobs jobs, AnalysisProperties properties) {
    return new RecoveryAtStart(jobs, properties.recoveryWindow());
  }

  /**
   * Runs the recovery sweep once the server is ready: what a crash between a write's commit and the
   * queuing of its job left behind (the sweep also runs at an interval, see {@link AnalysisJobs}).
   */
  static final class RecoveryAtStart {
    private final AnalysisJobs jobs;
    private final Duration window;

    RecoveryAtStart(AnalysisJobs jobs, Duration window) {
      this.jobs = jobs;
      this.window = window;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void recover() {
      try {
        jobs.recoverMissed(window, "at start-up");
      } catch (RuntimeException e) {
        // the sweep at an interval tries again
        log.error("The recovery sweep at start-up failed", e);
      }
    }
  }
}
