package org.lumbarcds.server.dicomweb;

import java.util.Optional;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.server.fhir.FhirProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;

/**
 * The FHIR Endpoint through which the embedded store's studies are retrieved. Its address is the
 * configured public URL, else the FHIR public base with {@code /fhir} replaced by {@code
 * /dicomweb}, else the server's own bind address and port. Never a value taken from a request: a
 * Host header must not decide what is stored.
 */
class EmbeddedEndpoint {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedEndpoint.class);

  private final ImagingStudyIndexer indexer;
  private final Optional<String> publicUrl;
  private final Environment environment;
  private volatile Reference reference;

  EmbeddedEndpoint(
      ImagingStudyIndexer indexer,
      DicomWebProperties properties,
      FhirProperties fhir,
      Environment environment) {
    this.indexer = indexer;
    this.environment = environment;
    this.publicUrl =
        DicomWebProperties.blankToEmpty(properties.publicUrl())
            .map(u -> u.replaceAll("/+$", ""))
            .or(() -> fhir.publicBase().map(b -> b.replaceAll("/fhir$", "") + "/dicomweb"));
  }

  Optional<String> publicUrl() {
    return publicUrl;
  }

  /** The Endpoint, written once per start (left alone when the stored one is the same). */
  Reference reference() {
    Reference r = reference;
    if (r == null) {
      synchronized (this) {
        if (reference == null) {
          reference = indexer.embeddedEndpoint(publicUrl.orElseGet(this::ownAddress));
        }
        r = reference;
      }
    }
    return r.copy();
  }

  private String ownAddress() {
    String host = environment.getProperty("server.address", "127.0.0.1");
    if (host.isBlank() || host.equals("0.0.0.0") || host.equals("::")) {
      log.warn(
          "The server listens on all interfaces and lumbarcds.dicomweb.public-url is not set: "
              + "the embedded store's Endpoint names 127.0.0.1");
      host = "127.0.0.1";
    }
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    String port =
        environment.getProperty(
            "local.server.port", environment.getProperty("server.port", "8080"));
    return "http://" + host + ":" + port + "/dicomweb";
  }
}
