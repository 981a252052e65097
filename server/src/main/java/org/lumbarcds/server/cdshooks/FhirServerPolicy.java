package org.lumbarcds.server.cdshooks;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lumbarcds.cds.hooks.HookException;

/**
 * Which {@code fhirServer} a CDS client may name: one its issuer is configured with (https, or
 * loopback); in open mode, loopback only. Anything else would let a caller make this server send
 * requests, and a token, wherever it likes; it is refused before any request is sent.
 */
final class FhirServerPolicy {

  /** A configured base URL with its host, parsed once (null when it has none). */
  private record Base(String url, String host) {
    static Base of(String url) {
      String host;
      try {
        host = URI.create(url.endsWith(":") ? url.substring(0, url.length() - 1) : url).getHost();
      } catch (IllegalArgumentException e) {
        host = null;
      }
      return new Base(url, host);
    }
  }

  private final Map<String, List<Base>> allowed = new HashMap<>();

  FhirServerPolicy(CdsHooksProperties properties) {
    properties
        .issuers()
        .forEach(i -> allowed.put(i.issuer(), i.fhirServers().stream().map(Base::of).toList()));
  }

  /**
   * @param caller the authenticated client, empty in open mode
   * @throws HookException 400 when the URL may not be used
   */
  void check(String url, Optional<ClientJwtVerifier.Caller> caller) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw HookException.badRequest("fhirServer is not a URL");
    }
    if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
      // user info would let "https://ehr.example:@elsewhere/" read as a configured prefix
      throw HookException.badRequest("fhirServer must be a plain URL (host, no user info)");
    }
    boolean loopback = isLoopback(uri.getHost());
    if (!("https".equals(uri.getScheme()) || ("http".equals(uri.getScheme()) && loopback))) {
      throw HookException.badRequest("fhirServer must be https");
    }
    boolean permitted =
        caller
            .map(
                c ->
                    allowed.getOrDefault(c.issuer(), List.of()).stream()
                        .anyMatch(base -> sameBase(uri, url, base)))
            .orElse(loopback);
    if (!permitted) {
      throw HookException.badRequest("fhirServer is not one this client may name");
    }
  }

  /**
   * The URL is on the base's host and is the base or below it; a base ending in "/" or ":" is a
   * prefix as written.
   */
  private static boolean sameBase(URI uri, String url, Base base) {
    if (base.host() == null || !base.host().equalsIgnoreCase(uri.getHost())) {
      return false;
    }
    if (base.url().endsWith("/") || base.url().endsWith(":")) {
      return url.startsWith(base.url());
    }
    return url.equals(base.url()) || url.startsWith(base.url() + "/");
  }

  private static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.replaceAll("^\\[|\\]$", "");
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1");
  }
}
