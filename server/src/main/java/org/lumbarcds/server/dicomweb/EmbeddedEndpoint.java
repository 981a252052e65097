package org.lumbarcds.server.dicomweb;

import java.util.Optional;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.server.network.ServerAddress;

/**
 * The FHIR Endpoint through which the embedded store's studies are retrieved. Its address is the
 * configured public URL, else the FHIR public base with {@code /fhir} replaced by {@code
 * /dicomweb}, else the server's own bind address and port. Never a value taken from a request: a
 * Host header must not decide what is stored.
 */
class EmbeddedEndpoint {

  private final ImagingStudyIndexer indexer;
  private final Optional<String> publicUrl;
  private final ServerAddress address;
  private volatile Reference reference;

  EmbeddedEndpoint(
      ImagingStudyIndexer indexer, DicomWebProperties properties, ServerAddress address) {
    this.indexer = indexer;
    this.address = address;
    this.publicUrl =
        DicomWebProperties.blankToEmpty(properties.publicUrl())
            .map(u -> u.replaceAll("/+$", ""))
            .or(() -> address.publicRoot().map(root -> root + "/dicomweb"));
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
          reference =
              indexer.embeddedEndpoint(publicUrl.orElseGet(() -> address.root() + "/dicomweb"));
        }
        r = reference;
      }
    }
    return r.copy();
  }
}
