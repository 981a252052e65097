package org.lumbarcds.server.analysis;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.FhirCodes;
import org.lumbarcds.cds.imaging.ImagingStudyFactory;
import org.lumbarcds.model.inference.Posture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Queues an analysis when a lumbar flexion/extension radiograph order is written as {@code
 * completed}, or when an {@code available} ImagingStudy based on such an order holds its three
 * views (by the posture extension of its series, or three or more instances for a study indexed
 * elsewhere). A storage hook, so it sees every write: REST, transaction bundles, the DICOMweb
 * store's indexing. The job is queued once the write has committed (a rolled-back write queues
 * nothing), off the writer's thread; duplicate triggers are harmless (one job per order, one result
 * per study and model version). A completed order written again queues the job again: a way to
 * retry a failed analysis.
 */
@Interceptor
class CompletionTrigger {

  private static final Logger log = LoggerFactory.getLogger(CompletionTrigger.class);

  private final AnalysisJobs jobs;
  private final OrderAnalysis analysis;
  private final boolean onOrderCompleted;
  private final boolean onStudyAvailable;
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "analysis-trigger");
            t.setDaemon(true);
            return t;
          });

  CompletionTrigger(AnalysisJobs jobs, OrderAnalysis analysis, List<String> triggers) {
    this.jobs = jobs;
    this.analysis = analysis;
    this.onOrderCompleted = triggers.contains(AnalysisProperties.ORDER_COMPLETED);
    this.onStudyAvailable = triggers.contains(AnalysisProperties.STUDY_AVAILABLE);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    consider(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource current) {
    consider(current);
  }

  private void consider(IBaseResource resource) {
    if (onOrderCompleted
        && resource instanceof ServiceRequest order
        && order.getStatus() == ServiceRequest.ServiceRequestStatus.COMPLETED
        && analysis.isLumbarRadiographOrder(order)) {
      afterCommit(order.getIdElement().getIdPart(), patient(order), "order completed");
    } else if (onStudyAvailable
        && resource instanceof ImagingStudy study
        && study.getStatus() == ImagingStudy.ImagingStudyStatus.AVAILABLE
        && holdsThreeViews(study)) {
      for (Reference basedOn : study.getBasedOn()) {
        if ("ServiceRequest".equals(basedOn.getReferenceElement().getResourceType())) {
          String orderId = basedOn.getReferenceElement().getIdPart();
          analysis
              .order(orderId)
              .filter(analysis::isLumbarRadiographOrder)
              .ifPresent(o -> afterCommit(orderId, patient(o), "study available"));
        }
      }
    }
  }

  /** Whether the study's series name all three postures, or (without them) it has 3+ instances. */
  static boolean holdsThreeViews(ImagingStudy study) {
    Set<String> postures = new HashSet<>();
    boolean described = false;
    for (ImagingStudy.ImagingStudySeriesComponent series : study.getSeries()) {
      for (Extension e : series.getExtensionsByUrl(ImagingStudyFactory.POSTURE_EXTENSION)) {
        described = true;
        if (e.getValue() instanceof Coding c) {
          postures.add(c.getSystem() + "|" + c.getCode());
        }
      }
    }
    if (!described) {
      return study.getNumberOfInstances() >= Posture.values().length;
    }
    for (Posture p : Posture.values()) {
      Coding c = FhirCodes.coding(FhirCodes.posture(p));
      if (!postures.contains(c.getSystem() + "|" + c.getCode())) {
        return false;
      }
    }
    return true;
  }

  private static Optional<Reference> patient(ServiceRequest order) {
    return "Patient".equals(order.getSubject().getReferenceElement().getResourceType())
        ? Optional.of(new Reference(order.getSubject().getReference()))
        : Optional.empty();
  }

  private void afterCommit(String orderId, Optional<Reference> patient, String trigger) {
    Runnable queue =
        () -> {
          try {
            jobs.enqueue(orderId, patient, trigger);
          } catch (RuntimeException e) {
            log.error("Could not queue an analysis job ({})", trigger, e);
          }
        };
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      TransactionSynchronizationManager.registerSynchronization(
          new TransactionSynchronization() {
            @Override
            public void afterCommit() {
              executor.execute(queue);
            }
          });
    } else {
      executor.execute(queue);
    }
  }

  void shutdown() {
    executor.shutdown();
  }
}
