package org.lumbarcds.server.demo;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.lumbarcds.server.analysis.AnalysisJobs;

/**
 * The demo orders' analyses, on the server's job queue: each completed order has its job (queued by
 * the completion trigger; queued here for an order completed before, e.g. on a re-run after the
 * model changed, or when the triggers leave completed orders out), and each job's Task is awaited
 * until it holds the result or the reason it failed.
 */
final class DemoAnalyses {

  /** Between two looks at the Tasks. */
  private static final Duration POLL = Duration.ofMillis(500);

  /**
   * An order's analysis as it ended.
   *
   * @param result the AI result stored, if the job completed
   * @param failure why the job failed, if it did
   */
  record Outcome(Optional<Observation> result, Optional<String> failure) {}

  private final AnalysisJobs jobs;
  private final DaoRegistry daos;
  private final Duration timeout;

  DemoAnalyses(AnalysisJobs jobs, DaoRegistry daos, Duration timeout) {
    this.jobs = jobs;
    this.daos = daos;
    this.timeout = timeout;
  }

  /** Queues the completed order's analysis unless it has run for the model in use or is queued. */
  void ensureQueued(ServiceRequest order) {
    String id = order.getIdElement().getIdPart();
    boolean done = jobs.task(id).map(t -> t.getStatus() == Task.TaskStatus.COMPLETED).orElse(false);
    if (!done && !jobs.pending(id)) {
      jobs.enqueue(id, Optional.of(new Reference(order.getSubject().getReference())), "demo");
    }
  }

  /**
   * Waits for every order's job to end.
   *
   * @param progress told (analyses ended, of how many) whenever that changes
   * @return per order id, in the given order, how its analysis ended
   * @throws DemoException when they do not all end within the timeout
   */
  Map<String, Outcome> await(List<String> orderIds, BiConsumer<Integer, Integer> progress)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    Map<String, Outcome> ended = new LinkedHashMap<>();
    int told = -1;
    while (true) {
      for (String id : orderIds) {
        if (!ended.containsKey(id)) {
          ended(id).ifPresent(o -> ended.put(id, o));
        }
      }
      if (ended.size() != told) {
        told = ended.size();
        progress.accept(told, orderIds.size());
      }
      if (ended.size() == orderIds.size()) {
        Map<String, Outcome> inOrder = new LinkedHashMap<>();
        orderIds.forEach(id -> inOrder.put(id, ended.get(id)));
        return inOrder;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new DemoException(
            "the analyses did not all end within "
                + timeout.toMinutes()
                + " minutes ("
                + ended.size()
                + " of "
                + orderIds.size()
                + "): see the operations view (/ops) and the server's log");
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /** How the order's job ended; empty while it is queued or running. */
  private Optional<Outcome> ended(String orderId) {
    if (jobs.pending(orderId)) {
      return Optional.empty();
    }
    Optional<Task> task = jobs.task(orderId);
    if (task.isEmpty()) {
      return Optional.empty(); // its trigger has not queued it yet
    }
    Task t = task.get();
    if (t.getStatus() == Task.TaskStatus.FAILED) {
      return Optional.of(new Outcome(Optional.empty(), Optional.of(t.getStatusReason().getText())));
    }
    if (t.getStatus() != Task.TaskStatus.COMPLETED
        || !(t.getOutputFirstRep().getValue() instanceof Reference result)) {
      return Optional.empty();
    }
    Observation observation =
        daos.getResourceDao(Observation.class)
            .read(
                new IdType(result.getReference()).toUnqualifiedVersionless(),
                new SystemRequestDetails());
    return Optional.of(new Outcome(Optional.of(observation), Optional.empty()));
  }
}
