package org.lumbarcds.server.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.AuditEvent;
import org.lumbarcds.server.security.AccessToken;
import org.lumbarcds.server.security.SmartScopes;

/**
 * The audit trail on the FHIR API beyond HAPI's BALP interceptor:
 *
 * <ul>
 *   <li>AuditEvents are shown only to a search or read of AuditEvent itself (and its pages): the
 *       AuditEvents naming a patient are in the Patient compartment, but they are the security
 *       team's, not the clinical record, so {@code Patient/$everything} and {@code _revinclude}
 *       leave them out; a later page shows them only to a token whose scopes name AuditEvent (or in
 *       open mode).
 *   <li>{@code Patient/$everything} (an operation, which BALP does not record) is recorded.
 * </ul>
 */
public class AuditedFhirApi {

  private final AuditTrail trail;
  private final boolean recording;

  AuditedFhirApi(AuditTrail trail, boolean recording) {
    this.trail = trail;
    this.recording = recording;
  }

  // before HAPI's authorization interceptor (order 0), which would refuse the whole answer
  @Hook(value = Pointcut.STORAGE_PRESHOW_RESOURCES, order = -100)
  public void withoutAuditEvents(IPreResourceShowDetails shown, RequestDetails request) {
    if (request == null || shown.size() == 0) {
      return;
    }
    boolean auditSearch = SmartScopes.AUDIT_EVENT.equals(request.getResourceName());
    boolean page = request.getRestOperationType() == RestOperationTypeEnum.GET_PAGE;
    if (auditSearch || (page && readsAuditEvents(request))) {
      return;
    }
    for (int i = 0; i < shown.size(); i++) {
      if (shown.getResource(i) instanceof AuditEvent) {
        shown.setResource(i, null);
      }
    }
    if (recording
        && "$everything".equals(request.getOperation())
        && request.getId() != null
        && request.getId().hasIdPart()
        && request instanceof ServletRequestDetails servlet
        && servlet.getServletRequest() != null) {
      trail.record(
          Activity.EVERYTHING,
          AuditTrail.Actor.of(servlet.getServletRequest()),
          AuditEvent.AuditEventOutcome._0,
          List.of("Patient/" + request.getId().getIdPart()),
          List.of(),
          Optional.of(servlet.getServletRequest().getMethod() + " " + request.getRequestPath()));
    }
  }

  private static boolean readsAuditEvents(RequestDetails request) {
    if (!(request instanceof ServletRequestDetails servlet)
        || servlet.getServletRequest() == null) {
      return false;
    }
    Object token = servlet.getServletRequest().getAttribute(AccessToken.ATTRIBUTE);
    // open mode (no token at all): the local user searching AuditEvents pages through them
    return token == null || ((AccessToken) token).scopes().allows('s', SmartScopes.AUDIT_EVENT);
  }
}
