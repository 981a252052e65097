package org.lumbarcds.server.dicomweb;

import java.time.Duration;
import java.util.Optional;
import org.lumbarcds.cds.imaging.DicomWebClient;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How the server talks to PACSs named by Endpoint resources ({@code lumbarcds.pacs.*}); one set of
 * settings for every PACS endpoint.
 *
 * @param connectTimeout limit to open a connection
 * @param requestTimeout limit for a whole answer
 * @param attempts tries per request (1 = no retry)
 * @param firstBackoff wait before the first retry, doubled before each next one
 * @param maxDownloadSize largest answer accepted (a study's metadata, one instance)
 * @param authorization the Authorization header value sent to the PACS (e.g. {@code Basic …} or
 *     {@code Bearer …}); empty: none
 */
@ConfigurationProperties("lumbarcds.pacs")
public record PacsProperties(
    @DefaultValue("5s") Duration connectTimeout,
    @DefaultValue("30s") Duration requestTimeout,
    @DefaultValue("3") int attempts,
    @DefaultValue("500ms") Duration firstBackoff,
    @DefaultValue("256MB") DataSize maxDownloadSize,
    String authorization) {

  DicomWebClient.Settings settings(String baseUrl) {
    return new DicomWebClient.Settings(
        baseUrl,
        connectTimeout,
        requestTimeout,
        attempts,
        firstBackoff,
        maxDownloadSize.toBytes(),
        Optional.ofNullable(authorization).filter(a -> !a.isBlank()));
  }
}
