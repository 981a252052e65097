package org.lumbarcds.server.analysis;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import org.lumbarcds.cds.FhirCodes;
import org.lumbarcds.cds.Narratives;
import org.lumbarcds.model.Sha256;
import org.lumbarcds.terminology.Codes;

/**
 * Each analysis job as a FHIR Task, so that integration teams can follow it with plain FHIR
 * searches ({@code Task?focus=ServiceRequest/…}, {@code Task?status=failed}): requested when
 * queued, in-progress while a try runs (business status: the try and, after a failure, when the
 * next one is due), completed with the Observation as output, or failed with the reason. One Task
 * per order and model version, at an id derived from both; a write that changes nothing is not
 * made.
 */
class TaskMirror {

  /** Identifier system of analysis jobs: value {@code <order id>|<model version>}. */
  static final String JOB_SYSTEM = "http://lumbarcds.org/fhir/NamingSystem/analysis-job";

  private final DaoRegistry daos;
  private final String modelVersion;

  TaskMirror(DaoRegistry daos, String modelVersion) {
    this.daos = daos;
    this.modelVersion = modelVersion;
  }

  /** The Task's id for an order. */
  String taskId(String orderId) {
    return "lss-analysis-"
        + Sha256.hex((orderId + "|" + modelVersion).getBytes(StandardCharsets.UTF_8))
            .substring(0, 40);
  }

  /** The Task of an order, if one exists. */
  Optional<Task> find(String orderId) {
    try {
      return Optional.of(
          dao().read(new IdType("Task", taskId(orderId)), new SystemRequestDetails()));
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return Optional.empty();
    }
  }

  /** A job was queued: a new Task is requested; an existing one is left as it is. */
  void queued(String orderId, Optional<Reference> patient) {
    Optional<Task> existing = find(orderId);
    if (existing.isEmpty()) {
      write(orderId, existing, patient, Task.TaskStatus.REQUESTED, "queued", null, null);
    }
  }

  void running(String orderId, Optional<Reference> patient, int attempt, int maxAttempts) {
    write(
        orderId,
        patient,
        Task.TaskStatus.INPROGRESS,
        "attempt " + attempt + " of " + maxAttempts,
        null,
        null);
  }

  void retrying(String orderId, int attempt, int maxAttempts, String reason, Instant next) {
    write(
        orderId,
        Optional.empty(),
        Task.TaskStatus.INPROGRESS,
        "attempt " + attempt + " of " + maxAttempts + " failed; next try at " + next,
        reason,
        null);
  }

  void completed(String orderId, Optional<Reference> patient, Reference observation) {
    write(orderId, patient, Task.TaskStatus.COMPLETED, "result stored", null, observation);
  }

  void failed(String orderId, String reason) {
    write(orderId, Optional.empty(), Task.TaskStatus.FAILED, "failed", reason, null);
  }

  private synchronized void write(
      String orderId,
      Optional<Reference> patient,
      Task.TaskStatus status,
      String businessStatus,
      String reason,
      Reference output) {
    write(orderId, find(orderId), patient, status, businessStatus, reason, output);
  }

  private synchronized void write(
      String orderId,
      Optional<Task> existing,
      Optional<Reference> patient,
      Task.TaskStatus status,
      String businessStatus,
      String reason,
      Reference output) {
    Task task = new Task();
    task.setId(taskId(orderId));
    task.addIdentifier().setSystem(JOB_SYSTEM).setValue(orderId + "|" + modelVersion);
    task.setStatus(status);
    task.setIntent(Task.TaskIntent.ORDER);
    task.setCode(FhirCodes.concept(Codes.LSS_AI_ANALYSIS));
    task.setFocus(new Reference("ServiceRequest/" + orderId));
    task.addBasedOn(new Reference("ServiceRequest/" + orderId));
    Optional<Reference> subject =
        patient.or(() -> existing.filter(Task::hasFor).map(t -> t.getFor().copy()));
    subject.ifPresent(task::setFor);
    task.getBusinessStatus().setText(businessStatus);
    if (reason != null) {
      task.getStatusReason().setText(reason);
    }
    if (output != null) {
      task.addOutput().setType(FhirCodes.concept(Codes.LSS_AI_PROBABILITY)).setValue(output);
    }
    task.setAuthoredOn(existing.map(Task::getAuthoredOn).orElseGet(Date::new));
    Narratives.generated(
        task,
        "Lumbar spinal stenosis AI analysis of the order ServiceRequest/"
            + orderId
            + " (model version "
            + modelVersion
            + ").");
    task.setLastModified(existing.map(Task::getLastModified).orElse(null));
    if (existing.isPresent()) {
      Task candidate = task.copy();
      candidate.setIdElement(existing.get().getIdElement());
      candidate.setMeta(existing.get().getMeta());
      if (candidate.equalsDeep(existing.get())) {
        return;
      }
    }
    task.setLastModified(new Date());
    dao().update(task, new SystemRequestDetails());
  }

  private IFhirResourceDao<Task> dao() {
    return daos.getResourceDao(Task.class);
  }
}
