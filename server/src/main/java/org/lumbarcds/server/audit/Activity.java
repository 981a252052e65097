package org.lumbarcds.server.audit;

import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.hl7.fhir.r4.model.Coding;

/**
 * The accesses to patient data recorded outside the FHIR API (whose reads, searches and writes
 * HAPI's BALP interceptor records): each with its DICOM audit event type (DICOM PS3.15 A.5.3,
 * CodeSystem {@code http://dicom.nema.org/resources/ontology/DCM}), a subtype from this server's
 * code system {@value #SYSTEM}, and the FHIR action.
 */
public enum Activity {
  /** A CDS Hooks service called: the patient's record read and a card answered. */
  HOOK_CALL(
      "hook-call", "CDS Hooks service called", "110110", "Patient Record", AuditEventAction.E),
  /** A patient's whole record read through the FHIR API ({@code Patient/$everything}). */
  EVERYTHING(
      "everything",
      "Patient record read ($everything)",
      "110110",
      "Patient Record",
      AuditEventAction.R),
  /** The viewer's basis of an AI result read (the page opened). */
  VIEWER_OPEN(
      "viewer-open",
      "AI result opened in the viewer",
      "110110",
      "Patient Record",
      AuditEventAction.R),
  /** A physician's review of an AI result in the viewer. */
  VIEWER_REVIEW(
      "viewer-review",
      "AI result reviewed in the viewer",
      "110110",
      "Patient Record",
      AuditEventAction.U),
  /** Instances stored (STOW-RS). */
  DICOM_STORE("dicom-store", "DICOM instances stored", "110107", "Import", AuditEventAction.C),
  /** Instances, frames or rendered images retrieved (WADO-RS). */
  DICOM_RETRIEVE(
      "dicom-retrieve",
      "DICOM instances retrieved",
      "110103",
      "DICOM Instances Accessed",
      AuditEventAction.R),
  /** Studies, series or instances searched (QIDO-RS). */
  DICOM_QUERY("dicom-query", "DICOM search", "110112", "Query", AuditEventAction.E),
  /** A study indexed as an ImagingStudy ({@code /imaging/index}). */
  IMAGING_INDEX(
      "imaging-index", "Study indexed as an ImagingStudy", "110107", "Import", AuditEventAction.C),
  /** The model run on an order's radiographs and its result written. */
  ANALYSIS(
      "analysis",
      "Radiographs analysed and the AI result written",
      "110110",
      "Patient Record",
      AuditEventAction.C),
  /** The audit trail read or searched ({@code /fhir/AuditEvent}). */
  AUDIT_LOG_USED(
      "audit-log-used", "Audit trail read", "110101", "Audit Log Used", AuditEventAction.R),
  /** A call refused for its token (401) or its scopes (403). */
  REFUSED("access-refused", "Access refused", "110113", "Security Alert", AuditEventAction.E);

  /** This server's code system of audit event subtypes. */
  public static final String SYSTEM = "http://lumbarcds.org/fhir/CodeSystem/audit-activity";

  /** DICOM's controlled terminology (audit event types and roles). */
  public static final String DCM = "http://dicom.nema.org/resources/ontology/DCM";

  private final String code;
  private final String display;
  private final String typeCode;
  private final String typeDisplay;
  private final AuditEventAction action;

  Activity(
      String code, String display, String typeCode, String typeDisplay, AuditEventAction action) {
    this.code = code;
    this.display = display;
    this.typeCode = typeCode;
    this.typeDisplay = typeDisplay;
    this.action = action;
  }

  Coding type() {
    return new Coding(DCM, typeCode, typeDisplay);
  }

  Coding subtype() {
    return new Coding(SYSTEM, code, display);
  }

  AuditEventAction action() {
    return action;
  }

  /** The subtype code (for searches: {@code AuditEvent?subtype=<SYSTEM>|<code>}). */
  public String code() {
    return code;
  }
}
