package org.lumbarcds.server.analysis;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.model.DaoMethodOutcome;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.cds.analysis.AnalysisException;
import org.lumbarcds.cds.analysis.ResultBundle;
import org.lumbarcds.cds.analysis.StudyAnalyzer;
import org.lumbarcds.cds.result.AiResultFactory;
import org.lumbarcds.cds.result.StoredHeatmaps;
import org.springframework.dao.DataIntegrityViolationException;

/**
 * Results in the FHIR store: the Device (conditional create on the model file's SHA-256), the
 * Observation (conditional create on the analysis identifier) and, only when the Observation is
 * new, its Provenance, in one database transaction. Two writers racing on one study: HAPI's unique
 * index on conditional-create URLs lets one commit; the other's transaction rolls back whole and it
 * returns the winner's Observation. A quality failure superseded by a later analysis is updated in
 * place at the version read (HAPI refuses a stale version), with a Provenance of the update.
 */
class FhirResultStore implements StudyAnalyzer.ResultStore {

  private final DaoRegistry daos;
  private final IHapiTransactionService transactions;

  FhirResultStore(DaoRegistry daos, IHapiTransactionService transactions) {
    this.daos = daos;
    this.transactions = transactions;
  }

  @Override
  public Optional<Observation> find(String analysisIdentifier) {
    SearchParameterMap map = SearchParameterMap.newSynchronous();
    map.add(
        Observation.SP_IDENTIFIER,
        new TokenParam(AiResultFactory.ANALYSIS_SYSTEM, analysisIdentifier));
    return daos
        .getResourceDao(Observation.class)
        .search(map, new SystemRequestDetails())
        .getResources(0, 1)
        .stream()
        .findFirst()
        .map(Observation.class::cast);
  }

  @Override
  public Observation store(ResultBundle result) throws AnalysisException {
    RuntimeException conflict = null;
    // a lost race on the Observation: the winner's is returned; a lost race on the Device
    // alone (two first results of a new model): written again, the Device now exists
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        return transactions.withSystemRequest().execute(() -> write(result));
      } catch (LostRace e) {
        // another writer's result, committed before this transaction began (rolled back, so
        // that no heatmaps of a result not stored are left behind)
        return find(result.identifier()).orElseThrow();
      } catch (ResourceVersionConflictException
          | PreconditionFailedException
          | DataIntegrityViolationException e) {
        conflict = e;
        Optional<Observation> winner = find(result.identifier());
        if (winner.isPresent()) {
          return winner.get();
        }
      }
    }
    throw new AnalysisException(
        "the result could not be stored: " + conflict.getClass().getSimpleName(), true, conflict);
  }

  @Override
  public Observation supersede(Observation stored, ResultBundle result) throws AnalysisException {
    try {
      return transactions.withSystemRequest().execute(() -> replace(stored, result));
    } catch (ResourceVersionConflictException | DataIntegrityViolationException e) {
      // another writer changed it first: theirs stands; unless nothing changed, which is a
      // failure of this write (tried again by the job), not a result to drop
      Optional<Observation> now = find(result.identifier());
      if (now.isEmpty()
          || now.get()
              .getIdElement()
              .getVersionIdPart()
              .equals(stored.getIdElement().getVersionIdPart())) {
        throw new AnalysisException(
            "the result could not be stored: " + e.getClass().getSimpleName(), true, e);
      }
      return now.get();
    }
  }

  /** Thrown inside the transaction to roll it back when another writer's result is there. */
  private static final class LostRace extends RuntimeException {
    LostRace() {
      super(null, null, false, false);
    }
  }

  /**
   * Stores the result's heatmaps, if any, and points the Observation at them (its placeholder
   * replaced by the Binary's id).
   */
  private void heatmaps(ResultBundle result, SystemRequestDetails request) {
    result
        .storedHeatmaps()
        .ifPresent(
            binary -> {
              IIdType id = daos.getResourceDao(Binary.class).create(binary, request).getId();
              Observation observation = result.observation();
              observation.getExtensionsByUrl(StoredHeatmaps.EXTENSION_URL).stream()
                  .map(e -> (Reference) e.getValue())
                  .filter(r -> result.heatmapsUrl().equals(r.getReference()))
                  .forEach(r -> r.setReference(id.toUnqualifiedVersionless().getValue()));
            });
  }

  private Observation replace(Observation stored, ResultBundle result) {
    SystemRequestDetails request = new SystemRequestDetails();
    Reference deviceRef = device(result.device(), request);
    heatmaps(result, request);
    Observation observation = result.observation();
    observation.setDevice(deviceRef);
    // the id with the version read: HAPI refuses the update if another writer came first
    observation.setIdElement(stored.getIdElement().toUnqualified());
    DaoMethodOutcome updated = daos.getResourceDao(Observation.class).update(observation, request);
    Provenance provenance = result.provenance();
    provenance.getTarget().clear();
    provenance.addTarget(new Reference(updated.getId().toUnqualified().getValue()));
    provenance.getAgentFirstRep().setWho(deviceRef.copy());
    provenance.setActivity(
        new CodeableConcept(
            new Coding(
                "http://terminology.hl7.org/CodeSystem/v3-DataOperation", "UPDATE", "revise")));
    daos.getResourceDao(Provenance.class).create(provenance, request);
    return stored(updated);
  }

  private Reference device(Device device, SystemRequestDetails request) {
    return reference(
        daos.getResourceDao(Device.class)
            .create(
                device,
                "Device?identifier="
                    + AiResultFactory.MODEL_SHA256_SYSTEM
                    + "|"
                    + device.getIdentifierFirstRep().getValue(),
                request));
  }

  private Observation write(ResultBundle result) {
    SystemRequestDetails request = new SystemRequestDetails();
    Reference deviceRef = device(result.device(), request);
    heatmaps(result, request);

    Observation observation = result.observation();
    observation.setDevice(deviceRef);
    DaoMethodOutcome storedObservation =
        daos.getResourceDao(Observation.class)
            .create(
                observation,
                "Observation?identifier="
                    + AiResultFactory.ANALYSIS_SYSTEM
                    + "|"
                    + result.identifier().replace("|", "\\|"),
                request);
    if (!Boolean.TRUE.equals(storedObservation.getCreated())) {
      throw new LostRace();
    }
    Provenance provenance = result.provenance();
    provenance.getTarget().clear();
    provenance.addTarget(reference(storedObservation));
    provenance.getAgentFirstRep().setWho(deviceRef.copy());
    daos.getResourceDao(Provenance.class).create(provenance, request);
    return stored(storedObservation);
  }

  private static Reference reference(DaoMethodOutcome outcome) {
    return new Reference(outcome.getId().toUnqualifiedVersionless().getValue());
  }

  /** The Observation written, with the id and version it was stored under. */
  private static Observation stored(DaoMethodOutcome outcome) {
    Observation observation = (Observation) outcome.getResource();
    observation.setId(outcome.getId().toUnqualified());
    return observation;
  }
}
