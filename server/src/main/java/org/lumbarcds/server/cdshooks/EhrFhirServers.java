package org.lumbarcds.server.cdshooks;

import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;
import ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.lumbarcds.server.oauth.BackendServicesClient;
import org.lumbarcds.server.oauth.BackendServicesSettings;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * EHR FHIR servers the server reads with its own access token ({@code
 * lumbarcds.cds-hooks.ehr-fhir-servers}): when a hook call names one of them as {@code fhirServer}
 * without a {@code fhirAuthorization}, the server obtains a token from that EHR's authorization
 * server as a SMART Backend Services client (client_credentials, private_key_jwt), keeps it until
 * shortly before it expires, and drops it after a 401. A call's own {@code fhirAuthorization}
 * always wins. The server still reads only the {@code fhirServer}s its CDS clients may name ({@code
 * issuers[].fhir-servers}).
 *
 * @param ehrFhirServers the servers, each its base URL and its Backend Services settings
 */
@ConfigurationProperties("lumbarcds.cds-hooks")
public record EhrFhirServers(@DefaultValue List<Server> ehrFhirServers) {

  /** One EHR FHIR server. */
  public record Server(String baseUrl, BackendServicesSettings backendServices) {}

  private static final String PROPERTY = "lumbarcds.cds-hooks.ehr-fhir-servers[].backend-services";

  /** One client (and its cached token) per server, by normalised base URL; checked at start. */
  Map<String, BackendServicesClient> clients(Duration timeout) {
    return ehrFhirServers.stream()
        .filter(s -> s.baseUrl() != null && !s.baseUrl().isBlank())
        .filter(s -> s.backendServices() != null && s.backendServices().configured())
        .collect(
            Collectors.toUnmodifiableMap(
                s -> normalise(s.baseUrl()),
                s ->
                    new BackendServicesClient(
                        s.backendServices().settings(timeout, PROPERTY), Clock.systemUTC())));
  }

  static String normalise(String url) {
    String u = url.strip().replaceAll("/+$", "");
    int scheme = u.indexOf("://");
    if (scheme < 0) {
      return u;
    }
    int path = u.indexOf('/', scheme + 3);
    String host = path < 0 ? u : u.substring(0, path);
    return host.toLowerCase(Locale.ROOT) + (path < 0 ? "" : u.substring(path));
  }

  /**
   * Sends the server's own token on every request to the EHR's FHIR server; a token that cannot be
   * obtained fails the request (the record's key is then unread, never guessed).
   */
  static IClientInterceptor ownToken(BackendServicesClient client) {
    return new IClientInterceptor() {
      @Override
      public void interceptRequest(IHttpRequest request) {
        try {
          request.addHeader(
              "Authorization",
              client
                  .authorization()
                  .orElseThrow(() -> new IOException("the token endpoint gave no token")));
        } catch (IOException e) {
          throw new FhirClientConnectionException(
              "no access token for the EHR's FHIR server (" + e.getClass().getSimpleName() + ")");
        }
      }

      @Override
      public void interceptResponse(IHttpResponse response) {
        if (response.getStatus() == 401) {
          client.rejected();
        }
      }
    };
  }

  /** The client for a {@code fhirServer}, if the server has its own token for it. */
  static Optional<BackendServicesClient> find(
      Map<String, BackendServicesClient> clients, String fhirServer) {
    return Optional.ofNullable(clients.get(normalise(fhirServer)));
  }
}
