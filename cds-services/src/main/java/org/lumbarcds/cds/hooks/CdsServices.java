package org.lumbarcds.cds.hooks;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.validation.Validator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.analysis.AnalysisException;

/**
 * The CDS Hooks services as calls: a {@link HookRequest} to a service id in, its {@link
 * MriAdviceHooks.Answer} out. Checks the request against the service, then one method per hook
 * decides what is read and run: the selected orders (order-select), the drafted ones (order-sign),
 * the record alone (patient-view), the order's analysis joined to the record (order-complete). The
 * record and the analysis come through the two ports the server implements; HTTP, security and
 * serialisation are the server's.
 */
public final class CdsServices {

  /** The patient's record for a call, key by key, as the service's prefetch templates name it. */
  public interface RecordSource {

    /**
     * @throws HookException 412 when data the service needs cannot be had, 400 when what the EHR
     *     sent cannot be read
     */
    PatientRecord resolve(MriAdviceHooks.Definition service, RecordRequest request);
  }

  /** The analysis of lumbar radiograph orders (order-complete). */
  public interface OrderAnalyses {

    /** The order, if this server holds it. */
    Optional<ServiceRequest> order(String orderId);

    /**
     * Analyses the order's study (the named one, else the latest available), or returns the result
     * stored for this model version.
     *
     * @return the result as stored (with its id)
     */
    Observation analyze(String orderId, Optional<String> imagingStudyId) throws AnalysisException;
  }

  /**
   * Where a call's data comes from.
   *
   * @param prefetch the request's prefetch object (may be absent)
   * @param fhirServer the EHR's FHIR base, if given
   * @param accessToken the token for it, if given
   * @param context the context's text fields, which fill the templates
   */
  public record RecordRequest(
      Optional<JsonNode> prefetch,
      Optional<String> fhirServer,
      Optional<String> accessToken,
      Map<String, String> context) {

    static RecordRequest of(HookRequest request) {
      return new RecordRequest(
          Optional.ofNullable(request.prefetch()),
          request.fhirServerUrl(),
          request.accessToken(),
          request.context().fields());
    }
  }

  private final MriAdviceHooks hooks;
  private final RecordSource records;
  private final OrderAnalyses analyses;
  private final Validator validator;
  private final FhirContext fhir;

  public CdsServices(
      MriAdviceHooks hooks,
      RecordSource records,
      OrderAnalyses analyses,
      Validator validator,
      FhirContext fhir) {
    this.hooks = hooks;
    this.records = records;
    this.analyses = analyses;
    this.validator = validator;
    this.fhir = fhir;
  }

  /** The services, for discovery. */
  public CdsHooks.Discovery discovery() {
    return new CdsHooks.Discovery(
        hooks.definitions().stream().map(MriAdviceHooks.Definition::discovery).toList());
  }

  /** The service, or a 404 refusal. */
  public MriAdviceHooks.Definition service(String serviceId) {
    return hooks
        .definition(serviceId)
        .orElseThrow(
            () -> new HookException(HookException.Kind.NOT_FOUND, "no CDS service " + serviceId));
  }

  /**
   * Answers a call to a service.
   *
   * @throws HookException when the service does not exist, the request is not one it answers, or
   *     what it needs cannot be had
   */
  public MriAdviceHooks.Answer call(String serviceId, HookRequest request) {
    MriAdviceHooks.Definition service = service(serviceId);
    check(service, request);
    return switch (service.id()) {
      case MriAdviceHooks.ORDER_SELECT -> orderSelect(service, request);
      case MriAdviceHooks.ORDER_SIGN -> orderSign(service, request);
      case MriAdviceHooks.PATIENT_VIEW -> patientView(service, request);
      case MriAdviceHooks.ORDER_COMPLETE -> orderComplete(service, request);
      default -> throw new IllegalStateException("no dispatch for " + service.id());
    };
  }

  /** order-select: advice on the lumbar MRIs among the orders just selected. */
  MriAdviceHooks.Answer orderSelect(MriAdviceHooks.Definition service, HookRequest request) {
    List<String> selections = request.context().selections();
    return advise(
        service,
        request,
        draftOrders(request).stream()
            .filter(o -> selections.contains("ServiceRequest/" + o.getIdElement().getIdPart()))
            .toList());
  }

  /** order-sign: advice on the lumbar MRIs among the drafted orders. */
  MriAdviceHooks.Answer orderSign(MriAdviceHooks.Definition service, HookRequest request) {
    return advise(service, request, draftOrders(request));
  }

  /** patient-view: the advice from a new AI result. */
  MriAdviceHooks.Answer patientView(MriAdviceHooks.Definition service, HookRequest request) {
    return hooks.patientView(records.resolve(service, RecordRequest.of(request)));
  }

  /**
   * order-complete: the order's analysis (run, or the stored result reused), joined to the
   * patient's record as it was written, and the advice from it.
   */
  MriAdviceHooks.Answer orderComplete(MriAdviceHooks.Definition service, HookRequest request) {
    String orderId = request.context().serviceRequestId().replaceFirst("^ServiceRequest/", "");
    String patientId = request.context().patientId().replaceFirst("^Patient/", "");
    ServiceRequest order =
        analyses
            .order(orderId)
            .orElseThrow(() -> HookException.preconditionFailed("the order is not on this server"));
    if (!("Patient/" + patientId).equals(order.getSubject().getReference())) {
      throw HookException.badRequest("the order is not this patient's");
    }
    Observation result;
    try {
      result = analyses.analyze(orderId, Optional.ofNullable(request.context().imagingStudyId()));
    } catch (AnalysisException e) {
      throw new HookException(
          e.retryable() ? HookException.Kind.UNAVAILABLE : HookException.Kind.PRECONDITION_FAILED,
          "the analysis could not be run: " + e.getMessage());
    }
    PatientRecord record = records.resolve(service, RecordRequest.of(request));
    return hooks.orderComplete(record.withAiResult(result), result);
  }

  /** No lumbar MRI among the orders: no advice, and the record is not even read. */
  private MriAdviceHooks.Answer advise(
      MriAdviceHooks.Definition service, HookRequest request, List<ServiceRequest> orders) {
    if (!hooks.anyLumbarMri(orders)) {
      return MriAdviceHooks.Answer.none();
    }
    return hooks.orderAdvice(records.resolve(service, RecordRequest.of(request)), orders);
  }

  private void check(MriAdviceHooks.Definition service, HookRequest request) {
    requireValid(validator, request);
    if (!service.hook().equals(request.hook())) {
      throw HookException.badRequest(
          "service " + service.id() + " answers the hook " + service.hook());
    }
    for (String required : service.contextFields()) {
      if (!request.context().has(required)) {
        throw HookException.badRequest("context." + required + " is required");
      }
    }
    if (request.fhirAuthorization() != null && request.fhirServerUrl().isEmpty()) {
      throw HookException.badRequest("fhirAuthorization needs fhirServer");
    }
  }

  /**
   * Checks a bound request's Bean Validation constraints.
   *
   * @throws HookException 400 naming each field refused (e.g. {@code hookInstance must not be
   *     blank})
   */
  public static void requireValid(Validator validator, Object request) {
    String violations =
        validator.validate(request).stream()
            .map(v -> v.getPropertyPath() + " " + v.getMessage())
            .sorted()
            .collect(Collectors.joining("; "));
    if (!violations.isEmpty()) {
      throw HookException.badRequest(violations);
    }
  }

  private List<ServiceRequest> draftOrders(HookRequest request) {
    Bundle bundle;
    try {
      bundle =
          fhir.newJsonParser()
              .parseResource(Bundle.class, request.context().draftOrders().toString());
    } catch (DataFormatException e) {
      throw HookException.badRequest("context.draftOrders is not a FHIR Bundle");
    }
    return bundle.getEntry().stream()
        .map(Bundle.BundleEntryComponent::getResource)
        .filter(ServiceRequest.class::isInstance)
        .map(ServiceRequest.class::cast)
        .toList();
  }
}
