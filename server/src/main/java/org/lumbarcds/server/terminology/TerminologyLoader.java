package org.lumbarcds.server.terminology;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.model.DaoMethodOutcome;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import org.hl7.fhir.r4.model.MetadataResource;
import org.lumbarcds.cds.Narratives;
import org.lumbarcds.terminology.TerminologyResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;

/**
 * Writes the terminology resources at their fixed ids before the server reports ready. A resource
 * whose stored copy has the same content is left alone (a read is much cheaper than an update,
 * which wakes HAPI's terminology services), so a restart changes nothing; a new version of a
 * resource replaces the stored one.
 */
class TerminologyLoader implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(TerminologyLoader.class);

  private final FhirContext fhirContext;
  private final DaoRegistry daoRegistry;

  TerminologyLoader(FhirContext fhirContext, DaoRegistry daoRegistry) {
    this.fhirContext = fhirContext;
    this.daoRegistry = daoRegistry;
  }

  @Override
  public void run(ApplicationArguments args) {
    load(TerminologyResources.load(fhirContext));
  }

  /** Stores each resource and logs how many were created, updated and left unchanged. */
  void load(List<MetadataResource> resources) {
    int created = 0;
    int updated = 0;
    int unchanged = 0;
    for (MetadataResource resource : resources) {
      if (!resource.hasText()) {
        Narratives.generated(
            resource,
            resource.fhirType() + " " + resource.getTitle() + ": " + resource.getDescription());
      }
      @SuppressWarnings("unchecked")
      IFhirResourceDao<MetadataResource> dao =
          (IFhirResourceDao<MetadataResource>) daoRegistry.getResourceDao(resource.fhirType());
      if (sameAsStored(dao, resource)) {
        unchanged++;
        continue;
      }
      DaoMethodOutcome outcome = dao.update(resource, new SystemRequestDetails());
      if (Boolean.TRUE.equals(outcome.getCreated())) {
        created++;
      } else if (outcome.isNop()) {
        unchanged++;
      } else {
        updated++;
        log.info("Terminology: {} updated to version {}", resource.getUrl(), resource.getVersion());
      }
    }
    log.info(
        "Terminology loaded: {} created, {} updated, {} unchanged", created, updated, unchanged);
  }

  private static boolean sameAsStored(
      IFhirResourceDao<MetadataResource> dao, MetadataResource resource) {
    MetadataResource stored;
    try {
      stored =
          dao.read(resource.getIdElement().toUnqualifiedVersionless(), new SystemRequestDetails());
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return false;
    }
    MetadataResource candidate = resource.copy();
    candidate.setMeta(stored.getMeta());
    candidate.setIdElement(stored.getIdElement());
    return candidate.equalsDeep(stored);
  }
}
