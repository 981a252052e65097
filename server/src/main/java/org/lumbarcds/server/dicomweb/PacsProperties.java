package org.lumbarcds.server.dicomweb;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.lumbarcds.cds.imaging.DicomWebClient;
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
   */
  public record Server(String baseUrl, String authorization) {}

  public PacsProperties {
    servers =
        servers == null
            ? List.of()
            : servers.stream().filter(s -> s.baseUrl() != null && !s.baseUrl().isBlank()).toList();
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
        Optional.ofNullable(server.authorization()).filter(a -> !a.isBlank()));
  }

  private static String normalise(String url) {
    String u = url.strip().replaceAll("/+$", "");
    int path = u.indexOf('/', u.indexOf("://") + 3);
    return path < 0
        ? u.toLowerCase(Locale.ROOT)
        : u.substring(0, path).toLowerCase(Locale.ROOT) + u.substring(path);
  }
}
