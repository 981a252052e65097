package org.lumbarcds.cds.hooks;

import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.ServiceRequest;

/**
 * What the MRI advice reads from a patient's record, however it was obtained (prefetch, the EHR's
 * FHIR server, or the local store).
 *
 * @param patientId the Patient's id
 * @param conditions the patient's Conditions (red flags, symptoms and their onset, failed
 *     conservative care, intervention candidacy)
 * @param mriOrders the patient's lumbar MRI ServiceRequests
 * @param mriProcedures the patient's lumbar MRI Procedures
 * @param aiResults the patient's AI results (Observations of the project's probability code)
 * @param order the order the hook is about (order-complete), when there is one
 */
public record PatientRecord(
    String patientId,
    List<Condition> conditions,
    List<ServiceRequest> mriOrders,
    List<Procedure> mriProcedures,
    List<Observation> aiResults,
    Optional<ServiceRequest> order) {
  public PatientRecord {
    conditions = List.copyOf(conditions);
    mriOrders = List.copyOf(mriOrders);
    mriProcedures = List.copyOf(mriProcedures);
    aiResults = List.copyOf(aiResults);
  }
}
