package org.lumbarcds.server.analysis;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.logging.LogLevel;
import com.github.kagkarlsson.scheduler.serializer.JacksonSerializer;
import com.github.kagkarlsson.scheduler.task.DeadExecutionHandler;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionOperations;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.lumbarcds.cds.analysis.AnalysisException;
import org.lumbarcds.server.audit.Activity;
import org.lumbarcds.server.audit.AuditTrail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The persistent queue of analysis jobs, on db-scheduler: one table ({@code lcds_scheduled_tasks})
 * in the server's database, so that queued and running jobs survive a restart and several server
 * instances sharing the database run each job once (a job is picked with an optimistic lock). One
 * job per order: its id is the order's id, and queuing an order that is already queued is a no-op.
 * A try that fails for a reason that may pass (PACS unreachable, images not there yet, model busy)
 * is retried with exponential backoff up to {@code max-attempts} tries; a job whose server died is
 * taken over once its heartbeats stop. Every state is mirrored to a FHIR Task ({@link TaskMirror}).
 */
public class AnalysisJobs implements SmartLifecycle {

  public static final String TASK_NAME = "lss-analysis";
  public static final String TABLE = "lcds_scheduled_tasks";

  /** The recurring recovery sweep ({@link #recoverMissed}), run by one instance at a time. */
  public static final String SWEEP_TASK_NAME = "lss-analysis-recovery";

  /** The counter of finished jobs, by outcome. */
  public static final String JOBS_METRIC = "lumbarcds.analysis.jobs";

  private static final Logger log = LoggerFactory.getLogger(AnalysisJobs.class);

  /** A try that failed for a reason that may pass. */
  static final class RetryableFailure extends RuntimeException {
    RetryableFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final OrderAnalysis analysis;
  private final TaskMirror mirror;
  private final AnalysisProperties properties;
  private final OneTimeTask<String> task;
  private final Scheduler scheduler;
  private final MeterRegistry meters;
  private final AuditTrail audit;
  private volatile boolean running;

  AnalysisJobs(
      DataSource dataSource,
      OrderAnalysis analysis,
      TaskMirror mirror,
      AnalysisProperties properties,
      MeterRegistry meters,
      AuditTrail audit) {
    this.analysis = analysis;
    this.audit = audit;
    this.meters = meters;
    this.mirror = mirror;
    this.properties = properties;
    this.task =
        Tasks.oneTime(TASK_NAME, String.class)
            .onFailure(this::onFailure)
            .onDeadExecution(
                (complete, operations) -> {
                  // picked by a server that stopped sending heartbeats (crashed, or cut off)
                  log.warn(
                      "Analysis job taken over: its server stopped sending heartbeats (was {})",
                      complete.getExecution().pickedBy);
                  new DeadExecutionHandler.ReviveDeadExecution<String>()
                      .deadExecution(complete, operations);
                })
            .execute(
                (instance, context) ->
                    run(instance.getId(), context.getExecution().consecutiveFailures + 1));
    RecurringTask<Void> sweep =
        Tasks.recurring(SWEEP_TASK_NAME, Schedules.fixedDelay(properties.recoveryInterval()))
            .execute(
                (instance, context) ->
                    recoverMissed(properties.recoveryWindow(), "at an interval"));
    this.scheduler =
        Scheduler.create(dataSource, task)
            .startTasks(sweep)
            .tableName(TABLE)
            .threads(properties.workers())
            .pollingInterval(properties.pollingInterval())
            .heartbeatInterval(properties.heartbeatInterval())
            .missedHeartbeatsLimit(properties.missedHeartbeats())
            .enableImmediateExecution()
            .serializer(new JacksonSerializer())
            .shutdownMaxWait(Duration.ofSeconds(10))
            .failureLogging(LogLevel.DEBUG, false)
            .build();
  }

  /**
   * Queues the analysis of an order (after the write that triggered it has committed).
   *
   * @return false when a job for the order was already queued or running
   */
  public boolean enqueue(String orderId, Optional<Reference> patient, String trigger) {
    mirror.queued(orderId, patient);
    boolean queued = scheduler.scheduleIfNotExists(task.instance(orderId, trigger), Instant.now());
    log.info("Analysis job {} ({})", queued ? "queued" : "already queued", trigger);
    log.debug("Analysis job for order {}: {}", orderId, queued ? "queued" : "already queued");
    return queued;
  }

  /** Whether a job for the order is queued or running now. */
  public boolean pending(String orderId) {
    return scheduler.getScheduledExecution(task.instance(orderId)).isPresent();
  }

  /**
   * The Task mirroring the order's job for the model in use, if there is one: {@code completed}
   * with the result as its output, {@code failed} with the reason, else still to run.
   */
  public Optional<Task> task(String orderId) {
    return mirror.find(orderId);
  }

  /**
   * The recovery sweep: queues the analysis of each lumbar radiograph order of the last {@code
   * window} that a trigger would have queued (written as completed; with the study-available
   * trigger, the order of an available ImagingStudy holding its three views) and that has neither a
   * settled Task for the model in use (completed or failed) nor a queued or running job: a trigger
   * lost when a server stopped between a write's commit and the queuing of its job. Harmless when
   * nothing was lost: a job finds the stored result (one per study and model version).
   *
   * @return how many were queued
   */
  int recoverMissed(Duration window, String when) {
    Date since = Date.from(Instant.now().minus(window));
    Map<String, ServiceRequest> candidates = new LinkedHashMap<>();
    if (properties.triggers().contains(AnalysisProperties.ORDER_COMPLETED)) {
      for (ServiceRequest order : analysis.completedOrdersSince(since)) {
        candidates.put(order.getIdElement().getIdPart(), order);
      }
    }
    if (properties.triggers().contains(AnalysisProperties.STUDY_AVAILABLE)) {
      for (ImagingStudy study : analysis.availableStudiesSince(since)) {
        if (!CompletionTrigger.holdsThreeViews(study)) {
          continue;
        }
        for (Reference basedOn : study.getBasedOn()) {
          if ("ServiceRequest".equals(basedOn.getReferenceElement().getResourceType())) {
            String orderId = basedOn.getReferenceElement().getIdPart();
            if (!candidates.containsKey(orderId)) {
              analysis
                  .order(orderId)
                  .filter(analysis::isLumbarRadiographOrder)
                  .ifPresent(o -> candidates.put(orderId, o));
            }
          }
        }
      }
    }
    int queued = 0;
    for (Map.Entry<String, ServiceRequest> candidate : candidates.entrySet()) {
      String orderId = candidate.getKey();
      boolean settled =
          mirror
              .find(orderId)
              .map(
                  t ->
                      t.getStatus() == Task.TaskStatus.COMPLETED
                          || t.getStatus() == Task.TaskStatus.FAILED)
              .orElse(false);
      if (!settled && !pending(orderId)) {
        ServiceRequest order = candidate.getValue();
        Optional<Reference> patient =
            "Patient".equals(order.getSubject().getReferenceElement().getResourceType())
                ? Optional.of(new Reference(order.getSubject().getReference()))
                : Optional.empty();
        if (enqueue(orderId, patient, "recovered " + when)) {
          queued++;
        }
      }
    }
    if (queued > 0) {
      log.warn(
          "Recovery sweep ({}): {} analysis job(s) queued for orders that had none", when, queued);
    } else {
      log.debug("Recovery sweep ({}): {} order(s) checked, none missed", when, candidates.size());
    }
    return queued;
  }

  private void run(String orderId, int attempt) {
    // a repeated trigger of an analysed order leaves its completed Task as it is, unless the
    // analysis gives another result (e.g. a new study for the order)
    boolean settled =
        mirror.find(orderId).map(t -> t.getStatus() == Task.TaskStatus.COMPLETED).orElse(false);
    if (!settled) {
      mirror.running(orderId, Optional.empty(), attempt, properties.maxAttempts());
    }
    OrderAnalysis.Result result;
    try {
      result = analysis.analyze(orderId);
    } catch (AnalysisException e) {
      if (e.retryable()) {
        throw new RetryableFailure(e.getMessage(), e);
      }
      log.warn("Analysis job failed: {}", e.getMessage());
      log.debug("Analysis job for order {} failed", orderId);
      mirror.failed(orderId, e.getMessage());
      audited(orderId, Optional.empty(), AuditEvent.AuditEventOutcome._4);
      finished("failed");
      return;
    }
    if (result.outcome().created()) {
      audited(orderId, Optional.of(result), AuditEvent.AuditEventOutcome._0);
    }
    mirror.completed(orderId, Optional.of(result.patient()), result.outcome().reference());
    log.info("Analysis job done: result {}", result.outcome().created() ? "stored" : "reused");
    finished(result.outcome().created() ? "stored" : "reused");
    log.debug("Analysis job for order {} done", orderId);
  }

  /** The analysis in the audit trail: the worker read the patient's radiographs and wrote. */
  private void audited(
      String orderId, Optional<OrderAnalysis.Result> result, AuditEvent.AuditEventOutcome outcome) {
    List<String> entities = new ArrayList<>();
    entities.add("ServiceRequest/" + orderId);
    result.ifPresent(
        r -> {
          entities.add(r.study().getReference());
          entities.add(r.outcome().reference().getReference());
        });
    audit.record(
        Activity.ANALYSIS,
        AuditTrail.Actor.server("lumbar-cds analysis worker"),
        outcome,
        result.map(r -> List.of(r.patient().getReference())).orElse(List.of()),
        entities,
        Optional.empty());
  }

  private void onFailure(ExecutionComplete complete, ExecutionOperations<String> operations) {
    String orderId = complete.getExecution().taskInstance.getId();
    int attempt = complete.getExecution().consecutiveFailures + 1;
    String reason =
        complete
            .getCause()
            .map(
                c ->
                    c instanceof RetryableFailure
                        ? c.getMessage()
                        : "unexpected error (" + c.getClass().getSimpleName() + ")")
            .orElse("unknown");
    if (!(complete.getCause().orElse(null) instanceof RetryableFailure)) {
      log.error("Analysis job failed unexpectedly", complete.getCause().get());
    }
    if (attempt >= properties.maxAttempts()) {
      log.warn("Analysis job failed after {} tries: {}", attempt, reason);
      mirror.failed(orderId, reason + " (after " + attempt + " tries)");
      finished("failed");
      operations.stop();
      return;
    }
    Duration wait = backoff(attempt);
    Instant next = complete.getTimeDone().plus(wait);
    log.info(
        "Analysis job: try {} of {} failed, next in {} s",
        attempt,
        properties.maxAttempts(),
        wait.toSeconds());
    mirror.retrying(orderId, attempt, properties.maxAttempts(), reason, next);
    operations.reschedule(complete, next);
  }

  /** The wait after the n-th failed try: first-retry-delay doubled (n - 1) times, capped. */
  Duration backoff(int failedTries) {
    Duration wait = properties.firstRetryDelay();
    for (int i = 1; i < failedTries && wait.compareTo(properties.maxRetryDelay()) < 0; i++) {
      wait = wait.multipliedBy(2);
    }
    return wait.compareTo(properties.maxRetryDelay()) > 0 ? properties.maxRetryDelay() : wait;
  }

  /**
   * Counts a finished job by its outcome ({@code lumbarcds.analysis.jobs}, tag {@code outcome}:
   * stored, reused, failed), at {@code /actuator/metrics} where metrics are exposed.
   */
  private void finished(String outcome) {
    meters.counter(JOBS_METRIC, "outcome", outcome).increment();
  }

  // Started after HAPI and the web server (phase), stopped before them.
  @Override
  public void start() {
    scheduler.start();
    running = true;
  }

  @Override
  public void stop() {
    scheduler.stop();
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return Integer.MAX_VALUE - 10;
  }
}
