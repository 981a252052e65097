package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.is;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Task;

/** What an analysis leaves in the FHIR store for an order: its Task and its Observations. */
final class AnalysisRecords {

  private AnalysisRecords() {}

  /** The order's Task, if one exists (never more than one). */
  static Optional<Task> task(IGenericClient client, IIdType order) {
    Bundle tasks =
        client
            .search()
            .forResource(Task.class)
            .where(Task.FOCUS.hasId(order.getValue()))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(tasks.getEntry()).as("one Task per order").hasSizeLessThanOrEqualTo(1);
    return tasks.getEntry().stream().map(e -> (Task) e.getResource()).findFirst();
  }

  /** Waits up to 90 s for the order's Task to reach a status. */
  static Task awaitTask(IGenericClient client, IIdType order, Task.TaskStatus status) {
    // the status polled, so that a timeout names the one it stayed at
    Awaitility.await("the order's Task")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> task(client, order).map(Task::getStatus).orElse(null), is(status));
    return task(client, order).orElseThrow();
  }

  /** The Observations based on the order. */
  static List<Observation> results(IGenericClient client, IIdType order) {
    Bundle found =
        client
            .search()
            .forResource(Observation.class)
            .where(Observation.BASED_ON.hasId(order.getValue()))
            .returnBundle(Bundle.class)
            .execute();
    return found.getEntry().stream().map(e -> (Observation) e.getResource()).toList();
  }

  /** The Provenance resources whose target is the resource. */
  static List<org.hl7.fhir.r4.model.Provenance> provenance(IGenericClient client, IIdType target) {
    return client
        .search()
        .forResource(org.hl7.fhir.r4.model.Provenance.class)
        .where(org.hl7.fhir.r4.model.Provenance.TARGET.hasId(target.toUnqualifiedVersionless()))
        .returnBundle(Bundle.class)
        .execute()
        .getEntry()
        .stream()
        .map(e -> (org.hl7.fhir.r4.model.Provenance) e.getResource())
        .toList();
  }
}
