package org.lumbarcds.server.demo;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.util.UrlUtil;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.FhirCodes;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;

/**
 * Writes the demo's FHIR records through HAPI's DAOs, the storage every write of the FHIR API goes
 * through, so that the completion trigger and the record cache see them as they see an EHR's: the
 * Patient and the lumbar radiograph order of each study (created once, by identifier, as the
 * STOW-RS index will look them up), the order's completion, and each case's clinical context
 * (created or brought up to date by identifier, dated from today, so that a re-run tells the same
 * story). Every record carries the demo tag and the HL7 "test health data" security label.
 */
final class DemoRecordWriter {

  /** Identifier system of the demo's context records ({@code <patient id>-<item>}). */
  static final String SYSTEM = "http://lumbarcds.org/fhir/NamingSystem/demo";

  /** The tag every demo record carries. */
  static final String TAG_SYSTEM = "http://lumbarcds.org/fhir/CodeSystem/demo";

  static final String TAG_CODE = "synthetic-demo";

  /** ICD-10-CM G83.4, a red flag of the trigger table (cauda equina). */
  static final Code CAUDA_EQUINA =
      new Code(CodeSystems.ICD_10_CM, "G83.4", "Cauda equina syndrome");

  private static final String ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

  private final DaoRegistry daos;
  private final Optional<String> patientSystem;
  private final Optional<String> accessionSystem;
  private final Clock clock;

  /**
   * @param patientSystem the identifier system of DICOM Patient ID, if the store matches on one
   * @param accessionSystem the identifier system of accession numbers, if the store matches on one
   */
  DemoRecordWriter(
      DaoRegistry daos,
      Optional<String> patientSystem,
      Optional<String> accessionSystem,
      Clock clock) {
    this.daos = daos;
    this.patientSystem = patientSystem;
    this.accessionSystem = accessionSystem;
    this.clock = clock;
  }

  /** The study's Patient, created unless one has its Patient ID; returns its id. */
  String patient(DemoBundle.Header header) {
    Patient patient = tagged(new Patient());
    patient.addIdentifier().setSystem(patientSystem.orElse(null)).setValue(header.patientId());
    patient.addName().setFamily(header.family()).addGiven(header.given());
    patient.setGender(
        switch (header.sex()) {
          case "F" -> Enumerations.AdministrativeGender.FEMALE;
          case "M" -> Enumerations.AdministrativeGender.MALE;
          case "O" -> Enumerations.AdministrativeGender.OTHER;
          default -> Enumerations.AdministrativeGender.UNKNOWN;
        });
    return daos.getResourceDao(Patient.class)
        .create(
            patient, "Patient?identifier=" + token(patientSystem, header.patientId()), request())
        .getId()
        .getIdPart();
  }

  /**
   * The study's lumbar flexion/extension radiograph order, created (active) unless one has its
   * accession number; returns it as stored.
   */
  ServiceRequest order(DemoBundle.Header header, String patientId) {
    ServiceRequest order = tagged(new ServiceRequest());
    order
        .addIdentifier()
        .setSystem(accessionSystem.orElse(null))
        .setValue(header.accession())
        .getType()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/v2-0203")
        .setCode("ACSN");
    order.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
    order.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
    order.setCode(FhirCodes.concept(Codes.XR_LSPINE_FLEXION_EXTENSION));
    order.setSubject(new Reference("Patient/" + patientId));
    var dao = daos.getResourceDao(ServiceRequest.class);
    String id =
        dao.create(
                order,
                "ServiceRequest?identifier=" + token(accessionSystem, header.accession()),
                request())
            .getId()
            .getIdPart();
    return dao.read(new IdType("ServiceRequest", id), request());
  }

  /** Writes the order as completed, as the EHR does once the radiographs are taken. */
  void complete(ServiceRequest order) {
    if (order.getStatus() != ServiceRequest.ServiceRequestStatus.COMPLETED) {
      order.setStatus(ServiceRequest.ServiceRequestStatus.COMPLETED);
      daos.getResourceDao(ServiceRequest.class).update(order, request());
    }
  }

  /**
   * The patient's clinical context for its case: each item the case has written (or brought up to
   * date), every other demo item of the patient removed, so that a patient chosen for another case
   * on a re-run tells the new case's story.
   */
  void context(String patientId, Optional<DemoCases.Case> kase) {
    LocalDate today = LocalDate.now(clock);
    Set<DemoCases.Item> items = kase.map(DemoCases.Case::items).orElse(Set.of());
    int weeks = kase.map(DemoCases.Case::symptomWeeks).orElse(0);
    for (DemoCases.Item item : DemoCases.Item.values()) {
      String value = patientId + "-" + item.name().toLowerCase(Locale.ROOT).replace('_', '-');
      String type = item == DemoCases.Item.PRIOR_MRI ? "Procedure" : "Condition";
      String match = type + "?identifier=" + token(Optional.of(SYSTEM), value);
      if (!items.contains(item)) {
        daos.getResourceDao(type).deleteByUrl(match, request());
        continue;
      }
      LocalDate onset = today.minusWeeks(weeks);
      switch (item) {
        case LOW_BACK_PAIN -> condition(patientId, value, Codes.LOW_BACK_PAIN, onset, match);
        case CLAUDICATION ->
            condition(patientId, value, Codes.NEUROGENIC_CLAUDICATION, onset, match);
        case CAUDA_EQUINA -> condition(patientId, value, CAUDA_EQUINA, today.minusWeeks(1), match);
        case PRIOR_MRI -> priorMri(patientId, value, today.minusDays(90), match);
      }
    }
  }

  private void condition(String patientId, String value, Code code, LocalDate onset, String match) {
    Condition c = tagged(new Condition());
    c.addIdentifier().setSystem(SYSTEM).setValue(value);
    c.getClinicalStatus()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-clinical")
        .setCode("active");
    c.getVerificationStatus()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-ver-status")
        .setCode("confirmed");
    c.setCode(FhirCodes.concept(code));
    c.setSubject(new Reference("Patient/" + patientId));
    c.setOnset(new DateTimeType(onset.toString()));
    daos.getResourceDao(Condition.class).update(c, match, request());
  }

  private void priorMri(String patientId, String value, LocalDate performed, String match) {
    Procedure p = tagged(new Procedure());
    p.addIdentifier().setSystem(SYSTEM).setValue(value);
    p.setStatus(Procedure.ProcedureStatus.COMPLETED);
    p.setCode(FhirCodes.concept(Codes.MRI_LSPINE_WO_CONTRAST));
    p.setSubject(new Reference("Patient/" + patientId));
    p.setPerformed(new DateTimeType(performed.toString()));
    daos.getResourceDao(Procedure.class).update(p, match, request());
  }

  /** The resource with the demo tag and the "test health data" security label. */
  private static <T extends DomainResource> T tagged(T resource) {
    resource
        .getMeta()
        .addTag(TAG_SYSTEM, TAG_CODE, "lumbar-cds demo: synthetic phantom patient, not a person");
    resource.getMeta().addSecurity(ACT_REASON, "HTEST", "test health data");
    return resource;
  }

  private static String token(Optional<String> system, String value) {
    return system.map(s -> UrlUtil.escapeUrlParam(s) + "|").orElse("")
        + UrlUtil.escapeUrlParam(value);
  }

  private static SystemRequestDetails request() {
    return new SystemRequestDetails();
  }
}
