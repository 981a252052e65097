package org.lumbarcds.server.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.model.DeleteConflict;
import ca.uhn.fhir.jpa.api.model.DeleteConflictList;
import ca.uhn.fhir.jpa.dao.data.IResourceLinkDao;
import ca.uhn.fhir.model.primitive.IdDt;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * An AuditEvent naming a resource never stops the resource's deletion: the trail records accesses,
 * it does not hold the record together. Every other reference still does (referential integrity on
 * delete stays on).
 *
 * <p>HAPI reports a delete's conflicts a few at a time (the first query asks for one). So when it
 * reports only AuditEvents, all the links to the resource are looked at here: if any comes from
 * another type, that one is reported instead and the delete is refused as before; if all come from
 * AuditEvents, the delete goes on and the AuditEvents keep their reference (to a deleted resource).
 * HAPI's own {@code OverridePathBasedReferentialIntegrityForDeletesInterceptor} is not used: once
 * one conflict at its paths is seen it ignores every conflict of the resource, clinical ones too.
 */
public class AuditEventsDoNotBlockDeletes {

  private final IResourceLinkDao links;

  AuditEventsDoNotBlockDeletes(IResourceLinkDao links) {
    this.links = links;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_DELETE_CONFLICTS)
  public void ignoreAuditEvents(DeleteConflictList conflicts) {
    List<DeleteConflict> fromAudit = new ArrayList<>();
    conflicts.forEach(
        c -> {
          if (isAuditEvent(c.getSourceId())) {
            fromAudit.add(c);
          }
        });
    if (fromAudit.isEmpty()) {
      return;
    }
    conflicts.removeIf(c -> isAuditEvent(c.getSourceId()));
    if (!conflicts.isEmpty()) {
      return; // another resource refers to it: refused as before
    }
    // all the reported ones were AuditEvents: is anything else referring to the same resource?
    for (DeleteConflict audit : fromAudit) {
      IdDt target = audit.getTargetId();
      Optional<IdDt> other;
      try (Stream<IdDt> sources =
          links.streamSourceIdsForTargetFhirId(target.getResourceType(), target.getIdPart())) {
        other = sources.filter(s -> !isAuditEvent(s)).findFirst();
      }
      if (other.isPresent()) {
        conflicts.add(new DeleteConflict(other.get(), "(a reference)", target));
        return;
      }
    }
  }

  private static boolean isAuditEvent(IdDt id) {
    return id != null && "AuditEvent".equals(id.getResourceType());
  }
}
