package org.lumbarcds.server.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.AuditEvent;

/**
 * Records {@code Patient/$everything} on the FHIR API: an operation, which HAPI's BALP interceptor
 * (reads, searches, writes) does not record.
 */
public class AuditedFhirApi {

  private final AuditTrail trail;

  AuditedFhirApi(AuditTrail trail) {
    this.trail = trail;
  }

  @Hook(Pointcut.STORAGE_PRESHOW_RESOURCES)
  public void everything(IPreResourceShowDetails shown, RequestDetails request) {
    if (request != null
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
}
