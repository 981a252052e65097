package org.lumbarcds.server.audit;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.storage.interceptor.balp.IBalpAuditContextServices;
import jakarta.annotation.Nonnull;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentNetworkType;
import org.hl7.fhir.r4.model.Reference;

/**
 * Who made a FHIR API call, for HAPI's BALP interceptor: the same {@link AuditTrail.Actor} as every
 * other audited call (the access token's client and subject, else the open mode's local client).
 */
class BalpContext implements IBalpAuditContextServices {

  private final boolean local;

  /**
   * @param local whether the events are stored in this server's audit tables: their references are
   *     then relative ({@code Patient/1}), so that {@code AuditEvent?patient=Patient/1} finds them;
   *     else absolute, as a separate audit repository needs them
   */
  BalpContext(boolean local) {
    this.local = local;
  }

  @Override
  public String massageResourceIdForStorage(
      RequestDetails request, IBaseResource resource, IIdType id) {
    return local
        ? id.toUnqualifiedVersionless().getValue()
        : IBalpAuditContextServices.super.massageResourceIdForStorage(request, resource, id);
  }

  /** Who made the call, worked out once per request (BALP asks several times per event). */
  private static AuditTrail.Actor actor(RequestDetails request) {
    return (AuditTrail.Actor)
        request
            .getUserData()
            .computeIfAbsent(
                BalpContext.class,
                k ->
                    request instanceof ServletRequestDetails servlet
                            && servlet.getServletRequest() != null
                        ? AuditTrail.Actor.of(servlet.getServletRequest())
                        : AuditTrail.Actor.server("lumbar-cds"));
  }

  // copies: each event gets references of its own (BALP sets their display)
  @Override
  @Nonnull
  public Reference getAgentClientWho(RequestDetails request) {
    return actor(request).client().copy();
  }

  @Override
  @Nonnull
  public Reference getAgentUserWho(RequestDetails request) {
    AuditTrail.Actor actor = actor(request);
    return actor.user().orElse(actor.client()).copy();
  }

  @Override
  public String getNetworkAddress(RequestDetails request) {
    return actor(request).address().orElse(null);
  }

  @Override
  public AuditEventAgentNetworkType getNetworkAddressType(RequestDetails request) {
    return AuditEventAgentNetworkType._2;
  }
}
