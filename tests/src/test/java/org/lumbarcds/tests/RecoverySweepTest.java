package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;

/**
 * The recovery sweep finds the analyses a crash lost between a write's commit and the queuing of
 * its job (the completion trigger queues after commit, so such a crash leaves a completed order
 * with no job). The lost trigger is reproduced by taking the trigger out of the server: the order
 * and its study are written as usual, and no job is queued.
 */
class RecoverySweepTest {

  private static final String[] SETTINGS = {
    "--lumbarcds.analysis.polling-interval=1s", "--lumbarcds.fhir.validate-requests=false"
  };

  /** A study stored and its order completed on a server whose completion trigger is gone. */
  private static IIdType completedWithoutTrigger(StandaloneServer server) throws Exception {
    server.bean(IInterceptorService.class).unregisterInterceptor(server.bean("completionTrigger"));
    PhantomStudy study =
        PhantomStudy.copy("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    var client = server.client();
    IIdType order = AnalysisStoryTest.order(client, study).order();
    study.stow(HttpClient.newHttpClient(), server.port());
    AnalysisStoryTest.complete(client, order, null);
    return order;
  }

  @Test
  void theSweepAtAnIntervalQueuesALostAnalysisOnceAndOnlyOnce() throws Exception {
    String[] settings = {SETTINGS[0], SETTINGS[1], "--lumbarcds.analysis.recovery-interval=2s"};
    try (StandaloneServer server = new StandaloneServer(ServerTestBase.newDataDir(), settings)) {
      IIdType order = completedWithoutTrigger(server);
      var client = server.client();
      Task done = AnalysisRecords.awaitTask(client, order, Task.TaskStatus.COMPLETED);
      assertThat(AnalysisRecords.results(client, order)).hasSize(1);
      // later sweeps (every 2 s) find the order settled: no second job, no second result
      await()
          .during(Duration.ofSeconds(7))
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  AnalysisRecords.results(client, order).size() == 1
                      && AnalysisRecords.task(client, order)
                          .orElseThrow()
                          .getMeta()
                          .getVersionId()
                          .equals(done.getMeta().getVersionId()));
    }
  }

  @Test
  void theSweepAtStartUpQueuesWhatTheLastRunLost() throws Exception {
    Path dataDir = ServerTestBase.newDataDir();
    // an interval longer than the test: only the start-up sweep can find the order
    String[] settings = {SETTINGS[0], SETTINGS[1], "--lumbarcds.analysis.recovery-interval=1h"};
    IIdType order;
    try (StandaloneServer first = new StandaloneServer(dataDir, settings)) {
      order = completedWithoutTrigger(first);
      IIdType written = order;
      await("no job was queued")
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(5))
          .until(() -> AnalysisRecords.task(first.client(), written).isEmpty());
    }
    try (StandaloneServer second = new StandaloneServer(dataDir, settings)) {
      var client = second.client();
      AnalysisRecords.awaitTask(client, order, Task.TaskStatus.COMPLETED);
      assertThat(AnalysisRecords.results(client, order)).hasSize(1);
    }
  }
}
