package org.lumbarcds.server.analysis;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The analysis jobs ({@code lumbarcds.analysis.*}).
 *
 * @param modelCard the model card (its ONNX file beside it); empty: the reference model in the
 *     server jar (trained on synthetic phantoms)
 * @param predictors model instances run in parallel
 * @param intraOpThreads ONNX Runtime threads per inference
 * @param workers analysis jobs run at once by this server instance
 * @param maxAttempts tries per job before it is recorded as failed
 * @param firstRetryDelay the wait before the second try; it doubles with each try
 * @param maxRetryDelay the longest wait between tries
 * @param pollingInterval how often the queue is polled for due jobs (jobs queued by this instance
 *     start at once)
 * @param heartbeatInterval how often a running job reports it is alive; a job whose server stopped
 *     reporting for {@code missedHeartbeats} intervals is taken over by another (or the restarted)
 *     instance
 * @param missedHeartbeats see heartbeatInterval (at least 4)
 * @param triggers what queues an analysis: {@code order-completed} (a lumbar radiograph order
 *     written as completed) and {@code study-available} (an available ImagingStudy based on such an
 *     order holds its three views); empty: nothing (analyses run only through the order-complete
 *     hook). A site whose modalities mark studies available before every view has arrived may keep
 *     order-completed only.
 * @param recoveryInterval how often the recovery sweep looks for completed orders (and, with the
 *     study-available trigger, available three-view studies) that have neither a settled Task nor a
 *     queued job, and queues their analysis: a trigger lost to a crash between a write's commit and
 *     the queuing of its job. It also runs once at start-up; one instance runs it at a time.
 * @param recoveryWindow how far back (by last update) the sweep looks
 */
@ConfigurationProperties("lumbarcds.analysis")
public record AnalysisProperties(
    @DefaultValue("") String modelCard,
    @DefaultValue("2") int predictors,
    @DefaultValue("1") int intraOpThreads,
    @DefaultValue("2") int workers,
    @DefaultValue("6") int maxAttempts,
    @DefaultValue("30s") Duration firstRetryDelay,
    @DefaultValue("30m") Duration maxRetryDelay,
    @DefaultValue("5s") Duration pollingInterval,
    @DefaultValue("10s") Duration heartbeatInterval,
    @DefaultValue("6") int missedHeartbeats,
    @DefaultValue({"order-completed", "study-available"}) List<String> triggers,
    @DefaultValue("5m") Duration recoveryInterval,
    @DefaultValue("3d") Duration recoveryWindow) {

  public static final String ORDER_COMPLETED = "order-completed";
  public static final String STUDY_AVAILABLE = "study-available";

  public AnalysisProperties {
    triggers =
        triggers == null
            ? List.of()
            : triggers.stream().map(String::strip).filter(t -> !t.isEmpty()).toList();
    if (recoveryInterval == null || recoveryInterval.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("lumbarcds.analysis.recovery-interval: at least 1s");
    }
    if (recoveryWindow == null || recoveryWindow.compareTo(recoveryInterval) < 0) {
      throw new IllegalArgumentException(
          "lumbarcds.analysis.recovery-window: at least the recovery interval");
    }
    for (String t : triggers) {
      if (!t.equals(ORDER_COMPLETED) && !t.equals(STUDY_AVAILABLE)) {
        throw new IllegalArgumentException(
            "lumbarcds.analysis.triggers: " + t + " is not order-completed or study-available");
      }
    }
  }
}
