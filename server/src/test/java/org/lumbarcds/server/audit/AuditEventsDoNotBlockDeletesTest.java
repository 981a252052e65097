package org.lumbarcds.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.jpa.api.model.DeleteConflict;
import ca.uhn.fhir.jpa.api.model.DeleteConflictList;
import ca.uhn.fhir.jpa.dao.data.IResourceLinkDao;
import ca.uhn.fhir.model.primitive.IdDt;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** A delete's conflicts: AuditEvents never count, every other reference still does. */
class AuditEventsDoNotBlockDeletesTest {

  private static final IdDt PATIENT = new IdDt("Patient/p1");

  private final IResourceLinkDao links = mock(IResourceLinkDao.class);
  private final AuditEventsDoNotBlockDeletes hook = new AuditEventsDoNotBlockDeletes(links);

  private static DeleteConflictList conflicts(String... sources) {
    DeleteConflictList list = new DeleteConflictList();
    for (String source : sources) {
      list.add(new DeleteConflict(new IdDt(source), "path", PATIENT));
    }
    return list;
  }

  private static List<String> sources(DeleteConflictList list) {
    List<String> out = new ArrayList<>();
    list.forEach(c -> out.add(c.getSourceId().getValue()));
    return out;
  }

  @Test
  void onlyAuditEventsReferringToItLetTheDeleteGoOn() {
    when(links.streamSourceIdsForTargetFhirId("Patient", "p1"))
        .thenReturn(Stream.of(new IdDt("AuditEvent/a1"), new IdDt("AuditEvent/a2")));
    DeleteConflictList list = conflicts("AuditEvent/a1");
    hook.ignoreAuditEvents(list);
    assertThat(list.isEmpty()).isTrue();
  }

  @Test
  void anotherReferenceBehindTheAuditEventsStillRefusesIt() {
    // HAPI reported an AuditEvent first; an Observation refers to the patient too
    when(links.streamSourceIdsForTargetFhirId("Patient", "p1"))
        .thenReturn(Stream.of(new IdDt("AuditEvent/a1"), new IdDt("Observation/o1")));
    DeleteConflictList list = conflicts("AuditEvent/a1");
    hook.ignoreAuditEvents(list);
    assertThat(sources(list)).containsExactly("Observation/o1");
  }

  @Test
  void reportedClinicalConflictsStay() {
    DeleteConflictList list = conflicts("AuditEvent/a1", "Condition/c1");
    hook.ignoreAuditEvents(list);
    assertThat(sources(list)).containsExactly("Condition/c1");
    DeleteConflictList none = conflicts("Condition/c1");
    hook.ignoreAuditEvents(none);
    assertThat(sources(none)).containsExactly("Condition/c1");
  }
}
