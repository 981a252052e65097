package org.lumbarcds.server.cdshooks;

import java.util.Optional;
import org.lumbarcds.cds.hooks.CdsHooks;
import org.lumbarcds.cds.hooks.CdsServices;
import org.lumbarcds.cds.hooks.HookRequest;
import org.lumbarcds.cds.hooks.MriAdviceHooks;
import org.lumbarcds.server.network.ServerAddress;
import org.lumbarcds.server.viewer.ViewerLinks;

/**
 * A CDS Hooks call answered as the EHR receives it: the services' answer ({@link CdsServices}, the
 * record read as {@link RecordResolver} reads it), the cards recorded for their feedback, and each
 * card's viewer link opened for the user it is shown to. The HTTP endpoint answers through it, and
 * so does the server's own caller, the demo loader (in process, as an EHR would call).
 */
public class HookCalls {

  private final CdsServices services;
  private final FeedbackStore feedback;
  private final ViewerLinks viewerLinks;
  private final ServerAddress address;

  HookCalls(
      CdsServices services,
      FeedbackStore feedback,
      ViewerLinks viewerLinks,
      ServerAddress address) {
    this.services = services;
    this.feedback = feedback;
    this.viewerLinks = viewerLinks;
    this.address = address;
  }

  /**
   * Answers a call to a service.
   *
   * @param issuer the calling EHR's issuer when the call was authenticated
   * @throws org.lumbarcds.cds.hooks.HookException when the call is refused
   */
  public CdsHooks.Response call(String serviceId, HookRequest request, Optional<String> issuer) {
    MriAdviceHooks.Answer answer = services.call(serviceId, request);
    feedback.issued(serviceId, answer.issued());
    return viewerLinks.withAccess(
        answer.response(),
        address.root(),
        request.context().patientId(),
        Optional.ofNullable(request.context().userId()),
        issuer);
  }
}
