package org.lumbarcds.server.dicomweb;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.Narratives;
import org.lumbarcds.cds.imaging.ImagingStudyFactory;
import org.lumbarcds.model.Sha256;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.terminology.CodeSystems;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the FHIR ImagingStudy of a DICOM study in step with its instances. The patient is matched
 * by DICOM Patient ID among Patient identifiers and the order by Accession Number among
 * ServiceRequest identifiers; nothing is invented when they do not match (see {@link
 * ImagingStudyFactory}). Idempotent: when the resource built from the instances equals the stored
 * one, nothing is written and the version stays.
 */
class ImagingStudyIndexer {

  /** What indexing did. */
  enum Change {
    CREATED,
    UPDATED,
    UNCHANGED
  }

  /**
   * The result of indexing one study.
   *
   * @param id the ImagingStudy's logical id
   * @param change what was written
   * @param patientMatched whether the subject is a matched Patient
   * @param orderMatched whether basedOn names a ServiceRequest
   */
  record Indexed(String id, Change change, boolean patientMatched, boolean orderMatched) {}

  private static final Logger log = LoggerFactory.getLogger(ImagingStudyIndexer.class);

  private final DaoRegistry daos;
  private final ImagingStudyFactory factory;
  private final DicomWebProperties properties;

  /** Lock stripes: one writer per study in this process (two studies may share a stripe). */
  private final Object[] stripes = new Object[64];

  ImagingStudyIndexer(
      DaoRegistry daos, ImagingStudyFactory factory, DicomWebProperties properties) {
    this.daos = daos;
    this.factory = factory;
    this.properties = properties;
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new Object();
    }
  }

  /** Creates or updates the ImagingStudy of one study from all its instances' headers. */
  Indexed index(List<DicomDataset> instances, Reference endpoint) {
    String studyUid = instances.get(0).getString(Tags.STUDY_INSTANCE_UID).orElseThrow();
    // one writer per study in this process; the deterministic id makes two processes converge
    synchronized (stripes[Math.floorMod(studyUid.hashCode(), stripes.length)]) {
      try {
        return indexLocked(studyUid, instances, endpoint);
      } catch (ResourceVersionConflictException e) {
        return indexLocked(studyUid, instances, endpoint); // another server instance won a race
      }
    }
  }

  private Indexed indexLocked(String studyUid, List<DicomDataset> instances, Reference endpoint) {
    DicomDataset first = instances.get(0);
    Optional<Reference> patient =
        first
            .getString(Tags.PATIENT_ID)
            .filter(s -> !s.isBlank())
            .flatMap(id -> single(Patient.class, properties.patientSystem(), id.strip()));
    List<Reference> orders = patient.isEmpty() ? List.of() : orders(first, patient.get());
    ImagingStudy built =
        factory.create(
            instances,
            new ImagingStudyFactory.Links(patient, properties.patientSystem(), orders, endpoint));
    IFhirResourceDao<ImagingStudy> dao = daos.getResourceDao(ImagingStudy.class);
    SystemRequestDetails request = new SystemRequestDetails();
    // the tags written are the tags kept: HAPI would otherwise add the new tags to the old ones,
    // and a study whose patient has since been matched would keep its patient-not-matched flag
    request.addHeader(JpaConstants.HEADER_META_SNAPSHOT_MODE, "TAG");
    List<IBaseResource> existing =
        search(ImagingStudy.class, Optional.of(CodeSystems.DICOM_UID), "urn:oid:" + studyUid);
    Change change;
    String id;
    if (existing.isEmpty()) {
      id = "dicom-" + Sha256.hex(studyUid.getBytes(StandardCharsets.US_ASCII)).substring(0, 40);
      built.setId(id);
      change =
          Boolean.TRUE.equals(dao.update(built, request).getCreated())
              ? Change.CREATED
              : Change.UPDATED;
    } else {
      ImagingStudy stored = (ImagingStudy) existing.get(0);
      id = stored.getIdElement().getIdPart();
      ImagingStudy candidate = built.copy();
      candidate.setIdElement(stored.getIdElement());
      candidate.setMeta(stored.getMeta().copy());
      candidate.getMeta().setTag(built.getMeta().getTag());
      if (candidate.equalsDeep(stored)) {
        change = Change.UNCHANGED;
      } else {
        built.setId(id);
        dao.update(built, request);
        change = Change.UPDATED;
      }
    }
    log.info("ImagingStudy {} {}", id, change.name().toLowerCase(Locale.ROOT));
    return new Indexed(id, change, patient.isPresent(), !orders.isEmpty());
  }

  /** The embedded store's Endpoint, written at a fixed id (unchanged: not rewritten). */
  Reference embeddedEndpoint(String address) {
    Endpoint endpoint = new Endpoint();
    endpoint.setId(ImageSources.EMBEDDED_ENDPOINT_ID);
    endpoint.setStatus(Endpoint.EndpointStatus.ACTIVE);
    endpoint
        .getConnectionType()
        .setSystem("http://terminology.hl7.org/CodeSystem/endpoint-connection-type")
        .setCode("dicom-wado-rs")
        .setDisplay("DICOM WADO-RS");
    endpoint.setName("lumbar-cds embedded DICOMweb store");
    endpoint
        .addPayloadType()
        .setText("DICOM")
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/endpoint-payload-type")
        .setCode("any");
    endpoint.addPayloadMimeType("application/dicom");
    endpoint.setAddress(address);
    Narratives.generated(endpoint, "The embedded DICOMweb store (WADO-RS) at " + address + ".");
    IFhirResourceDao<Endpoint> dao = daos.getResourceDao(Endpoint.class);
    SystemRequestDetails request = new SystemRequestDetails();
    try {
      Endpoint stored = dao.read(endpoint.getIdElement(), request);
      Endpoint candidate = endpoint.copy();
      candidate.setIdElement(stored.getIdElement());
      candidate.setMeta(stored.getMeta());
      if (candidate.equalsDeep(stored)) {
        return new Reference("Endpoint/" + ImageSources.EMBEDDED_ENDPOINT_ID);
      }
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      // first start
    }
    dao.update(endpoint, request);
    return new Reference("Endpoint/" + ImageSources.EMBEDDED_ENDPOINT_ID);
  }

  /**
   * The orders with the study's Accession Number whose subject is the study's patient. An order of
   * another patient with the same number (numbers of another issuer, a typing error) is never
   * linked: its analysis would read this patient's images. Without a matched patient, none.
   */
  private List<Reference> orders(DicomDataset first, Reference patient) {
    Optional<String> accession =
        first.getString(Tags.ACCESSION_NUMBER).filter(s -> !s.isBlank()).map(String::strip);
    if (accession.isEmpty()) {
      return List.of();
    }
    List<Reference> linked = new ArrayList<>();
    int otherPatients = 0;
    for (IBaseResource found :
        search(ServiceRequest.class, properties.accessionSystem(), accession.get())) {
      ServiceRequest order = (ServiceRequest) found;
      if (patient.getReference().equals(order.getSubject().getReference())) {
        linked.add(new Reference(order.getIdElement().toUnqualifiedVersionless().getValue()));
      } else {
        otherPatients++;
      }
    }
    if (otherPatients > 0) {
      log.warn(
          "A study's Accession Number matches {} order(s) of another patient: not linked to them",
          otherPatients);
    }
    linked.sort(Comparator.comparing(Reference::getReference));
    return linked;
  }

  private Optional<Reference> single(
      Class<? extends IBaseResource> type, Optional<String> system, String value) {
    List<IBaseResource> found = search(type, system, value);
    if (found.size() != 1) {
      return Optional.empty(); // none, or ambiguous: never pick one of several patients
    }
    return Optional.of(
        new Reference(found.get(0).getIdElement().toUnqualifiedVersionless().getValue()));
  }

  private <T extends IBaseResource> List<IBaseResource> search(
      Class<T> type, Optional<String> system, String value) {
    SearchParameterMap map = SearchParameterMap.newSynchronous();
    map.add("identifier", new TokenParam(system.orElse(null), value));
    IBundleProvider result = daos.getResourceDao(type).search(map, new SystemRequestDetails());
    return result.getResources(0, 10);
  }
}
