package org.lumbarcds.server.dicomweb;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.lumbarcds.cds.imaging.Credentials;
import org.lumbarcds.cds.imaging.DicomWebClient;
import org.lumbarcds.server.oauth.BackendServicesClient;
import org.lumbarcds.server.oauth.BackendServicesSettings;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The PACSs the server may read from ({@code lumbarcds.pacs.*}). Only Endpoints whose address is
 * one of {@code servers} are used, each with its own credentials: an Endpoint written through the
 * FHIR API cannot send the server's requests, or a PACS's credentials, anywhere else.
 *
 * @param connectTimeout limit to open a connection
 * @param requestTimeout limit for a whole answer, body included
 * @param attempts tries per request (1 = no retry)
 * @param firstBackoff wait before the first retry, doubled before each next one
 * @param maxDownloadSize largest answer accepted (a study's metadata, one instance)
 * @param servers the allowed PACSs
 */
@ConfigurationProperties("lumbarcds.pacs")
public record PacsProperties(
    @DefaultValue("5s") Duration connectTimeout,
    @DefaultValue("30s") Duration requestTimeout,
    @DefaultValue("3") int attempts,
    @DefaultValue("500ms") Duration firstBackoff,
    @DefaultValue("256MB") DataSize maxDownloadSize,
    List<Server> servers) {

  /**
   * One PACS.
   *
   * @param baseUrl its DICOMweb root, as Endpoint.address gives it
   * @param authorization the Authorization header value to send it (e.g. {@code Basic …}); empty:
   *     none
   * @param backendServices for a PACS behind OAuth 2.0: how the server obtains its own access token
   *     (SMART Backend Services); not together with {@code authorization}
   */
  public record Server(
      String baseUrl, String authorization, BackendServicesSettings backendServices) {

    boolean usesBackendServices() {
      return backendServices != null && backendServices.configured();
    }
  }

  private static final String BACKEND_SERVICES = "lumbarcds.pacs.servers[].backend-services";

  public PacsProperties {
    servers =
        servers == null ? List.of() : servers.stream().filter(s -> !blank(s.baseUrl())).toList();
    for (Server server : servers) {
      if (server.usesBackendServices()) {
        if (!blank(server.authorization())) {
          throw new IllegalStateException(
              "lumbarcds.pacs.servers[]: authorization or backend-services, not both");
        }
        // a bad key stops the start, not a study
        server.backendServices().settings(requestTimeout, BACKEND_SERVICES);
      }
    }
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  /** The configured PACS at this address, if any (scheme and host case-insensitive). */
  Optional<Server> server(String address) {
    String wanted = normalise(address);
    return servers.stream().filter(s -> normalise(s.baseUrl()).equals(wanted)).findFirst();
  }

  DicomWebClient.Settings settings(Server server) {
    return new DicomWebClient.Settings(
        server.baseUrl(),
        connectTimeout,
        requestTimeout,
        attempts,
        firstBackoff,
        maxDownloadSize.toBytes(),
        server.usesBackendServices()
            ? new BackendServicesClient(
                server.backendServices().settings(requestTimeout, BACKEND_SERVICES),
                Clock.systemUTC())
            : Optional.ofNullable(server.authorization())
                .filter(a -> !a.isBlank())
                .<Credentials>map(Credentials::fixed)
                .orElse(Credentials.NONE));
  }

  private static String normalise(String url) {
    String u = url.strip().replaceAll("/+$", "");
    int path = u.indexOf('/', u.indexOf("://") + 3);
    return path < 0
        ? u.toLowerCase(Locale.ROOT)
        : u.substring(0, path).toLowerCase(Locale.ROOT) + u.substring(path);
  }
}
