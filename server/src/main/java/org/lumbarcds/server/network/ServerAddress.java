package org.lumbarcds.server.network;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.lumbarcds.server.fhir.FhirProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The server's own root URL as clients reach it, for what is written into resources and cards (the
 * embedded store's Endpoint, the model card's URL, the viewer link): the FHIR public base with
 * {@code /fhir} removed when it is configured, else the bind address and port. Never taken from a
 * request: a Host header must not decide what is stored.
 */
@Component
public class ServerAddress {

  private static final Logger log = LoggerFactory.getLogger(ServerAddress.class);

  private final Optional<String> publicRoot;
  private final Environment environment;
  private final AtomicBoolean warned = new AtomicBoolean();

  public ServerAddress(FhirProperties fhir, Environment environment) {
    this.publicRoot = fhir.publicBase().map(b -> b.replaceAll("/fhir$", ""));
    this.environment = environment;
  }

  /** The configured public root, if any. */
  public Optional<String> publicRoot() {
    return publicRoot;
  }

  /** The root URL, without a trailing slash (e.g. {@code http://127.0.0.1:8080}). */
  public String root() {
    return publicRoot.orElseGet(this::ownAddress);
  }

  private String ownAddress() {
    String host = environment.getProperty("server.address", "127.0.0.1");
    if (host.isBlank() || host.equals("0.0.0.0") || host.equals("::")) {
      if (warned.compareAndSet(false, true)) {
        log.warn(
            "The server listens on all interfaces and lumbarcds.fhir.public-base-url is not set: "
                + "URLs written into resources and CDS Hooks audiences name 127.0.0.1");
      }
      host = "127.0.0.1";
    }
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    String port =
        environment.getProperty(
            "local.server.port", environment.getProperty("server.port", "8080"));
    return "http://" + host + ":" + port;
  }
}
