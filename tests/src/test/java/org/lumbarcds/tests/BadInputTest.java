package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;

/**
 * Bad requests get an OperationOutcome with the right status, no stack trace, and store nothing.
 */
class BadInputTest extends ServerTestBase {

  private static final String JSON = "application/fhir+json";

  private int observationCount() {
    Bundle bundle =
        client
            .search()
            .forResource(Observation.class)
            .summaryMode(ca.uhn.fhir.rest.api.SummaryEnum.COUNT)
            .cacheControl(new ca.uhn.fhir.rest.api.CacheControlDirective().setNoCache(true))
            .returnBundle(Bundle.class)
            .execute();
    return bundle.getTotal();
  }

  private OperationOutcome outcome(HttpResponse<String> response) {
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/fhir+json"));
    assertThat(response.body()).doesNotContain("\tat ", "Exception:");
    return FHIR.newJsonParser().parseResource(OperationOutcome.class, response.body());
  }

  private void assertRefused(HttpResponse<String> response, int status, String diagnostics) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    OperationOutcome outcome = outcome(response);
    assertThat(outcome.getIssueFirstRep().getSeverity())
        .isIn(OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueSeverity.FATAL);
    assertThat(outcome.getIssue())
        .anySatisfy(issue -> assertThat(issue.getDiagnostics()).contains(diagnostics));
  }

  @Test
  void malformedJsonIsABadRequest() throws Exception {
    int before = observationCount();
    assertRefused(
        send("POST", "/fhir/Observation", JSON, "{\"resourceType\":\"Observation\", \"status\": "),
        400,
        "not valid FHIR json");
    assertRefused(
        send("POST", "/fhir/Observation", JSON, "this is not json"),
        400,
        "Unable to determine encoding");
    assertThat(observationCount()).isEqualTo(before);
  }

  @Test
  void unknownResourceTypeIsNotFound() throws Exception {
    assertRefused(send("GET", "/fhir/Spaceship/1", null, null), 404, "Unknown resource type");
    // A real FHIR type the server does not serve is refused the same way.
    assertRefused(
        send("POST", "/fhir/Claim", JSON, "{\"resourceType\":\"Claim\"}"),
        404,
        "Unknown resource type 'Claim'");
  }

  @Test
  void referenceToNothingIsRefusedAndNothingStored() throws Exception {
    int before = observationCount();
    String body =
        """
        {"resourceType":"Observation","status":"final","code":{"text":"pain score"},
         "subject":{"reference":"Patient/does-not-exist"}}""";
    assertRefused(send("POST", "/fhir/Observation", JSON, body), 400, "Patient/does-not-exist");
    assertThat(observationCount()).isEqualTo(before);
  }

  @Test
  void codeOutsideARequiredBindingIsUnprocessable() throws Exception {
    int before = observationCount();
    String body =
        """
        {"resourceType":"Observation","status":"almost-final","code":{"text":"pain score"}}""";
    assertRefused(send("POST", "/fhir/Observation", JSON, body), 422, "almost-final");
    assertThat(observationCount()).isEqualTo(before);
  }

  @Test
  void patchThatBreaksTheResourceIsRefusedAndChangesNothing() throws Exception {
    Observation observation = new Observation();
    observation.setStatus(Observation.ObservationStatus.FINAL);
    observation.getCode().setText("pain score");
    var id = client.create().resource(observation).execute().getId().toUnqualifiedVersionless();

    // An unknown status code is refused while the patch is applied (HAPI parses strictly)...
    String badCode = "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"almost-final\"}]";
    assertRefused(
        send("PATCH", "/fhir/" + id.getValue(), "application/json-patch+json", badCode),
        400,
        "almost-final");
    // ...and a patched resource that breaks the profile is refused by validation before storage.
    String noStatus = "[{\"op\":\"remove\",\"path\":\"/status\"}]";
    assertRefused(
        send("PATCH", "/fhir/" + id.getValue(), "application/json-patch+json", noStatus),
        422,
        "Observation.status");

    Observation stored = client.read().resource(Observation.class).withId(id).execute();
    assertThat(stored.getStatus()).isEqualTo(Observation.ObservationStatus.FINAL);
    assertThat(stored.getMeta().getVersionId()).isEqualTo("1");

    // A valid patch still works.
    String valid = "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"amended\"}]";
    assertThat(
            send("PATCH", "/fhir/" + id.getValue(), "application/json-patch+json", valid)
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void bodyOfAnotherTypeThanTheUrlIsABadRequest() throws Exception {
    assertRefused(
        send(
            "POST",
            "/fhir/Patient",
            JSON,
            "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"}}"),
        400,
        "Incorrect resource type");
  }

  @Test
  void healthAndReadinessAreUp() throws Exception {
    HttpResponse<String> readiness = send("GET", "/actuator/health/readiness", null, null);
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body()).contains("\"UP\"");
    assertThat(send("GET", "/actuator/health/liveness", null, null).statusCode()).isEqualTo(200);
  }
}
