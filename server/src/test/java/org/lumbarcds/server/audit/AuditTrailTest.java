package org.lumbarcds.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** The trail's writer: batches, retries, the store's refusals, and what an event holds. */
class AuditTrailTest {

  private final List<AuditEvent> stored = new CopyOnWriteArrayList<>();

  private static AuditEvent event(String patient) {
    AuditEvent e = new AuditEvent();
    e.addEntity().getWhat().setReference(patient);
    e.addAgent().getWho().setReference("Practitioner/1");
    return e;
  }

  @Test
  void eventsAreWrittenInTheBackgroundAndAFailedWriteIsRetried() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (AuditTrail trail =
        new AuditTrail(
            batch -> {
              if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("database away");
              }
              stored.addAll(batch);
            },
            100,
            50,
            "lumbar-cds")) {
      for (int i = 0; i < 20; i++) {
        trail.recordAuditEvent(event("Patient/p" + i));
      }
      assertThat(trail.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(stored).hasSize(20);
      assertThat(trail.failures()).isEqualTo(1);
      assertThat(trail.lost()).isZero();
    }
  }

  @Test
  void anEventTheStoreRefusesIsKeptWithItsReferencesAsIdentifiers() throws Exception {
    try (AuditTrail trail =
        new AuditTrail(
            batch -> {
              if (batch.stream().anyMatch(e -> e.getEntityFirstRep().getWhat().hasReference())) {
                throw new InvalidRequestException("refers to a deleted resource");
              }
              stored.addAll(batch);
            },
            100,
            50,
            "lumbar-cds")) {
      trail.recordAuditEvent(event("Patient/gone"));
      assertThat(trail.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(stored).hasSize(1);
      assertThat(stored.get(0).getEntityFirstRep().getWhat().getIdentifier().getValue())
          .isEqualTo("Patient/gone");
      assertThat(stored.get(0).getEntityFirstRep().getWhat().getIdentifier().getSystem())
          .isEqualTo(AuditTrail.REFERENCE);
    }
  }

  @Test
  void aFullQueueMakesTheCallerWriteItsOwnEvent() throws Exception {
    Object gate = new Object();
    AtomicInteger callers = new AtomicInteger();
    try (AuditTrail trail =
        new AuditTrail(
            batch -> {
              if (Thread.currentThread().getName().equals("audit-writer")) {
                synchronized (gate) {
                  try {
                    gate.wait(3_000); // the writer is stuck for a while
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }
              } else {
                callers.incrementAndGet();
              }
              stored.addAll(batch);
            },
            1,
            1,
            "lumbar-cds")) {
      for (int i = 0; i < 4; i++) {
        trail.recordAuditEvent(event("Patient/p" + i));
      }
      assertThat(callers.get()).isPositive();
      synchronized (gate) {
        gate.notifyAll();
      }
      assertThat(trail.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(stored).hasSize(4);
    }
  }

  @Test
  void anActivitysEventNamesWhoWhatAndWhereButNoQueryValues() throws Exception {
    try (AuditTrail trail = new AuditTrail(stored::addAll, 10, 10, "lumbar-cds")) {
      MockHttpServletRequest http =
          new MockHttpServletRequest("POST", "/cds-services/lss-mri-order-sign");
      http.setQueryString("patient=secret-value");
      http.setRemoteAddr("10.1.2.3");
      http.setAttribute(AuditTrail.CLIENT, "https://ehr.example");
      http.setAttribute(AuditTrail.USER, "Practitioner/9");
      http.setAttribute(AuditTrail.PATIENTS, List.of("Patient/p1"));
      trail.record(Activity.HOOK_CALL, http, AuditEventOutcome._0);
      trail.flush(Duration.ofSeconds(10));
      AuditEvent e = stored.get(0);
      assertThat(e.getType().getCode()).isEqualTo("110110");
      assertThat(e.getSubtypeFirstRep().getCode()).isEqualTo("hook-call");
      assertThat(e.getAgent())
          .extracting(a -> a.getName())
          .contains("https://ehr.example", "Practitioner/9");
      assertThat(e.getAgent()).extracting(a -> a.getNetwork().getAddress()).contains("10.1.2.3");
      assertThat(e.getEntity())
          .extracting(en -> en.getWhat().getReference())
          .contains("Patient/p1");
      assertThat(e.getEntity())
          .extracting(en -> en.getDescription())
          .contains("POST /cds-services/lss-mri-order-sign");
      assertThat(
              ca.uhn.fhir.context.FhirContext.forR4Cached()
                  .newJsonParser()
                  .encodeResourceToString(e))
          .doesNotContain("secret-value");
    }
  }

  @Test
  void eachPathIsTheActivityItIs() {
    assertThat(AuditFilter.activity("POST", "/dicomweb/studies")).contains(Activity.DICOM_STORE);
    assertThat(AuditFilter.activity("GET", "/dicomweb/studies")).contains(Activity.DICOM_QUERY);
    assertThat(AuditFilter.activity("GET", "/dicomweb/studies/1.2/series"))
        .contains(Activity.DICOM_QUERY);
    assertThat(AuditFilter.activity("GET", "/dicomweb/studies/1.2/metadata"))
        .contains(Activity.DICOM_RETRIEVE);
    assertThat(AuditFilter.activity("POST", "/imaging/index")).contains(Activity.IMAGING_INDEX);
    assertThat(AuditFilter.activity("GET", "/viewer/api/o1")).contains(Activity.VIEWER_OPEN);
    assertThat(AuditFilter.activity("POST", "/viewer/api/o1/review"))
        .contains(Activity.VIEWER_REVIEW);
    assertThat(AuditFilter.activity("GET", "/viewer/api/o1/views/flexion.png")).isEmpty();
    assertThat(AuditFilter.activity("POST", "/cds-services/lss-mri-order-sign"))
        .contains(Activity.HOOK_CALL);
    assertThat(AuditFilter.activity("GET", "/cds-services")).isEqualTo(Optional.empty());
    assertThat(AuditFilter.outcome(200)).isEqualTo(AuditEventOutcome._0);
    assertThat(AuditFilter.outcome(404)).isEqualTo(AuditEventOutcome._4);
    assertThat(AuditFilter.outcome(503)).isEqualTo(AuditEventOutcome._8);
  }
}
