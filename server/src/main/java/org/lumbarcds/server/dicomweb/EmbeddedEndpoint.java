package org.lumbarcds.server.dicomweb;

import java.util.Optional;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.server.fhir.FhirProperties;

/**
 * The FHIR Endpoint through which the embedded store's studies are retrieved. Its address is the
 * configured public URL, else the FHIR public base with {@code /fhir} replaced by {@code
 * /dicomweb}, else the address of the first request that stores a study.
 */
class EmbeddedEndpoint {

  private final ImagingStudyIndexer indexer;
  private final Optional<String> publicUrl;
  private volatile Reference reference;

  EmbeddedEndpoint(
      ImagingStudyIndexer indexer, DicomWebProperties properties, FhirProperties fhir) {
    this.indexer = indexer;
    this.publicUrl =
        DicomWebProperties.blankToEmpty(properties.publicUrl())
            .map(u -> u.replaceAll("/+$", ""))
            .or(() -> fhir.publicBase().map(b -> b.replaceAll("/fhir$", "") + "/dicomweb"));
  }

  Optional<String> publicUrl() {
    return publicUrl;
  }

  /** The Endpoint, written once per start (left alone when the stored one is the same). */
  Reference reference(String requestBase) {
    Reference r = reference;
    if (r == null) {
      synchronized (this) {
        if (reference == null) {
          reference = indexer.embeddedEndpoint(publicUrl.orElse(requestBase));
        }
        r = reference;
      }
    }
    return r.copy();
  }
}
