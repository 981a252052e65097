package org.lumbarcds.tests;

import java.util.Date;
import java.util.UUID;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;

/** Realistic resources of the lumbar radiograph workflow, unique per call. */
final class Fixtures {

  static final String MRN_SYSTEM = "urn:oid:1.2.3.4.5.6.1";
  static final String ACCESSION_SYSTEM = "urn:oid:1.2.3.4.5.6.2";

  private Fixtures() {}

  static String unique() {
    return UUID.randomUUID().toString();
  }

  static String dicomUid() {
    // 2.25 + a UUID as a decimal integer: a valid, unique DICOM UID.
    UUID uuid = UUID.randomUUID();
    return "2.25."
        + new java.math.BigInteger(
            1,
            java.nio.ByteBuffer.allocate(16)
                .putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits())
                .array());
  }

  static CodeableConcept concept(Code code) {
    return new CodeableConcept(new Coding(code.system(), code.code(), code.display()));
  }

  static Coding coding(Code code) {
    return new Coding(code.system(), code.code(), code.display());
  }

  static Patient patient(String mrn) {
    Patient patient = new Patient();
    patient.addIdentifier().setSystem(MRN_SYSTEM).setValue(mrn);
    patient.addName().setFamily("Synthetic").addGiven("Test");
    patient.setGender(AdministrativeGender.FEMALE);
    patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1954-03-12"));
    return patient;
  }

  static Condition lowBackPain(Reference patient) {
    Condition condition = new Condition();
    condition.setSubject(patient);
    condition.setCode(concept(Codes.LOW_BACK_PAIN));
    condition
        .getClinicalStatus()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-clinical")
        .setCode("active");
    condition
        .getVerificationStatus()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-ver-status")
        .setCode("confirmed");
    condition.setOnset(new DateTimeType("2026-08-01"));
    return condition;
  }

  static ServiceRequest lumbarXrOrder(Reference patient, String accession) {
    ServiceRequest order = new ServiceRequest();
    order.addIdentifier().setSystem(ACCESSION_SYSTEM).setValue(accession);
    order.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
    order.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
    order.setCode(concept(Codes.XR_LSPINE_FLEXION_EXTENSION));
    order.setSubject(patient);
    order.setAuthoredOn(new Date());
    return order;
  }

  static Endpoint wadoEndpoint() {
    Endpoint endpoint = new Endpoint();
    endpoint.setStatus(Endpoint.EndpointStatus.ACTIVE);
    endpoint.setConnectionType(
        new Coding(
            "http://terminology.hl7.org/CodeSystem/endpoint-connection-type",
            "dicom-wado-rs",
            "DICOM WADO-RS"));
    endpoint.addPayloadType().setText("DICOM");
    endpoint.addPayloadMimeType("application/dicom");
    endpoint.setAddress("http://127.0.0.1:8042/dicom-web");
    return endpoint;
  }

  /** A study of three lateral series: neutral, flexion and extension. */
  static ImagingStudy threeViewStudy(
      Reference patient, Reference order, Reference endpoint, String studyUid) {
    ImagingStudy study = new ImagingStudy();
    study.addIdentifier().setSystem(CodeSystems.DICOM_UID).setValue("urn:oid:" + studyUid);
    study.setStatus(ImagingStudy.ImagingStudyStatus.AVAILABLE);
    study.addModality(coding(Codes.MODALITY_DX));
    study.setSubject(patient);
    study.addBasedOn(order);
    study.addEndpoint(endpoint);
    study.setStarted(new Date());
    study.setNumberOfSeries(3);
    study.setNumberOfInstances(3);
    int number = 1;
    for (Code posture :
        new Code[] {Codes.POSTURE_NEUTRAL, Codes.POSTURE_FLEXION, Codes.POSTURE_EXTENSION}) {
      ImagingStudy.ImagingStudySeriesComponent series = study.addSeries();
      series.setUid(dicomUid());
      series.setNumber(number);
      series.setModality(coding(Codes.MODALITY_DX));
      series.setBodySite(coding(Codes.LUMBAR_SPINE_STRUCTURE));
      series.setDescription("L-SPINE LAT " + posture.display().toUpperCase());
      series.setNumberOfInstances(1);
      series
          .addInstance()
          .setUid(dicomUid())
          .setNumber(1)
          .setSopClass(
              new Coding("urn:ietf:rfc:3986", "urn:oid:1.2.840.10008.5.1.4.1.1.1.1", null));
      number++;
    }
    return study;
  }

  static Observation aiResult(
      Reference patient, Reference order, Reference study, String studyUid, double probability) {
    Observation result = new Observation();
    result
        .addIdentifier()
        .setSystem("http://lumbarcds.org/fhir/NamingSystem/analysis")
        .setValue(studyUid + "|reference-0.1.0");
    result.setStatus(Observation.ObservationStatus.PRELIMINARY);
    result.getMeta().addSecurity(coding(Codes.SECURITY_AI_ASSERTED));
    result.addCategory(concept(Codes.CATEGORY_IMAGING));
    result.setCode(concept(Codes.LSS_AI_PROBABILITY));
    result.setSubject(patient);
    result.addBasedOn(order);
    result.addDerivedFrom(study);
    result.setValue(
        new Quantity().setValue(probability).setUnit("1").setSystem(CodeSystems.UCUM).setCode("1"));
    return result;
  }
}
