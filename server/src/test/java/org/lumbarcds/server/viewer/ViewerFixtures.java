package org.lumbarcds.server.viewer;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.api.model.DaoMethodOutcome;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.cds.FhirCodes;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.server.web.SliceTests;
import org.lumbarcds.terminology.Codes;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A viewer without HAPI JPA or the model: the stored results and their reviews behind a mocked
 * {@link DaoRegistry} (a read gives a copy, an update a new version), the reference model's card,
 * link tokens with a fixed key and a fixed clock.
 */
final class ViewerFixtures {

  static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
  static final String PATIENT = SliceTests.PATIENT;

  final ModelCard card = SliceTests.referenceCard();
  final DaoRegistry daos = mock(DaoRegistry.class);
  final IHapiTransactionService transactions = mock(IHapiTransactionService.class);
  final IHapiTransactionService.IExecutionBuilder transaction =
      mock(IHapiTransactionService.IExecutionBuilder.class);

  @SuppressWarnings("unchecked")
  final IFhirResourceDao<Observation> observations = mock(IFhirResourceDao.class);

  @SuppressWarnings("unchecked")
  final IFhirResourceDao<Provenance> provenances = mock(IFhirResourceDao.class);

  /** The stored results by id; each read gives a copy, as the database would. */
  final Map<String, Observation> stored = new HashMap<>();

  /** The stored reviews. */
  final List<Provenance> reviews = new ArrayList<>();

  final LinkTokens tokens;
  final ViewerService service;

  ViewerFixtures() throws Exception {
    when(daos.getResourceDao(Observation.class)).thenReturn(observations);
    when(daos.getResourceDao(Provenance.class)).thenReturn(provenances);
    when(observations.read(any(IIdType.class), any(RequestDetails.class)))
        .thenAnswer(
            call -> {
              Observation obs = stored.get(((IIdType) call.getArgument(0)).getIdPart());
              if (obs == null) {
                throw new ResourceNotFoundException("gone");
              }
              return obs.copy();
            });
    when(provenances.search(any(SearchParameterMap.class), any(RequestDetails.class)))
        .thenAnswer(
            call -> {
              IBundleProvider found = mock(IBundleProvider.class);
              when(found.getAllResources()).thenReturn(new ArrayList<>(reviews));
              return found;
            });
    when(transactions.withSystemRequest()).thenReturn(transaction);
    when(transaction.execute(any(Callable.class)))
        .thenAnswer(call -> ((Callable<?>) call.getArgument(0)).call());
    when(observations.update(any(Observation.class), any(RequestDetails.class)))
        .thenAnswer(
            call -> {
              Observation obs = ((Observation) call.getArgument(0)).copy();
              IdType id = obs.getIdElement();
              String next = String.valueOf(Integer.parseInt(id.getVersionIdPart()) + 1);
              obs.setId(new IdType("Observation", id.getIdPart(), next));
              stored.put(id.getIdPart(), obs);
              DaoMethodOutcome outcome = new DaoMethodOutcome();
              outcome.setId(obs.getIdElement());
              outcome.setResource(obs);
              return outcome;
            });
    when(provenances.create(any(Provenance.class), any(RequestDetails.class)))
        .thenAnswer(
            call -> {
              reviews.add(call.getArgument(0));
              return new DaoMethodOutcome();
            });
    JdbcTemplate jdbc = mock(JdbcTemplate.class);
    when(jdbc.queryForList(anyString(), eq(String.class), any()))
        .thenReturn(List.of("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    tokens = new LinkTokens(jdbc, Duration.ofHours(12), clock);
    // no analysis (the model is not loaded): a test that shows images stubs renderings()
    // renderings prepared on the calling thread: a test sees them made when prepare() returns
    service = new ViewerService(daos, transactions, null, card, clock, 10, Runnable::run);
  }

  ViewerLinks links() {
    return new ViewerLinks(tokens, service::subject);
  }

  /** A stored result of the model in use with a probability, version 1. */
  Observation probability(String id, double p) {
    return store(id, SliceTests.aiResult(card, card.id(), card.version(), p));
  }

  /** A stored quality failure of the model in use, version 1, with no time of issue. */
  Observation qualityFailure(String id) {
    Observation obs = SliceTests.qualityFailure(card);
    obs.setIssued(null);
    return store(id, obs);
  }

  private Observation store(String id, Observation obs) {
    if (obs.hasIssued()) {
      obs.setIssued(Date.from(NOW.minusSeconds(3600)));
    }
    obs.setId(new IdType("Observation", id, "1"));
    stored.put(id, obs);
    return obs;
  }

  /** A review of a result recorded earlier. */
  void reviewed(String id, boolean disputed, String who) {
    Provenance p = new Provenance();
    p.setRecorded(Date.from(NOW.minusSeconds(60)));
    p.setActivity(
        FhirCodes.concept(disputed ? Codes.AI_RESULT_DISPUTED : Codes.AI_RESULT_ACKNOWLEDGED));
    p.addAgent().setWho(new Reference().setDisplay(who));
    p.addTarget(new Reference("Observation/" + id));
    reviews.add(p);
  }

  /** A token opening a result for a user of an EHR (none: a card that named no user). */
  String token(String id, String user) {
    return token(id, user, PATIENT);
  }

  /** A token opening a result for a user of an EHR, on a card about a patient. */
  String token(String id, String user, String patient) {
    return tokens.sign(
        id,
        new LinkTokens.Reader(
            Optional.ofNullable(user), Optional.of("https://ehr.example"), Optional.of(patient)));
  }
}
