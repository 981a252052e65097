package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Date;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.lumbarcds.terminology.Codes;

/** Every resource type the workflow needs can be stored, read back and found by id. */
class StorableTypesTest extends ServerTestBase {

  @Test
  void eachWorkflowTypeRoundTrips() {
    Reference patient =
        new Reference(
            client
                .create()
                .resource(Fixtures.patient("MRN-" + Fixtures.unique()))
                .execute()
                .getId()
                .toUnqualifiedVersionless());

    Practitioner practitioner = new Practitioner();
    practitioner.addName().setFamily("Orthopaedic").addGiven("Surgeon");
    org.hl7.fhir.r4.model.Organization organization = new org.hl7.fhir.r4.model.Organization();
    organization.setName("Spine clinic");
    org.hl7.fhir.r4.model.Location location = new org.hl7.fhir.r4.model.Location();
    location.setName("Radiology department");

    Encounter encounter = new Encounter();
    encounter.setStatus(Encounter.EncounterStatus.FINISHED);
    encounter.setClass_(
        new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"));
    encounter.setSubject(patient);

    Procedure procedure = new Procedure();
    procedure.setStatus(Procedure.ProcedureStatus.COMPLETED);
    procedure.setSubject(patient);
    procedure.setCode(Fixtures.concept(Codes.MRI_LSPINE_WO_CONTRAST));

    MedicationRequest medication = new MedicationRequest();
    medication.setStatus(MedicationRequest.MedicationRequestStatus.ACTIVE);
    medication.setIntent(MedicationRequest.MedicationRequestIntent.ORDER);
    medication.setSubject(patient);
    medication.setMedication(new CodeableConcept().setText("Paracetamol 500 mg tablet"));

    Device device = new Device();
    device
        .addDeviceName()
        .setName("lumbar-cds reference model")
        .setType(Device.DeviceNameType.MODELNAME);
    device.addVersion().setValue("0.1.0");

    DocumentReference document = new DocumentReference();
    document.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
    document.setSubject(patient);
    document
        .addContent()
        .setAttachment(
            new Attachment()
                .setContentType("text/markdown")
                .setUrl("http://127.0.0.1:8080/model-card"));

    Task task = new Task();
    task.setStatus(Task.TaskStatus.REQUESTED);
    task.setIntent(Task.TaskIntent.ORDER);
    task.setCode(Fixtures.concept(Codes.LSS_AI_ANALYSIS));
    task.setFor(patient);

    Subscription subscription = new Subscription();
    subscription.setStatus(Subscription.SubscriptionStatus.OFF);
    subscription.setReason("Completed lumbar radiograph orders");
    subscription.setCriteria("ServiceRequest?status=completed");
    subscription
        .getChannel()
        .setType(Subscription.SubscriptionChannelType.RESTHOOK)
        .setEndpoint("http://127.0.0.1:9999/hook")
        .setPayload("application/fhir+json");

    List<Resource> stored =
        new java.util.ArrayList<>(
            List.of(
                practitioner,
                organization,
                location,
                encounter,
                procedure,
                medication,
                device,
                document,
                task,
                subscription));

    IdType deviceId = null;
    for (Resource resource : stored) {
      IdType id = (IdType) client.create().resource(resource).execute().getId();
      if (resource instanceof Device) {
        deviceId = id.toUnqualifiedVersionless();
      }
      readAndFind(resource.getClass(), id);
    }

    Provenance provenance = new Provenance();
    provenance.addTarget(patient);
    provenance.setRecorded(new Date());
    provenance.addAgent().setWho(new Reference(deviceId));
    readAndFind(Provenance.class, (IdType) client.create().resource(provenance).execute().getId());
  }

  private void readAndFind(Class<? extends IBaseResource> type, IdType id) {
    IBaseResource read =
        client.read().resource(type).withId(id.toUnqualifiedVersionless()).execute();
    assertThat(read.getIdElement().getIdPart()).isEqualTo(id.getIdPart());
    Bundle found =
        client
            .search()
            .forResource(type)
            .where(
                new ca.uhn.fhir.rest.gclient.TokenClientParam("_id").exactly().code(id.getIdPart()))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(found.getEntry()).as(type.getSimpleName()).hasSize(1);
  }
}
