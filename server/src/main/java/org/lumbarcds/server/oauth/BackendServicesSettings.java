package org.lumbarcds.server.oauth;

import com.nimbusds.jose.jwk.JWK;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;

/**
 * The server as a SMART Backend Services client of another system's authorization server (a PACS's,
 * an EHR's), as configured.
 *
 * @param tokenUrl the token endpoint
 * @param clientId the client id the server is registered under
 * @param keyFile the server's private key, a JWK (JSON) with {@code kid}: RSA (RS384) or EC P-384
 *     (ES384); its public half is registered with the authorization server
 * @param scope the scopes asked for, e.g. {@code system/ImagingStudy.rs}; empty: the client's
 *     defaults
 */
public record BackendServicesSettings(
    String tokenUrl, String clientId, String keyFile, String scope) {

  /** Whether it is configured at all (a token URL given). */
  public boolean configured() {
    return tokenUrl != null && !tokenUrl.isBlank();
  }

  /**
   * The client's settings, the key read; a missing or unreadable part stops the start-up with a
   * message naming {@code property} (where it is configured).
   */
  public BackendServicesClient.Settings settings(Duration timeout, String property) {
    if (clientId == null || clientId.isBlank() || keyFile == null || keyFile.isBlank()) {
      throw new IllegalStateException(property + " needs token-url, client-id and key-file");
    }
    JWK key;
    try {
      key = JWK.parse(Files.readString(Path.of(keyFile)));
    } catch (IOException | ParseException e) {
      throw new IllegalStateException(
          property + ".key-file: not a readable JWK (" + e.getClass().getSimpleName() + ")");
    }
    try {
      return new BackendServicesClient.Settings(
          URI.create(tokenUrl.strip()), clientId.strip(), key, scope == null ? "" : scope, timeout);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(property + ": " + e.getMessage());
    }
  }
}
