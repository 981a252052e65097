package org.lumbarcds.server.dicomweb;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.IdType;
import org.lumbarcds.cds.imaging.DicomWebClient;
import org.lumbarcds.cds.imaging.ImageSource;

/**
 * The image source behind an Endpoint resource: the embedded store for its own Endpoint, a WADO-RS
 * client for an active {@code dicom-wado-rs} Endpoint whose address is a configured PACS ({@code
 * lumbarcds.pacs.servers}; one client per PACS, reused). Any other address is refused.
 */
public class ImageSources {

  static final String EMBEDDED_ENDPOINT_ID = "embedded-dicomweb";

  /** Why an Endpoint cannot serve images. */
  public static final class UnusableEndpoint extends Exception {
    private final boolean missing;

    UnusableEndpoint(String message, boolean missing) {
      super(message);
      this.missing = missing;
    }

    public boolean missing() {
      return missing;
    }
  }

  private final DaoRegistry daos;
  private final EmbeddedImageSource embedded;
  private final PacsProperties pacs;
  private final ConcurrentHashMap<String, DicomWebClient> clients = new ConcurrentHashMap<>();

  ImageSources(DaoRegistry daos, EmbeddedImageSource embedded, PacsProperties pacs) {
    this.daos = daos;
    this.embedded = embedded;
    this.pacs = pacs;
  }

  /** The source for an Endpoint reference such as {@code Endpoint/123}. */
  public ImageSource forEndpoint(String reference) throws UnusableEndpoint {
    IdType id = new IdType(reference);
    if (!"Endpoint".equals(id.getResourceType()) || !id.hasIdPart()) {
      throw new UnusableEndpoint("not an Endpoint reference: " + reference, false);
    }
    if (id.getIdPart().equals(EMBEDDED_ENDPOINT_ID)) {
      return embedded;
    }
    Endpoint endpoint;
    try {
      endpoint =
          daos.getResourceDao(Endpoint.class)
              .read(id.toUnqualifiedVersionless(), new SystemRequestDetails());
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      throw new UnusableEndpoint("no such Endpoint", true);
    }
    if (!"dicom-wado-rs".equals(endpoint.getConnectionType().getCode())) {
      throw new UnusableEndpoint("the Endpoint's connection type is not dicom-wado-rs", false);
    }
    if (endpoint.getStatus() != Endpoint.EndpointStatus.ACTIVE) {
      throw new UnusableEndpoint("the Endpoint is not active", false);
    }
    PacsProperties.Server server =
        Optional.ofNullable(endpoint.getAddress())
            .flatMap(pacs::server)
            .orElseThrow(
                () ->
                    new UnusableEndpoint(
                        "the Endpoint's address is not a configured PACS (lumbarcds.pacs.servers)",
                        false));
    return clients.computeIfAbsent(
        server.baseUrl(), a -> new DicomWebClient(pacs.settings(server)));
  }
}
