package org.lumbarcds.server.cdshooks;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.lumbarcds.server.storage.ProjectDatabase;

/** The record cache and the patients' change counters, on the project's tables in H2. */
class RecordCacheTest {

  private final RecordCache cache =
      new RecordCache(ProjectDatabase.withProjectTables(), FhirContext.forR4Cached(), 100);
  private final AtomicInteger loads = new AtomicInteger();

  private static Condition condition(String patient) {
    Condition c = new Condition();
    c.setSubject(new Reference("Patient/" + patient));
    c.getCode().setText("low back pain");
    return c;
  }

  private List<IBaseResource> load() {
    loads.incrementAndGet();
    return List.of(condition("p1"));
  }

  @Test
  void anAnswerIsKeptUntilAWriteInThePatientsCompartment() {
    assertThat(cache.counter("p1")).isZero();
    cache.get("p1", cache.counter("p1"), "Condition?patient=p1", this::load);
    cache.get("p1", cache.counter("p1"), "Condition?patient=p1", this::load);
    assertThat(loads).hasValue(1);

    // another patient's write changes nothing for p1
    cache.created(condition("p2"));
    cache.get("p1", cache.counter("p1"), "Condition?patient=p1", this::load);
    assertThat(loads).hasValue(1);

    cache.created(condition("p1"));
    assertThat(cache.counter("p1")).isEqualTo(1);
    cache.get("p1", cache.counter("p1"), "Condition?patient=p1", this::load);
    assertThat(loads).hasValue(2);

    // the Patient itself, updated and deleted, counts too
    Patient p = new Patient();
    p.setId("Patient/p1");
    cache.updated(p, p);
    cache.deleted(p);
    assertThat(cache.counter("p1")).isEqualTo(3);
  }

  @Test
  void theAnswerHandedOutIsACopy() {
    List<IBaseResource> first = cache.get("p1", 0, "Condition?patient=p1", this::load);
    ((Condition) first.get(0)).getCode().setText("changed by a caller");
    List<IBaseResource> again = cache.get("p1", 0, "Condition?patient=p1", this::load);
    assertThat(((Condition) again.get(0)).getCode().getText()).isEqualTo("low back pain");
  }
}
