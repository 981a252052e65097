package org.lumbarcds.server.cdshooks;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import org.lumbarcds.cds.hooks.CdsHooks;
import org.lumbarcds.cds.hooks.CdsServices;
import org.lumbarcds.cds.hooks.HookRequest;
import org.lumbarcds.cds.hooks.MriAdviceHooks;
import org.lumbarcds.server.network.ServerAddress;
import org.lumbarcds.server.viewer.ViewerLinks;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * CDS Hooks 2.0.1 over HTTP: discovery ({@code GET /cds-services}) and the services ({@code POST
 * /cds-services/{id}}). The caller was authenticated by {@link CdsHooksSecurityFilter}; this binds
 * the request, checks the {@code fhirServer} it names, hands it to {@link CdsServices} (where what
 * each hook decides lives), records the cards issued for their feedback, and opens each viewer link
 * for the user the card is shown to. Errors are answered by {@code ApiErrors}; request bodies are
 * never logged.
 */
@RestController
class CdsHooksController {

  private final CdsServices services;
  private final FhirServerPolicy fhirServers;
  private final FeedbackStore feedback;
  private final ViewerLinks viewerLinks;
  private final ServerAddress address;

  CdsHooksController(
      CdsServices services,
      FhirServerPolicy fhirServers,
      FeedbackStore feedback,
      ViewerLinks viewerLinks,
      ServerAddress address) {
    this.services = services;
    this.fhirServers = fhirServers;
    this.feedback = feedback;
    this.viewerLinks = viewerLinks;
    this.address = address;
  }

  @GetMapping(path = "/cds-services", produces = MediaType.APPLICATION_JSON_VALUE)
  CdsHooks.Discovery discovery() {
    return services.discovery();
  }

  @PostMapping(
      path = "/cds-services/{id}",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  CdsHooks.Response call(
      @PathVariable String id, @RequestBody HookRequest request, HttpServletRequest http) {
    Optional<ClientJwtVerifier.Caller> caller = caller(http);
    services.service(id);
    request.fhirServerUrl().ifPresent(url -> fhirServers.check(url, caller));
    MriAdviceHooks.Answer answer = services.call(id, request);
    feedback.issued(id, answer.issued());
    return viewerLinks.withAccess(
        answer.response(),
        address.root(),
        request.context().patientId(),
        Optional.ofNullable(request.context().userId()),
        caller.map(ClientJwtVerifier.Caller::issuer));
  }

  /** The client the security filter authenticated; empty in open mode. */
  static Optional<ClientJwtVerifier.Caller> caller(HttpServletRequest http) {
    return http.getAttribute(CdsHooksSecurityFilter.CALLER) instanceof ClientJwtVerifier.Caller c
        ? Optional.of(c)
        : Optional.empty();
  }
}
