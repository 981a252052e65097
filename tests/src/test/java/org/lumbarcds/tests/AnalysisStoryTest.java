package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.advice.MriAdviceRules;
import org.lumbarcds.server.analysis.AnalysisJobs;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The analysis half of the story on the real server: patient and X-ray order → three DICOM
 * instances stored → order completed → Task completed and one Observation (with its Device and
 * Provenance) stored; duplicate and concurrent triggers leave exactly one result.
 */
class AnalysisStoryTest extends ServerTestBase {

  @Autowired JdbcTemplate jdbc;
  @Autowired MeterRegistry meters;

  static final String ANALYSIS_SYSTEM = "http://lumbarcds.org/fhir/NamingSystem/analysis";

  /** A patient and an active order for a fresh copy of the fixture study, then the STOW. */
  record Ordered(PhantomStudy study, IIdType patient, IIdType order) {}

  Ordered orderAndStore(String... fixtures) throws Exception {
    PhantomStudy study = PhantomStudy.copy(fixtures);
    Ordered ordered = order(study);
    stow(study);
    return ordered;
  }

  /** Stores the study's files by STOW-RS. */
  void stow(PhantomStudy study) throws Exception {
    study.stow(http, port);
  }

  /** The order-complete hook's request for an order. */
  static ObjectNode orderComplete(Ordered o) {
    ObjectNode complete = CdsClient.JSON.createObjectNode();
    complete
        .put("hook", "org.lumbarcds.order-complete")
        .put("hookInstance", java.util.UUID.randomUUID().toString());
    complete
        .putObject("context")
        .put("patientId", o.patient().getIdPart())
        .put("serviceRequestId", o.order().getIdPart());
    return complete;
  }

  /** A patient with the study's Patient ID and an active order with its accession number. */
  Ordered order(PhantomStudy study) {
    return order(client, study);
  }

  /** The same, through a given client. */
  /** The story's order and the one AI result it produced. */
  record Story(Ordered ordered, Observation result) {}

  /**
   * The whole story through a client that sends {@code authorization} (or none): a patient and
   * order, the phantom study stored by STOW-RS, the order completed, the analysis awaited, and its
   * one result read back, about the order's patient.
   */
  static Story story(
      ca.uhn.fhir.rest.client.api.IGenericClient client,
      java.net.http.HttpClient http,
      int port,
      String authorization)
      throws Exception {
    PhantomStudy study =
        PhantomStudy.copy("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    Ordered ordered = order(client, study);
    study.stow(http, port, authorization);
    complete(client, ordered.order(), null);
    AnalysisRecords.awaitTask(client, ordered.order(), Task.TaskStatus.COMPLETED);
    List<Observation> results = AnalysisRecords.results(client, ordered.order());
    assertThat(results).hasSize(1);
    assertThat(results.get(0).getSubject().getReference()).isEqualTo(ordered.patient().getValue());
    return new Story(ordered, results.get(0));
  }

  static Ordered order(ca.uhn.fhir.rest.client.api.IGenericClient client, PhantomStudy study) {
    IIdType patient =
        client
            .create()
            .resource(Fixtures.patient(study.patientId()))
            .execute()
            .getId()
            .toUnqualifiedVersionless();
    IIdType order =
        client
            .create()
            .resource(Fixtures.lumbarXrOrder(new Reference(patient), study.accession()))
            .execute()
            .getId()
            .toUnqualifiedVersionless();
    return new Ordered(study, patient, order);
  }

  void complete(IIdType orderId, String note) {
    complete(client, orderId, note);
  }

  /**
   * A new patient and order with the fixture study's three views stored, the order completed and
   * its analysis done (Task completed).
   */
  static Ordered analysed(
      ca.uhn.fhir.rest.client.api.IGenericClient client, java.net.http.HttpClient http, int port)
      throws Exception {
    PhantomStudy study =
        PhantomStudy.copy("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    Ordered o = order(client, study);
    study.stow(http, port);
    complete(client, o.order(), null);
    AnalysisRecords.awaitTask(client, o.order(), Task.TaskStatus.COMPLETED);
    return o;
  }

  /** Writes the order as completed (with a note, if given). */
  static void complete(
      ca.uhn.fhir.rest.client.api.IGenericClient client, IIdType orderId, String note) {
    ServiceRequest order = client.read().resource(ServiceRequest.class).withId(orderId).execute();
    order.setStatus(ServiceRequest.ServiceRequestStatus.COMPLETED);
    if (note != null) {
      order.addNote().setText(note);
    }
    client.update().resource(order).execute();
  }

  Task awaitTask(IIdType order, Task.TaskStatus status) {
    return AnalysisRecords.awaitTask(client, order, status);
  }

  /** Whether a job for the order is queued or running. */
  private boolean pending(Ordered o) {
    return jdbc.queryForObject(
            "SELECT COUNT(*) FROM " + AnalysisJobs.TABLE + " WHERE task_instance = ?",
            Long.class,
            o.order().getIdPart())
        > 0;
  }

  /** How many analysis jobs finished with the outcome since the server started. */
  private double finishedJobs(String outcome) {
    Counter counter = meters.find(AnalysisJobs.JOBS_METRIC).tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  List<Observation> resultsFor(IIdType order) {
    return AnalysisRecords.results(client, order);
  }

  /**
   * Two patients' orders with one Accession Number (another issuer's numbers, a typing error): a
   * study is linked to its own patient's order only, and only that order is analysed from it. The
   * other order's analysis never reads this patient's images.
   */
  @Test
  void aStudyIsNeverLinkedToAnotherPatientsOrderWithTheSameAccessionNumber() throws Exception {
    PhantomStudy study =
        PhantomStudy.copy("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    IIdType otherPatient =
        client
            .create()
            .resource(Fixtures.patient(study.patientId() + "X"))
            .execute()
            .getId()
            .toUnqualifiedVersionless();
    IIdType otherOrder =
        client
            .create()
            .resource(Fixtures.lumbarXrOrder(new Reference(otherPatient), study.accession()))
            .execute()
            .getId()
            .toUnqualifiedVersionless();
    Ordered own = order(study);
    stow(study);

    ImagingStudy indexed =
        client
            .search()
            .forResource(ImagingStudy.class)
            .where(
                ImagingStudy.IDENTIFIER
                    .exactly()
                    .systemAndCode("urn:dicom:uid", "urn:oid:" + study.studyUid()))
            .returnBundle(Bundle.class)
            .execute()
            .getEntry()
            .stream()
            .map(e -> (ImagingStudy) e.getResource())
            .findFirst()
            .orElseThrow();
    assertThat(indexed.getSubject().getReference()).isEqualTo(own.patient().getValue());
    assertThat(indexed.getBasedOn())
        .extracting(Reference::getReference)
        .containsExactly(own.order().getValue());

    complete(otherOrder, null);
    complete(own.order(), null);
    awaitTask(own.order(), Task.TaskStatus.COMPLETED);
    assertThat(resultsFor(own.order())).hasSize(1);
    assertThat(resultsFor(own.order()).get(0).getSubject().getReference())
        .isEqualTo(own.patient().getValue());
    // the other order waits for a study of its own patient; it never gets this one's result
    Task waiting = AnalysisRecords.task(client, otherOrder).orElseThrow();
    assertThat(waiting.getStatus()).isNotEqualTo(Task.TaskStatus.COMPLETED);
    assertThat(resultsFor(otherOrder)).isEmpty();
  }

  @Test
  void aCompletedOrderWithItsThreeViewsGetsOneObservationWithDeviceProvenanceAndTask()
      throws Exception {
    Ordered o = orderAndStore("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    complete(o.order(), null);

    Task task = awaitTask(o.order(), Task.TaskStatus.COMPLETED);
    assertThat(task.getFor().getReference()).isEqualTo(o.patient().getValue());
    assertThat(task.getIdentifierFirstRep().getSystem())
        .isEqualTo("http://lumbarcds.org/fhir/NamingSystem/analysis-job");

    List<Observation> results = resultsFor(o.order());
    assertThat(results).hasSize(1);
    Observation obs = results.get(0);
    assertThat(task.getOutputFirstRep().getValue())
        .isInstanceOfSatisfying(
            Reference.class,
            r ->
                assertThat(r.getReference())
                    .isEqualTo(obs.getIdElement().toUnqualifiedVersionless().getValue()));
    assertThat(obs.getIdentifierFirstRep().getSystem()).isEqualTo(ANALYSIS_SYSTEM);
    assertThat(obs.getIdentifierFirstRep().getValue()).startsWith(o.study().studyUid() + "|");
    assertThat(obs.getStatus()).isEqualTo(Observation.ObservationStatus.PRELIMINARY);
    assertThat(obs.getSubject().getReference()).isEqualTo(o.patient().getValue());
    double p = ((Quantity) obs.getValue()).getValue().doubleValue();
    assertThat(p).isBetween(0.0, 1.0);
    assertThat(obs.getComponent()).hasSizeGreaterThanOrEqualTo(4); // 3 view scores + views used

    ImagingStudy study =
        client
            .read()
            .resource(ImagingStudy.class)
            .withUrl(obs.getDerivedFromFirstRep().getReference())
            .execute();
    assertThat(study.getBasedOnFirstRep().getReference()).isEqualTo(o.order().getValue());

    Device device =
        client.read().resource(Device.class).withUrl(obs.getDevice().getReference()).execute();
    assertThat(device.getIdentifierFirstRep().getValue()).hasSize(64);
    assertThat(device.getUrl()).endsWith("/model/card");
    HttpResponse<String> card = send("GET", "/model/card", null, null);
    assertThat(card.statusCode()).isEqualTo(200);
    assertThat(card.body()).contains(device.getIdentifierFirstRep().getValue());

    Bundle provenance =
        client
            .search()
            .forResource(Provenance.class)
            .where(Provenance.TARGET.hasId(obs.getIdElement().toUnqualifiedVersionless()))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(provenance.getEntry()).hasSize(1);
    Provenance prov = (Provenance) provenance.getEntryFirstRep().getResource();
    assertThat(prov.getAgentFirstRep().getWho().getReference())
        .isEqualTo(obs.getDevice().getReference());
    assertThat(prov.getEntityFirstRep().getWhat().getReference())
        .isEqualTo(obs.getDerivedFromFirstRep().getReference());
    // the EHR signs a draft lumbar MRI for the patient: the card rests on this Observation
    CdsClient cds = new CdsClient(port);
    JsonNode modelCard = CdsClient.JSON.readTree(card.body());
    double ruleOut = modelCard.at("/operating_points/rule_out/threshold").asDouble();
    double ruleIn = modelCard.at("/operating_points/rule_in/threshold").asDouble();
    ObjectNode sign = CdsHooksTestBase.orderSignWithDraftMri("Practitioner/1", o.patient());
    JsonNode signed = CdsHooksTestBase.onlyCard(cds.hook("lss-mri-order-sign", sign));
    // no symptoms on record, no red flag, no prior MRI: the band of p decides
    String expected =
        p >= ruleIn
            ? "conservative care first"
            : MriAdviceRules.unlikely(p, ruleOut) ? "unlikely" : "indeterminate";
    assertThat(signed.path("summary").asText()).contains(expected);
    assertThat(signed.path("indicator").asText())
        .isEqualTo(MriAdviceRules.unlikely(p, ruleOut) ? "warning" : "info");
    assertThat(signed.path("detail").asText())
        .contains(String.format(java.util.Locale.ROOT, "%.4f", p))
        .contains(obs.getIdElement().toUnqualifiedVersionless().getValue());
    assertThat(signed.at("/links/0/url").asText())
        .contains("/viewer/" + obs.getIdElement().getIdPart() + "#access=");

    // the order-complete hook reuses the stored analysis and hands the result back to record
    ObjectNode complete = orderComplete(o);
    JsonNode answer = cds.hook("lss-order-complete", complete);
    CdsHooksTestBase.onlyCard(answer);
    JsonNode action = answer.at("/systemActions/0");
    assertThat(action.path("type").asText()).isEqualTo("create");
    assertThat(action.at("/resource/resourceType").asText()).isEqualTo("Observation");
    assertThat(action.at("/resource/identifier/0/value").asText())
        .isEqualTo(obs.getIdentifierFirstRep().getValue());
    assertThat(resultsFor(o.order())).as("reused, not analysed again").hasSize(1);
  }

  @Test
  void theOrderCompleteHookRunsOrReusesTheAnalysisSynchronously() throws Exception {
    // the order stays active; the study's arrival queued a job that races the hook: one result
    Ordered o = orderAndStore("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    ObjectNode complete = orderComplete(o);
    JsonNode answer = new CdsClient(port).hook("lss-order-complete", complete);
    CdsHooksTestBase.onlyCard(answer);
    assertThat(answer.at("/systemActions/0/resource/valueQuantity/value").asDouble())
        .isBetween(0.0, 1.0);
    assertThat(resultsFor(o.order())).hasSize(1);

    ObjectNode otherPatient = complete.deepCopy();
    ((ObjectNode) otherPatient.get("context")).put("patientId", "someone-else");
    HttpResponse<String> refused =
        new CdsClient(port)
            .call(
                "POST",
                "/cds-services/lss-order-complete",
                CdsClient.JSON.writeValueAsString(otherPatient));
    assertThat(refused.statusCode()).isEqualTo(400);
  }

  @Test
  void duplicateAndConcurrentTriggersLeaveExactlyOneResult() throws Exception {
    Ordered o = orderAndStore("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    // the study's arrival already queued the job; eight concurrent completions queue it again
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Object>> writes = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String note = "completion " + i;
        writes.add(
            () -> {
              for (int attempt = 0; ; attempt++) {
                try {
                  complete(o.order(), note);
                  return null;
                } catch (ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException e) {
                  if (attempt > 20) {
                    throw e;
                  }
                }
              }
            });
      }
      for (Future<Object> f : pool.invokeAll(writes)) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    Task task = awaitTask(o.order(), Task.TaskStatus.COMPLETED);
    await("the concurrent writes' jobs").atMost(Duration.ofSeconds(90)).until(() -> !pending(o));
    // and once more after the result exists: the job runs and reuses it
    double reused = finishedJobs("reused");
    complete(o.order(), "late duplicate");
    await("the late duplicate's job")
        .atMost(Duration.ofSeconds(90))
        .until(() -> finishedJobs("reused") > reused && !pending(o));
    Task after = awaitTask(o.order(), Task.TaskStatus.COMPLETED);
    assertThat(((Reference) after.getOutputFirstRep().getValue()).getReference())
        .isEqualTo(((Reference) task.getOutputFirstRep().getValue()).getReference());

    // and nothing else is written for the order
    await("one result, and no other written")
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> resultsFor(o.order()).size(), is(1));
    List<Observation> results = resultsFor(o.order());
    Bundle provenance =
        client
            .search()
            .forResource(Provenance.class)
            .where(
                Provenance.TARGET.hasId(results.get(0).getIdElement().toUnqualifiedVersionless()))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(provenance.getEntry()).hasSize(1);
  }

  @Test
  void aViewMissingGivesAQualityFailureThatTheLateViewSupersedes() throws Exception {
    PhantomStudy whole =
        PhantomStudy.copy("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    Ordered o = order(whole);
    stow(whole.only(0, 1));
    complete(o.order(), null);

    Task task = awaitTask(o.order(), Task.TaskStatus.COMPLETED);
    List<Observation> results = resultsFor(o.order());
    assertThat(results).hasSize(1);
    Observation failure = results.get(0);
    assertThat(failure.hasValue()).isFalse();
    assertThat(failure.getDataAbsentReason().getCodingFirstRep().getCode()).isEqualTo("error");
    assertThat(
            failure.getComponent().stream()
                .filter(
                    c -> c.getCode().getCodingFirstRep().getCode().equals("lss-ai-quality-flag"))
                .map(c -> c.getValueCodeableConcept().getCodingFirstRep().getCode())
                .toList())
        .containsExactly("view-missing-extension");
    IIdType id = failure.getIdElement().toUnqualifiedVersionless();

    // the extension view arrives late: the study now holds its three views, the analysis runs
    // again and the same Observation gets the probability
    stow(whole.only(2));
    Observation analysed =
        await("the complete analysis")
            .atMost(Duration.ofSeconds(90))
            .until(
                () -> client.read().resource(Observation.class).withId(id).execute(),
                Observation::hasValue);
    assertThat(analysed.hasValueQuantity()).as("superseded by the complete analysis").isTrue();
    assertThat(analysed.hasDataAbsentReason()).isFalse();
    assertThat(analysed.getIdElement().getVersionIdPart()).isEqualTo("2");
    assertThat(analysed.getIdentifierFirstRep().getValue())
        .isEqualTo(failure.getIdentifierFirstRep().getValue());
    assertThat(resultsFor(o.order())).as("still one result per study and model").hasSize(1);
    List<Provenance> provenance = AnalysisRecords.provenance(client, id);
    assertThat(provenance).hasSize(2);
    assertThat(provenance)
        .anySatisfy(
            p -> {
              assertThat(p.getActivity().getCodingFirstRep().getCode()).isEqualTo("UPDATE");
              assertThat(p.getAgentFirstRep().getWho().getReference())
                  .isEqualTo(analysed.getDevice().getReference());
            });
    // the failure stays readable in the Observation's history
    Observation first =
        client.read().resource(Observation.class).withIdAndVersion(id.getIdPart(), "1").execute();
    assertThat(first.hasDataAbsentReason()).isTrue();
    Task after = awaitTask(o.order(), Task.TaskStatus.COMPLETED);
    assertThat(((Reference) after.getOutputFirstRep().getValue()).getReference())
        .isEqualTo(((Reference) task.getOutputFirstRep().getValue()).getReference());
  }

  @Test
  void anOrderWhoseImagesCannotBeReadFailsWithTheReasonOnItsTask() throws Exception {
    Ordered o = order(PhantomStudy.copy("study1/neutral.dcm"));
    IIdType patient = o.patient();
    IIdType order = o.order();
    // the study sits on a PACS that is not configured: a permanent failure, not retried
    var endpoint = client.create().resource(Fixtures.wadoEndpoint()).execute().getId();
    client
        .create()
        .resource(
            Fixtures.threeViewStudy(
                new Reference(patient.toUnqualifiedVersionless()),
                new Reference(order),
                new Reference(endpoint.toUnqualifiedVersionless()),
                o.study().studyUid()))
        .execute();
    complete(order, null);

    Task task = awaitTask(order, Task.TaskStatus.FAILED);
    assertThat(task.getStatusReason().getText()).contains("not a configured PACS");
    assertThat(resultsFor(order)).isEmpty();
  }
}
