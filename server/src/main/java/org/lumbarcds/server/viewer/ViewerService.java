package org.lumbarcds.server.viewer;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.lumbarcds.cds.FhirCodes;
import org.lumbarcds.cds.Narratives;
import org.lumbarcds.cds.analysis.AnalysisException;
import org.lumbarcds.cds.result.AiResult;
import org.lumbarcds.cds.result.AiResultFactory;
import org.lumbarcds.cds.result.StoredHeatmaps;
import org.lumbarcds.model.dicom.GreyImage;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.server.analysis.OrderAnalysis;
import org.lumbarcds.server.web.ApiException;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.Codes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;

/**
 * What the viewer page shows of an AI result, and the physician's review of it. The numbers come
 * from the stored Observation, never from a new run; the radiographs are read from the study and
 * the heatmaps are those stored with the result — both made ready when the result is written and
 * kept for a while — or, for a result stored before heatmaps were kept, computed again by the model
 * in use, with the probability it gives again for the page to check against the stored one.
 */
class ViewerService {

  private static final Logger log = LoggerFactory.getLogger(ViewerService.class);

  /** The result is not one the viewer shows. */
  static final class NotFound extends ApiException {
    NotFound(String message) {
      super(HttpStatus.NOT_FOUND, message);
    }
  }

  /** The review cannot be made as asked. */
  static final class Conflict extends ApiException {
    Conflict(String message) {
      super(HttpStatus.CONFLICT, message);
    }
  }

  /** What a physician records. */
  enum Action {
    ACKNOWLEDGE(Codes.AI_RESULT_ACKNOWLEDGED),
    DISPUTE(Codes.AI_RESULT_DISPUTED);

    final Code code;

    Action(Code code) {
      this.code = code;
    }
  }

  private static final String VERIFIER_SYSTEM =
      "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
  private static final String OPEN_MODE = "CDS Hooks open mode";
  private static final String OPEN_MODE_USER = "unverified local user (" + OPEN_MODE + ")";

  private final DaoRegistry daos;
  private final IHapiTransactionService transactions;
  private final OrderAnalysis analysis;
  private final ModelCard card;
  private final Clock clock;
  private final AsyncCache<String, Renderings> renderings;
  private final Executor preparing;
  private final Cache<String, Optional<String>> subjects =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(10)).build();

  ViewerService(
      DaoRegistry daos,
      IHapiTransactionService transactions,
      OrderAnalysis analysis,
      ModelCard card,
      Clock clock,
      int cacheSize,
      Executor preparing) {
    this.daos = daos;
    this.transactions = transactions;
    this.analysis = analysis;
    this.card = card;
    this.clock = clock;
    this.renderings = Caffeine.newBuilder().maximumSize(cacheSize).buildAsync();
    this.preparing = preparing;
  }

  /**
   * The executor {@link #prepare} renders on: one thread, nothing waiting (a result holds its views
   * at full resolution until rendered): a result written while it renders another is refused.
   */
  static ExecutorService preparingExecutor() {
    return new ThreadPoolExecutor(
        1,
        1,
        0,
        TimeUnit.MILLISECONDS,
        new SynchronousQueue<>(),
        r -> {
          Thread t = new Thread(r, "viewer-prepare");
          t.setDaemon(true);
          return t;
        },
        new ThreadPoolExecutor.AbortPolicy());
  }

  /** Stops preparing (renderings being made are dropped): the server is stopping. */
  public void close() {
    if (preparing instanceof ExecutorService service) {
      service.shutdownNow();
    }
  }

  /** The stored AI result. */
  Observation result(String id) {
    Observation obs;
    try {
      obs =
          daos.getResourceDao(Observation.class)
              .read(new IdType("Observation", id), new SystemRequestDetails());
    } catch (BaseServerResponseException | IllegalArgumentException e) {
      throw new NotFound("no such AI result");
    }
    if (!FhirCodes.has(obs.getCode(), Codes.LSS_AI_PROBABILITY)) {
      throw new NotFound("no such AI result");
    }
    return obs;
  }

  /**
   * The patient (id) of a stored AI result, if the id names one. Kept for a while (the hooks ask
   * for every card): a kept answer gone stale only makes a link that does not open, since every
   * viewer call checks the result's patient again.
   */
  Optional<String> subject(String id) {
    if (!ViewerController.ID.matcher(id).matches()) {
      return Optional.empty();
    }
    return subjects.get(id, this::readSubject);
  }

  private Optional<String> readSubject(String id) {
    try {
      return Optional.of(result(id))
          .map(o -> o.getSubject().getReferenceElement())
          .filter(r -> "Patient".equals(r.getResourceType()))
          .map(r -> r.getIdPart());
    } catch (NotFound e) {
      return Optional.empty();
    }
  }

  /** Whether the model in use made this result and gave it a probability (heatmaps explain it). */
  boolean explainable(Observation obs) {
    AiResult result = AiResultFactory.read(obs);
    return result.madeBy(card.id(), card.version()) && result.probability().isPresent();
  }

  /**
   * The basis of the result as the page shows it (no patient name or identifier), for a reader.
   *
   * @param reader the EHR user the link was made for, if named
   * @param mayReview whether the reader may record a review
   */
  Basis basis(Observation obs, Optional<String> reader, boolean mayReview) {
    return Basis.of(obs, card, reviews(obs), reader, mayReview);
  }

  /**
   * The result's radiographs and heatmaps, kept for a while: ready from when the result was written
   * ({@link #prepare}), else made now. The heatmaps stored with the result when it was made, where
   * it has them; else (results stored before heatmaps were kept) computed again from the study by
   * the model in use, and only for a result this model made with a probability: they would explain
   * nothing else. An opening while the same result's renderings are being made waits for them.
   */
  Renderings renderings(Observation obs) throws AnalysisException {
    try {
      return keptOrMade(key(obs), () -> read(obs));
    } catch (Unreadable e) {
      throw e.cause;
    }
  }

  /**
   * The renderings kept under the key, else made by {@code make} on this thread and kept; a caller
   * asking while another thread makes them waits for those (no lock is held while they are made).
   * What fails is not kept.
   */
  private Renderings keptOrMade(String key, Supplier<Renderings> make) {
    CompletableFuture<Renderings> mine = new CompletableFuture<>();
    CompletableFuture<Renderings> found = renderings.asMap().putIfAbsent(key, mine);
    if (found == null) {
      try {
        mine.complete(make.get());
      } catch (RuntimeException e) {
        mine.completeExceptionally(e);
        renderings.asMap().remove(key, mine);
        throw e;
      }
      return mine.join();
    }
    try {
      return found.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** Made while renderings are made: carries the checked exception out. */
  private static final class Unreadable extends RuntimeException {
    final AnalysisException cause;

    Unreadable(AnalysisException cause) {
      super(cause.getMessage(), null, false, false);
      this.cause = cause;
    }
  }

  private Renderings read(Observation obs) {
    try {
      Optional<StoredHeatmaps> stored = storedHeatmaps(obs);
      return stored.isPresent()
          ? Renderings.of(analysis.reproduce(obs, false).images(), stored.get())
          : Renderings.of(
              analysis.reproduce(obs, explainable(obs)),
              analysis.analyzer().threeViewModel().preprocessor());
    } catch (AnalysisException e) {
      throw new Unreadable(e);
    }
  }

  /** Whether this version of the result's renderings are kept (made ready or made before). */
  boolean kept(Observation obs) {
    CompletableFuture<Renderings> found = renderings.getIfPresent(key(obs));
    return found != null && found.isDone() && !found.isCompletedExceptionally();
  }

  /** The cache key: the result's id with its version (a review makes a new version). */
  private static String key(Observation obs) {
    return obs.getIdElement().toUnqualified().getValue();
  }

  /**
   * Makes a result's renderings ready for its first opening, from the views the analysis has just
   * read and the heatmaps it stored with the result, on the preparing executor (the analysis does
   * not wait). When that executor refuses (busy with another result), the result is opened as one
   * written before: its study read again.
   */
  void prepare(Observation stored, Map<Posture, GreyImage> images, StoredHeatmaps heatmaps) {
    String key = key(stored);
    try {
      preparing.execute(
          () -> {
            try {
              keptOrMade(key, () -> Renderings.of(images, heatmaps));
            } catch (RuntimeException e) {
              log.warn(
                  "viewer renderings of AI result {} not prepared: {}",
                  stored.getIdElement().getIdPart(),
                  e.getClass().getSimpleName());
            }
          });
    } catch (RejectedExecutionException e) {
      log.debug("viewer renderings of AI result {} not prepared: busy", stored.getIdElement());
    }
  }

  /**
   * The heatmaps stored with a result. One that cannot be read (gone, not the format) is logged
   * without the patient's data and the maps computed again, as for an older result.
   */
  private Optional<StoredHeatmaps> storedHeatmaps(Observation obs) {
    Optional<String> reference = StoredHeatmaps.reference(obs);
    if (reference.isEmpty()) {
      return Optional.empty();
    }
    try {
      Binary binary =
          daos.getResourceDao(Binary.class)
              .read(new IdType(reference.get()), new SystemRequestDetails());
      return Optional.of(StoredHeatmaps.fromBinary(binary));
    } catch (BaseServerResponseException | IllegalArgumentException e) {
      log.warn(
          "the heatmaps stored with AI result {} cannot be read ({}): computing them again",
          obs.getIdElement().getIdPart(),
          e.getClass().getSimpleName());
      return Optional.empty();
    }
  }

  /**
   * Records a physician's review of the version of the result they saw: the Observation updated and
   * a Provenance, in one transaction. A result changed since (superseded, reviewed by someone else)
   * is refused, never reviewed unseen.
   */
  Observation review(
      Observation obs,
      String versionSeen,
      Action action,
      String comment,
      LinkTokens.Reader reader) {
    if (!obs.getIdElement().getVersionIdPart().equals(versionSeen)) {
      throw new Conflict("the result changed since the page showed it: reload the page");
    }
    if (obs.getStatus() != Observation.ObservationStatus.PRELIMINARY || disputed(obs)) {
      throw new Conflict(
          "the result was already reviewed ("
              + (disputed(obs) ? "disputed" : obs.getStatus().toCode())
              + ")");
    }
    Date now = Date.from(clock.instant());
    // a user named by an authenticated EHR, or one the open mode cannot vouch for
    String who =
        reader.issuer().isPresent()
            ? reader.user().orElse(OPEN_MODE_USER)
            : reader.user().map(u -> u + " (unverified: " + OPEN_MODE + ")").orElse(OPEN_MODE_USER);
    if (action == Action.ACKNOWLEDGE) {
      obs.setStatus(Observation.ObservationStatus.FINAL);
    } else {
      obs.getMeta().addTag(FhirCodes.coding(Codes.AI_RESULT_DISPUTED));
    }
    obs.addNote()
        .setAuthor(new StringType(who))
        .setTime(now)
        .setText(
            (action == Action.ACKNOWLEDGE ? "Acknowledged" : "Disputed")
                + " in the viewer"
                + (comment == null || comment.isBlank() ? "." : ": " + comment.strip()));
    Provenance provenance = new Provenance();
    provenance.setRecorded(now);
    provenance.setActivity(FhirCodes.concept(action.code));
    // the user is the EHR's: named by identifier (the EHR's issuer as its system), not a
    // reference to a resource this server does not hold
    Reference agent = new Reference().setDisplay(who);
    reader
        .user()
        .ifPresent(
            u ->
                agent.setIdentifier(
                    new Identifier()
                        .setSystem(reader.issuer().orElse("urn:lumbarcds:unverified-user"))
                        .setValue(u)));
    provenance
        .addAgent()
        .setType(new CodeableConcept(new Coding(VERIFIER_SYSTEM, "verifier", "Verifier")))
        .setWho(agent);
    Narratives.generated(
        provenance,
        "Physician review of an AI result in the viewer: "
            + (action == Action.ACKNOWLEDGE ? "acknowledged" : "disputed")
            + ", recorded "
            + now.toInstant()
            + ".");
    try {
      return transactions
          .withSystemRequest()
          .execute(
              () -> {
                SystemRequestDetails request = new SystemRequestDetails();
                // the version read: another review in between is refused, not overwritten
                var updated = daos.getResourceDao(Observation.class).update(obs, request);
                provenance.addTarget(
                    new Reference(updated.getId().toUnqualifiedVersionless().getValue()));
                daos.getResourceDao(Provenance.class).create(provenance, request);
                return (Observation) updated.getResource();
              });
    } catch (ResourceVersionConflictException | PreconditionFailedException e) {
      throw new Conflict("the result changed while you were looking at it: reload the page");
    }
  }

  private List<Basis.Review> reviews(Observation obs) {
    SearchParameterMap map = SearchParameterMap.newSynchronous();
    map.add(
        Provenance.SP_TARGET,
        new ReferenceParam(obs.getIdElement().toUnqualifiedVersionless().getValue()));
    return daos
        .getResourceDao(Provenance.class)
        .search(map, new SystemRequestDetails())
        .getAllResources()
        .stream()
        .map(Provenance.class::cast)
        .filter(
            p ->
                FhirCodes.has(p.getActivity(), Codes.AI_RESULT_ACKNOWLEDGED)
                    || FhirCodes.has(p.getActivity(), Codes.AI_RESULT_DISPUTED))
        .sorted(Comparator.comparing(Provenance::getRecorded))
        .map(
            p ->
                new Basis.Review(
                    FhirCodes.has(p.getActivity(), Codes.AI_RESULT_ACKNOWLEDGED)
                        ? "acknowledged"
                        : "disputed",
                    p.getAgentFirstRep().getWho().getDisplay(),
                    new InstantType(p.getRecorded()).asStringValue()))
        .toList();
  }

  private static boolean disputed(Observation obs) {
    return obs.getMeta().getTag().stream().anyMatch(t -> FhirCodes.is(t, Codes.AI_RESULT_DISPUTED));
  }
}
