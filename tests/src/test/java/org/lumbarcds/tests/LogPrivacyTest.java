package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** The server's logs carry no names, identifiers or request bodies, also when a request fails. */
@ExtendWith(OutputCaptureExtension.class)
class LogPrivacyTest extends ServerTestBase {

  @Test
  void patientDataNeverReachesTheLog(CapturedOutput output) throws Exception {
    String mrn = "MRN-LOGCHECK-" + Fixtures.unique();
    String accession = "ACC-LOGCHECK-" + Fixtures.unique();
    Patient patient = Fixtures.patient(mrn);
    patient.getNameFirstRep().setFamily("Logcheckfamily");
    IdType id = (IdType) client.create().resource(patient).execute().getId();
    ServiceRequest order =
        Fixtures.lumbarXrOrder(new Reference(id.toUnqualifiedVersionless()), accession);
    IdType orderId = (IdType) client.create().resource(order).execute().getId();
    // completed: an analysis job is queued (and waits for its images)
    order.setId(orderId.toUnqualifiedVersionless());
    order.setStatus(ServiceRequest.ServiceRequestStatus.COMPLETED);
    client.update().resource(order).execute();

    // CDS Hooks calls quoting patient data: a served one, a refused one, feedback with a comment
    CdsClient cds = new CdsClient(port);
    String patientRef = id.toUnqualifiedVersionless().getIdPart();
    String sign =
        "{\"hook\":\"order-sign\",\"hookInstance\":\"1\",\"context\":{\"patientId\":\""
            + patientRef
            + "\",\"draftOrders\":{\"resourceType\":\"Bundle\",\"type\":\"collection\","
            + "\"entry\":[{\"resource\":{\"resourceType\":\"ServiceRequest\",\"id\":\"m\","
            + "\"status\":\"draft\",\"intent\":\"order\",\"code\":{\"coding\":[{\"system\":"
            + "\"http://loinc.org\",\"code\":\"30679-5\"}]},\"note\":[{\"text\":\""
            + mrn
            + " Logcheckfamily\"}]}}]}}}";
    assertThat(cds.call("POST", "/cds-services/lss-mri-order-sign", sign).statusCode())
        .isEqualTo(200);
    assertThat(
            cds.call("POST", "/cds-services/lss-mri-order-sign", sign.replace("order-sign", mrn))
                .statusCode())
        .isEqualTo(400);
    assertThat(
            cds.call(
                    "POST",
                    "/cds-services/lss-mri-order-sign/feedback",
                    "{\"feedback\":[{\"card\":\"c\",\"outcome\":\"overridden\","
                        + "\"overrideReason\":{\"userComment\":\""
                        + mrn
                        + " Logcheckfamily\"}}]}")
                .statusCode())
        .isEqualTo(200);

    client
        .search()
        .forResource(Patient.class)
        .where(Patient.IDENTIFIER.exactly().systemAndIdentifier(Fixtures.MRN_SYSTEM, mrn))
        .returnBundle(Bundle.class)
        .execute();
    client
        .search()
        .forResource(ServiceRequest.class)
        .where(
            ServiceRequest.IDENTIFIER
                .exactly()
                .systemAndIdentifier(Fixtures.ACCESSION_SYSTEM, accession))
        .returnBundle(Bundle.class)
        .execute();
    // Refused writes: an invalid birth date and a dangling reference, both quoting patient data.
    send(
        "POST",
        "/fhir/Patient",
        "application/fhir+json",
        "{\"resourceType\":\"Patient\",\"identifier\":[{\"value\":\""
            + mrn
            + "\"}],"
            + "\"name\":[{\"family\":\"Logcheckfamily\"}],\"birthDate\":\"not-a-date\"}");
    send(
        "POST",
        "/fhir/ServiceRequest",
        "application/fhir+json",
        "{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"intent\":\"order\","
            + "\"identifier\":[{\"value\":\""
            + accession
            + "\"}],"
            + "\"subject\":{\"reference\":\"Patient/"
            + mrn
            + "\"}}");

    assertThat(output.getAll()).doesNotContain(mrn, accession, "Logcheckfamily");
  }
}
