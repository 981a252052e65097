package org.lumbarcds.server.demo;

import java.net.InetAddress;
import java.util.Optional;
import org.lumbarcds.server.network.ServerAddress;
import org.lumbarcds.server.security.SecurityProperties;
import org.lumbarcds.server.web.ApiException;
import org.springframework.http.HttpStatus;

/**
 * Whether the demo may be loaded here: only on a server no network reaches (not the CDS Hooks
 * `security: open` setting, which plays no part): one that listens on loopback only and that no
 * network reaches (open mode, no authorization server; no public base URL of a proxy in front),
 * with {@code lumbarcds.demo.enabled} on. Anywhere else synthetic patients must not be written into
 * what may be a hospital's store.
 */
public class DemoMode {

  private final DemoProperties demo;
  private final Optional<InetAddress> bindAddress;
  private final SecurityProperties security;
  private final ServerAddress address;

  DemoMode(
      DemoProperties demo,
      Optional<InetAddress> bindAddress,
      SecurityProperties security,
      ServerAddress address) {
    this.demo = demo;
    this.bindAddress = bindAddress;
    this.security = security;
    this.address = address;
  }

  /** Why the demo may not be loaded here (404 switched off, 403 reachable); empty: it may. */
  public Optional<ApiException> refusal() {
    if (!demo.enabled()) {
      return Optional.of(
          ApiException.notFound("the demo is switched off here (lumbarcds.demo.enabled=false)"));
    }
    if (bindAddress.map(a -> !a.isLoopbackAddress()).orElse(true)) {
      return forbidden("the server does not listen on loopback only");
    }
    if (!security.open()) {
      return forbidden(
          "an authorization server is configured (lumbarcds.security.authorization-servers)");
    }
    if (address.publicRoot().isPresent()) {
      return forbidden(
          "the server is reached through a public base URL (lumbarcds.fhir.public-base-url)");
    }
    return Optional.empty();
  }

  /** Refuses the request unless the demo may be loaded here. */
  void require() {
    Optional<ApiException> refusal = refusal();
    if (refusal.isPresent()) {
      throw refusal.get();
    }
  }

  private static Optional<ApiException> forbidden(String why) {
    return Optional.of(
        new ApiException(
            HttpStatus.FORBIDDEN,
            "the demo loads synthetic patients only on a server no network reaches: " + why));
  }
}
