package org.lumbarcds.cds.hooks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.ServiceRequest;

/**
 * What the MRI advice reads from a patient's record, however it was obtained (prefetch, the EHR's
 * FHIR server, or the local store).
 *
 * @param patientId the Patient's id
 * @param conditions the patient's Conditions (triggers, symptoms and their onset, failed
 *     conservative care, intervention candidacy)
 * @param mriOrders the patient's lumbar MRI ServiceRequests
 * @param mriProcedures the patient's lumbar MRI Procedures
 * @param aiResults the patient's AI results (Observations of the project's probability code)
 * @param order the order the hook is about (order-complete), when there is one
 * @param patient the Patient (age), when read
 * @param medicationRequests the patient's MedicationRequests
 * @param medicationStatements the patient's MedicationStatements
 * @param temperatures the patient's body temperature Observations
 * @param procedures the patient's Procedures (prior lumbar surgery, recent spinal procedures)
 * @param unread the optional prefetch keys that could not be read (their facts are unchecked)
 */
public record PatientRecord(
    String patientId,
    List<Condition> conditions,
    List<ServiceRequest> mriOrders,
    List<Procedure> mriProcedures,
    List<Observation> aiResults,
    Optional<ServiceRequest> order,
    Optional<Patient> patient,
    List<MedicationRequest> medicationRequests,
    List<MedicationStatement> medicationStatements,
    List<Observation> temperatures,
    List<Procedure> procedures,
    Set<String> unread) {
  public PatientRecord {
    conditions = List.copyOf(conditions);
    mriOrders = List.copyOf(mriOrders);
    mriProcedures = List.copyOf(mriProcedures);
    aiResults = List.copyOf(aiResults);
    medicationRequests = List.copyOf(medicationRequests);
    medicationStatements = List.copyOf(medicationStatements);
    temperatures = List.copyOf(temperatures);
    procedures = List.copyOf(procedures);
    unread = Set.copyOf(unread);
  }

  /** A record of conditions, MRIs and AI results only, every other key read and empty. */
  public static PatientRecord of(
      String patientId,
      List<Condition> conditions,
      List<ServiceRequest> mriOrders,
      List<Procedure> mriProcedures,
      List<Observation> aiResults,
      Optional<ServiceRequest> order) {
    return new PatientRecord(
        patientId,
        conditions,
        mriOrders,
        mriProcedures,
        aiResults,
        order,
        Optional.empty(),
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        Set.of());
  }

  /**
   * The same record with a result just written joined to its AI results: in place of the record's
   * copy of it (same id), else added.
   */
  public PatientRecord withAiResult(Observation result) {
    String id = result.getIdElement().getIdPart();
    List<Observation> results = new ArrayList<>(aiResults);
    results.removeIf(o -> id != null && id.equals(o.getIdElement().getIdPart()));
    results.add(result);
    return new PatientRecord(
        patientId,
        conditions,
        mriOrders,
        mriProcedures,
        results,
        order,
        patient,
        medicationRequests,
        medicationStatements,
        temperatures,
        procedures,
        unread);
  }
}
