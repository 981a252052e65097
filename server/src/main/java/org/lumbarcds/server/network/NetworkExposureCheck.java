package org.lumbarcds.server.network;

import java.net.InetAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.stereotype.Component;

/**
 * Refuses to start on a non-loopback interface while no authentication is configured, unless the
 * operator allows it explicitly, and says at start-up which case applies. The FHIR API has no
 * authentication of its own yet, so an open interface would expose patient data to the network.
 */
@Component
class NetworkExposureCheck {

  private static final Logger log = LoggerFactory.getLogger(NetworkExposureCheck.class);

  NetworkExposureCheck(ServerProperties server, NetworkProperties network) {
    InetAddress address = server.getAddress();
    if (address != null && address.isLoopbackAddress()) {
      log.info(
          "No authentication is configured: listening on the loopback interface {} only",
          address.getHostAddress());
      return;
    }
    String where = address == null ? "all interfaces" : address.getHostAddress();
    if (!network.allowUnauthenticated()) {
      throw new IllegalStateException(
          "Refusing to listen on "
              + where
              + " without authentication. Bind to 127.0.0.1 (LUMBARCDS_BIND_ADDRESS) or set"
              + " LUMBARCDS_ALLOW_UNAUTHENTICATED_NETWORK=true when an authenticating proxy"
              + " guards the server.");
    }
    log.warn(
        "No authentication is configured and the server listens on {}: every client that reaches"
            + " it can read and write patient data. Allowed by"
            + " lumbarcds.network.allow-unauthenticated=true.",
        where);
  }
}
