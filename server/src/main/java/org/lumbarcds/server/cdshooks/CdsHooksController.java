package org.lumbarcds.server.cdshooks;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Optional;
import org.lumbarcds.cds.hooks.CdsHooks;
import org.lumbarcds.cds.hooks.CdsServices;
import org.lumbarcds.cds.hooks.HookRequest;
import org.lumbarcds.server.audit.AuditTrail;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * CDS Hooks 2.0.1 over HTTP: discovery ({@code GET /cds-services}) and the services ({@code POST
 * /cds-services/{id}}). The caller was authenticated by {@link CdsHooksSecurityFilter}; this binds
 * the request, checks the {@code fhirServer} it names and has {@link HookCalls} answer it ({@link
 * CdsServices}, where what each hook decides lives; the cards recorded for their feedback; each
 * viewer link opened for the user the card is shown to). Errors are answered by {@code ApiErrors};
 * request bodies are never logged.
 */
@RestController
class CdsHooksController {

  private final CdsServices services;
  private final FhirServerPolicy fhirServers;
  private final HookCalls calls;

  CdsHooksController(CdsServices services, FhirServerPolicy fhirServers, HookCalls calls) {
    this.services = services;
    this.fhirServers = fhirServers;
    this.calls = calls;
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
    HookRequest.Context context = request.context();
    AuditTrail.touched(
        caller
            .map(c -> c.subject().map(s -> c.issuer() + " (" + s + ")").orElse(c.issuer()))
            .orElse(null),
        context == null ? null : context.userId(),
        context == null || context.patientId() == null
            ? List.of()
            : List.of("Patient/" + context.patientId()),
        List.of());
    request.fhirServerUrl().ifPresent(url -> fhirServers.check(url, caller));
    return calls.call(id, request, caller.map(ClientJwtVerifier.Caller::issuer));
  }

  /** The client the security filter authenticated; empty in open mode. */
  static Optional<ClientJwtVerifier.Caller> caller(HttpServletRequest http) {
    return http.getAttribute(CdsHooksSecurityFilter.CALLER) instanceof ClientJwtVerifier.Caller c
        ? Optional.of(c)
        : Optional.empty();
  }
}
