package org.lumbarcds.server.audit;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The audit trail ({@code lumbarcds.audit}, docs/security.md).
 *
 * @param enabled whether accesses to patient data are recorded as AuditEvents
 * @param repositoryUrl a FHIR server's base URL that receives the AuditEvents (an audit record
 *     repository); empty: they are stored in this server's audit tables, served at /fhir/AuditEvent
 * @param queueCapacity how many events wait in memory for the writer; when full, the request that
 *     makes one more writes it itself (slower, nothing lost)
 * @param batchSize how many events one write stores together, at most
 * @param linger how long the writer gathers events before writing them together
 */
@ConfigurationProperties("lumbarcds.audit")
public record AuditProperties(
    @DefaultValue("true") boolean enabled,
    URI repositoryUrl,
    @DefaultValue("10000") int queueCapacity,
    @DefaultValue("200") int batchSize,
    @DefaultValue("500ms") Duration linger) {

  public AuditProperties {
    repositoryUrl =
        repositoryUrl == null || repositoryUrl.toString().isBlank() ? null : repositoryUrl;
    linger = linger == null || linger.isNegative() ? Duration.ZERO : linger;
    if (queueCapacity < 1 || batchSize < 1) {
      throw new IllegalArgumentException(
          "lumbarcds.audit.queue-capacity and batch-size must be at least 1");
    }
  }
}
