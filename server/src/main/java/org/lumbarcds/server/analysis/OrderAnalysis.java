package org.lumbarcds.server.analysis;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.ValueSetIndex;
import org.lumbarcds.cds.analysis.AnalysisException;
import org.lumbarcds.cds.analysis.StudyAnalyzer;
import org.lumbarcds.cds.imaging.ImageSource;
import org.lumbarcds.server.dicomweb.ImageSources;
import org.lumbarcds.terminology.ValueSets;

/**
 * The analysis of a lumbar radiograph order: finds the order's patient and its ImagingStudy (the
 * latest available one based on the order), the image source behind the study's Endpoint, and runs
 * {@link StudyAnalyzer}. Used by the analysis jobs and by the order-complete hook.
 */
public class OrderAnalysis {

  /**
   * An analysed order.
   *
   * @param order the ServiceRequest
   * @param patient its subject
   * @param study the ImagingStudy analysed
   * @param outcome what the analysis gave
   */
  public record Result(
      Reference order, Reference patient, Reference study, StudyAnalyzer.Outcome outcome) {}

  private final DaoRegistry daos;
  private final ValueSetIndex valueSets;
  private final ImageSources sources;
  private final StudyAnalyzer analyzer;
  private final StudyAnalyzer.ResultStore store;

  OrderAnalysis(
      DaoRegistry daos,
      ValueSetIndex valueSets,
      ImageSources sources,
      StudyAnalyzer analyzer,
      StudyAnalyzer.ResultStore store) {
    this.daos = daos;
    this.valueSets = valueSets;
    this.sources = sources;
    this.analyzer = analyzer;
    this.store = store;
  }

  /** The analyser (its model identifies results). */
  public StudyAnalyzer analyzer() {
    return analyzer;
  }

  /** Whether a ServiceRequest is a lumbar flexion/extension radiograph order. */
  public boolean isLumbarRadiographOrder(ServiceRequest order) {
    return valueSets.contains(ValueSets.LUMBAR_XR_FLEXION_EXTENSION, order.getCode());
  }

  /** The order's ServiceRequest, if it exists. */
  public Optional<ServiceRequest> order(String orderId) {
    try {
      return Optional.of(
          daos.getResourceDao(ServiceRequest.class)
              .read(new IdType("ServiceRequest", orderId), new SystemRequestDetails()));
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return Optional.empty();
    }
  }

  /** Analyses the order's study, or returns the stored result for this model version. */
  public Result analyze(String orderId) throws AnalysisException {
    return analyze(orderId, Optional.empty());
  }

  /**
   * Analyses the order's study (the given ImagingStudy, which must be based on the order, else the
   * latest available one), or returns the stored result for this model version.
   */
  public Result analyze(String orderId, Optional<String> imagingStudyId) throws AnalysisException {
    ServiceRequest order =
        order(orderId).orElseThrow(() -> new AnalysisException("the order does not exist", false));
    if (!isLumbarRadiographOrder(order)) {
      throw new AnalysisException(
          "the order is not a lumbar flexion/extension radiograph (ValueSet "
              + ValueSets.LUMBAR_XR_FLEXION_EXTENSION
              + ")",
          false);
    }
    if (!"Patient".equals(order.getSubject().getReferenceElement().getResourceType())) {
      throw new AnalysisException("the order's subject is not a Patient", false);
    }
    Reference orderRef = new Reference("ServiceRequest/" + order.getIdElement().getIdPart());
    Reference patient = new Reference(order.getSubject().getReference());
    ImagingStudy study =
        (imagingStudyId.isPresent()
                ? named(imagingStudyId.get(), orderRef, patient)
                : study(orderRef, patient))
            .orElseThrow(
                () ->
                    new AnalysisException(
                        "no available ImagingStudy of the order's patient is based on the order"
                            + " yet",
                        true));
    ImageSource source = source(study);
    StudyAnalyzer.Study subject = new StudyAnalyzer.Study(patient, orderRef, study);
    try {
      subject.studyUid();
    } catch (IllegalArgumentException e) {
      throw new AnalysisException("the ImagingStudy has no DICOM Study Instance UID", false);
    }
    StudyAnalyzer.Outcome outcome = analyzer.analyze(subject, source, store);
    Reference studyRef = new Reference(study.getIdElement().toUnqualifiedVersionless().getValue());
    return new Result(orderRef, patient, studyRef, outcome);
  }

  /**
   * The views and the model's output behind a stored AI result (its ImagingStudy, read again from
   * its image source); nothing is written.
   *
   * @param runModel false when only the views are wanted
   */
  public StudyAnalyzer.Reproduction reproduce(Observation result, boolean runModel)
      throws AnalysisException {
    ImagingStudy study;
    try {
      study =
          daos.getResourceDao(ImagingStudy.class)
              .read(
                  new IdType(result.getDerivedFromFirstRep().getReference()),
                  new SystemRequestDetails());
    } catch (ResourceNotFoundException | ResourceGoneException | IllegalArgumentException e) {
      throw new AnalysisException("the result's ImagingStudy is not in the store", false);
    }
    return analyzer.reproduce(
        new StudyAnalyzer.Study(result.getSubject(), result.getBasedOnFirstRep(), study),
        source(study),
        runModel);
  }

  private ImageSource source(ImagingStudy study) throws AnalysisException {
    Reference endpoint =
        study.hasEndpoint()
            ? study.getEndpointFirstRep()
            : study.getSeries().stream()
                .filter(ImagingStudy.ImagingStudySeriesComponent::hasEndpoint)
                .map(s -> s.getEndpointFirstRep())
                .findFirst()
                .orElseThrow(
                    () -> new AnalysisException("the ImagingStudy names no Endpoint", false));
    try {
      return sources.forEndpoint(endpoint.getReference());
    } catch (ImageSources.UnusableEndpoint e) {
      throw new AnalysisException("the study's Endpoint cannot be used: " + e.getMessage(), false);
    }
  }

  /** Completed lumbar radiograph orders last written at or after {@code since}. */
  public List<ServiceRequest> completedOrdersSince(Date since) {
    SearchParameterMap map = SearchParameterMap.newSynchronous();
    map.add(ServiceRequest.SP_STATUS, new TokenParam("completed"));
    TokenOrListParam codes = new TokenOrListParam();
    for (String token : valueSets.tokens(ValueSets.LUMBAR_XR_FLEXION_EXTENSION)) {
      codes.add(token.substring(0, token.indexOf('|')), token.substring(token.indexOf('|') + 1));
    }
    map.add(ServiceRequest.SP_CODE, codes);
    map.setLastUpdated(new DateRangeParam(since, null));
    return daos
        .getResourceDao(ServiceRequest.class)
        .search(map, new SystemRequestDetails())
        .getAllResources()
        .stream()
        .map(ServiceRequest.class::cast)
        .filter(this::isLumbarRadiographOrder)
        .toList();
  }

  /** The available ImagingStudies updated since the given time. */
  public List<ImagingStudy> availableStudiesSince(Date since) {
    SearchParameterMap map = SearchParameterMap.newSynchronous();
    map.add(ImagingStudy.SP_STATUS, new TokenParam("available"));
    map.setLastUpdated(new DateRangeParam(since, null));
    return daos
        .getResourceDao(ImagingStudy.class)
        .search(map, new SystemRequestDetails())
        .getAllResources()
        .stream()
        .map(ImagingStudy.class::cast)
        .toList();
  }

  private Optional<ImagingStudy> named(String id, Reference order, Reference patient)
      throws AnalysisException {
    ImagingStudy study;
    try {
      study =
          daos.getResourceDao(ImagingStudy.class)
              .read(
                  new IdType("ImagingStudy", id.replaceFirst("^ImagingStudy/", "")),
                  new SystemRequestDetails());
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      throw new AnalysisException("the ImagingStudy does not exist", false);
    }
    if (study.getBasedOn().stream().noneMatch(r -> order.getReference().equals(r.getReference()))) {
      throw new AnalysisException("the ImagingStudy is not based on the order", false);
    }
    if (!ofPatient(study, patient)) {
      throw new AnalysisException("the ImagingStudy is not of the order's patient", false);
    }
    return Optional.of(study)
        .filter(s -> s.getStatus() == ImagingStudy.ImagingStudyStatus.AVAILABLE);
  }

  /** The latest available ImagingStudy based on the order and of its patient. */
  private Optional<ImagingStudy> study(Reference order, Reference patient) {
    SearchParameterMap map = SearchParameterMap.newSynchronous();
    map.add(ImagingStudy.SP_BASEDON, new ReferenceParam(order.getReference()));
    map.add(ImagingStudy.SP_STATUS, new TokenParam("available"));
    map.setSort(new SortSpec("_lastUpdated", SortOrderEnum.DESC));
    return daos
        .getResourceDao(ImagingStudy.class)
        .search(map, new SystemRequestDetails())
        .getResources(0, 20)
        .stream()
        .map(ImagingStudy.class::cast)
        .filter(s -> ofPatient(s, patient))
        .findFirst();
  }

  /** Whether the study's subject is the patient: a study of another patient is never analysed. */
  private static boolean ofPatient(ImagingStudy study, Reference patient) {
    return study.getSubject().hasReference()
        && study
            .getSubject()
            .getReferenceElement()
            .toUnqualifiedVersionless()
            .getValue()
            .equals(new IdType(patient.getReference()).toUnqualifiedVersionless().getValue());
  }
}
