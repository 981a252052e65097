package org.lumbarcds.server.network;

import java.net.InetAddress;
import org.lumbarcds.server.security.SecurityProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.stereotype.Component;

/**
 * Refuses to start on a non-loopback interface in open mode (no authorization server configured:
 * nothing authenticates calls to the FHIR API, DICOMweb or the operations view). The setting that
 * used to allow it ({@code lumbarcds.network.allow-unauthenticated}) is refused too, with the way
 * out: configure an authorization server (docs/security.md).
 */
@Component
class NetworkExposureCheck {

  private static final Logger log = LoggerFactory.getLogger(NetworkExposureCheck.class);

  NetworkExposureCheck(
      ServerProperties server, NetworkProperties network, SecurityProperties security) {
    if (network.allowUnauthenticated()) {
      throw new IllegalStateException(
          "lumbarcds.network.allow-unauthenticated (LUMBARCDS_ALLOW_UNAUTHENTICATED_NETWORK) is no"
              + " longer accepted: configure an authorization server"
              + " (lumbarcds.security.authorization-servers, docs/security.md) to listen on a"
              + " network");
    }
    InetAddress address = server.getAddress();
    if (!security.open()) {
      return;
    }
    if (address != null && address.isLoopbackAddress()) {
      log.info(
          "Open mode (no authorization server): listening on the loopback interface {} only",
          address.getHostAddress());
      return;
    }
    String where = address == null ? "all interfaces" : address.getHostAddress();
    throw new IllegalStateException(
        "Refusing to listen on "
            + where
            + " without authentication. Bind to 127.0.0.1 (LUMBARCDS_BIND_ADDRESS) or configure"
            + " an authorization server (lumbarcds.security.authorization-servers,"
            + " docs/security.md).");
  }
}
