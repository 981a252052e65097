package org.lumbarcds.server.cdshooks;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.lumbarcds.server.network.ServerAddress;

/**
 * The patient of an ImagingStudy this server holds, so that an AI result whose study belongs to
 * another patient is not used. A reference to a study the server does not hold (the EHR's own id,
 * another server's URL) has no answer: that is no reason to drop the result.
 */
final class StudyPatients {

  static final Duration KEEP = Duration.ofSeconds(30);

  private final DaoRegistry daos;
  private final ServerAddress address;
  private final Cache<String, Optional<String>> kept =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(KEEP).build();

  StudyPatients(DaoRegistry daos, ServerAddress address) {
    this.daos = daos;
    this.address = address;
  }

  /** The study's subject reference, when this server holds the study. */
  Optional<String> patientOf(String reference) {
    return kept.get(reference, this::read);
  }

  private Optional<String> read(String reference) {
    IdType id = new IdType(reference);
    if (id.isAbsolute() && !reference.startsWith(address.root() + "/fhir/")) {
      return Optional.empty();
    }
    if (!"ImagingStudy".equals(id.getResourceType()) || !id.hasIdPart()) {
      return Optional.empty();
    }
    try {
      ImagingStudy study =
          daos.getResourceDao(ImagingStudy.class)
              .read(new IdType("ImagingStudy", id.getIdPart()), new SystemRequestDetails());
      return study.hasSubject() && study.getSubject().hasReference()
          ? Optional.of(study.getSubject().getReference())
          : Optional.empty();
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return Optional.empty();
    }
  }
}
