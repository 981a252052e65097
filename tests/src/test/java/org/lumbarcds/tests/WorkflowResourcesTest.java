package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.gclient.ICriterion;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;

/**
 * The resources of one lumbar radiograph workflow, stored, read, updated and found by every search
 * the analysis and the hooks rely on. A second patient's workflow is stored beside it so each
 * search must also leave something out.
 */
class WorkflowResourcesTest extends ServerTestBase {

  private record Workflow(
      IdType patient,
      IdType condition,
      IdType order,
      String accession,
      IdType study,
      String studyUid,
      IdType observation) {}

  private Workflow mine;
  private Workflow other;

  @BeforeEach
  void storeTwoWorkflows() {
    mine = storeWorkflow();
    other = storeWorkflow();
  }

  private Workflow storeWorkflow() {
    IdType patient = create(Fixtures.patient("MRN-" + Fixtures.unique()));
    Reference patientRef = new Reference(patient);
    IdType condition = create(Fixtures.lowBackPain(patientRef));
    String accession = "ACC-" + Fixtures.unique();
    IdType order = create(Fixtures.lumbarXrOrder(patientRef, accession));
    IdType endpoint = create(Fixtures.wadoEndpoint());
    String studyUid = Fixtures.dicomUid();
    IdType study =
        create(
            Fixtures.threeViewStudy(
                patientRef, new Reference(order), new Reference(endpoint), studyUid));
    IdType observation =
        create(
            Fixtures.aiResult(
                patientRef, new Reference(order), new Reference(study), studyUid, 0.82));
    return new Workflow(patient, condition, order, accession, study, studyUid, observation);
  }

  private IdType create(IBaseResource resource) {
    var outcome = client.create().resource(resource).execute();
    assertThat(outcome.getCreated()).isTrue();
    return (IdType) outcome.getId().toUnqualifiedVersionless();
  }

  private List<String> search(Class<? extends IBaseResource> type, ICriterion<?>... criteria) {
    var query = client.search().forResource(type);
    for (ICriterion<?> criterion : criteria) {
      query = query.and(criterion);
    }
    Bundle bundle = query.returnBundle(Bundle.class).execute();
    return bundle.getEntry().stream()
        .map(e -> e.getResource().getIdElement().toUnqualifiedVersionless().getValue())
        .toList();
  }

  @Test
  void imagingStudyReadsBackWithThreeLateralSeries() {
    ImagingStudy study = client.read().resource(ImagingStudy.class).withId(mine.study()).execute();
    assertThat(study.getSeries()).hasSize(3);
    assertThat(study.getSeries())
        .extracting(s -> s.getDescription())
        .containsExactly(
            "L-SPINE LAT NEUTRAL MUSCULOSKELETAL POSITION",
            "L-SPINE LAT FLEXION",
            "L-SPINE LAT EXTENSION");
    assertThat(study.getBasedOnFirstRep().getReference()).isEqualTo(mine.order().getValue());
    assertThat(study.getIdentifierFirstRep().getValue()).isEqualTo("urn:oid:" + mine.studyUid());
  }

  @Test
  void imagingStudySearches() {
    String expected = mine.study().getValue();
    assertThat(search(ImagingStudy.class, ImagingStudy.PATIENT.hasId(mine.patient())))
        .containsExactly(expected);
    assertThat(search(ImagingStudy.class, ImagingStudy.BASEDON.hasId(mine.order())))
        .containsExactly(expected);
    assertThat(
            search(
                ImagingStudy.class,
                ImagingStudy.PATIENT.hasId(mine.patient()),
                ImagingStudy.STATUS.exactly().code("available")))
        .containsExactly(expected);
    assertThat(
            search(
                ImagingStudy.class,
                ImagingStudy.PATIENT.hasId(mine.patient()),
                ImagingStudy.STATUS.exactly().code("registered")))
        .isEmpty();
    assertThat(
            search(
                ImagingStudy.class,
                ImagingStudy.PATIENT.hasId(mine.patient()),
                ImagingStudy.MODALITY
                    .exactly()
                    .systemAndCode(CodeSystems.DICOM_DCM, Codes.MODALITY_DX.code())))
        .containsExactly(expected);
    assertThat(
            search(
                ImagingStudy.class,
                ImagingStudy.PATIENT.hasId(mine.patient()),
                ImagingStudy.MODALITY.exactly().systemAndCode(CodeSystems.DICOM_DCM, "MR")))
        .isEmpty();
    assertThat(
            search(
                ImagingStudy.class,
                ImagingStudy.IDENTIFIER
                    .exactly()
                    .systemAndIdentifier(CodeSystems.DICOM_UID, "urn:oid:" + mine.studyUid())))
        .containsExactly(expected);
  }

  @Test
  void serviceRequestSearches() {
    String expected = mine.order().getValue();
    assertThat(search(ServiceRequest.class, ServiceRequest.PATIENT.hasId(mine.patient())))
        .containsExactly(expected);
    assertThat(
            search(
                ServiceRequest.class,
                ServiceRequest.PATIENT.hasId(mine.patient()),
                ServiceRequest.CODE
                    .exactly()
                    .systemAndCode(CodeSystems.LOINC, Codes.XR_LSPINE_FLEXION_EXTENSION.code())))
        .containsExactly(expected);
    assertThat(
            search(
                ServiceRequest.class,
                ServiceRequest.PATIENT.hasId(mine.patient()),
                ServiceRequest.CODE
                    .exactly()
                    .systemAndCode(CodeSystems.LOINC, Codes.MRI_LSPINE_WO_CONTRAST.code())))
        .isEmpty();
    assertThat(
            search(
                ServiceRequest.class,
                ServiceRequest.IDENTIFIER
                    .exactly()
                    .systemAndIdentifier(Fixtures.ACCESSION_SYSTEM, mine.accession())))
        .containsExactly(expected);

    // The order completes: a new version, found by status and no longer as active.
    ServiceRequest order =
        client.read().resource(ServiceRequest.class).withId(mine.order()).execute();
    order.setStatus(ServiceRequest.ServiceRequestStatus.COMPLETED);
    var updated = client.update().resource(order).execute();
    assertThat(updated.getId().getVersionIdPart()).isEqualTo("2");
    assertThat(
            search(
                ServiceRequest.class,
                ServiceRequest.PATIENT.hasId(mine.patient()),
                ServiceRequest.STATUS.exactly().code("completed")))
        .containsExactly(expected);
    assertThat(
            search(
                ServiceRequest.class,
                ServiceRequest.PATIENT.hasId(mine.patient()),
                ServiceRequest.STATUS.exactly().code("active")))
        .isEmpty();
  }

  @Test
  void observationSearches() {
    String expected = mine.observation().getValue();
    assertThat(search(Observation.class, Observation.PATIENT.hasId(mine.patient())))
        .containsExactly(expected);
    assertThat(
            search(
                Observation.class,
                Observation.PATIENT.hasId(mine.patient()),
                Observation.CODE
                    .exactly()
                    .systemAndCode(CodeSystems.LUMBAR_CDS, Codes.LSS_AI_PROBABILITY.code())))
        .containsExactly(expected);
    assertThat(search(Observation.class, Observation.DERIVED_FROM.hasId(mine.study())))
        .containsExactly(expected);
    assertThat(search(Observation.class, Observation.BASED_ON.hasId(mine.order())))
        .containsExactly(expected);
    assertThat(
            search(
                Observation.class,
                Observation.IDENTIFIER
                    .exactly()
                    .systemAndIdentifier(
                        "http://lumbarcds.org/fhir/NamingSystem/analysis",
                        mine.studyUid() + "|reference-0.1.0")))
        .containsExactly(expected);
    assertThat(search(Observation.class, Observation.DERIVED_FROM.hasId(other.study())))
        .containsExactly(other.observation().getValue());
  }

  @Test
  void conditionSearches() {
    assertThat(search(Condition.class, Condition.PATIENT.hasId(mine.patient())))
        .containsExactly(mine.condition().getValue());
    assertThat(
            search(
                Condition.class,
                Condition.PATIENT.hasId(mine.patient()),
                Condition.CODE
                    .exactly()
                    .systemAndCode(CodeSystems.SNOMED_CT, Codes.LOW_BACK_PAIN.code())))
        .containsExactly(mine.condition().getValue());
    assertThat(
            search(
                Condition.class,
                Condition.PATIENT.hasId(mine.patient()),
                Condition.CODE
                    .exactly()
                    .systemAndCode(CodeSystems.SNOMED_CT, Codes.LUMBAR_SPINAL_STENOSIS.code())))
        .isEmpty();
  }

  @Test
  void deletedResourceIsGoneAndNoLongerFound() {
    IdType patient = create(Fixtures.patient("MRN-" + Fixtures.unique()));
    IdType endpoint = create(Fixtures.wadoEndpoint());
    client.delete().resourceById(endpoint).execute();
    assertThatThrownBy(() -> client.read().resource(Endpoint.class).withId(endpoint).execute())
        .isInstanceOf(ResourceGoneException.class);
    assertThat(search(Patient.class, Patient.RES_ID.exactly().code(patient.getIdPart())))
        .containsExactly(patient.getValue());
  }

  @Test
  void capabilityStatementListsTheWorkflowTypesAndSearches() {
    CapabilityStatement capabilities =
        client.capabilities().ofType(CapabilityStatement.class).execute();
    var resources = capabilities.getRestFirstRep().getResource();
    assertThat(resources)
        .extracting(r -> r.getType())
        .contains(
            "Patient",
            "Practitioner",
            "PractitionerRole",
            "Organization",
            "Location",
            "Medication",
            "Encounter",
            "Condition",
            "Procedure",
            "MedicationRequest",
            "ServiceRequest",
            "ImagingStudy",
            "Endpoint",
            "Observation",
            "Device",
            "Provenance",
            "DocumentReference",
            "Task",
            "Subscription",
            "CodeSystem",
            "ValueSet")
        .doesNotContain("Claim", "Specimen");
    var imagingStudy =
        resources.stream()
            .filter(r -> r.getType().equals("ImagingStudy"))
            .findFirst()
            .orElseThrow();
    assertThat(imagingStudy.getSearchParam())
        .extracting(p -> p.getName())
        .contains("patient", "basedon", "status", "modality", "identifier");
  }
}
