package org.lumbarcds.server.operations;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.server.analysis.AnalysisJobs;
import org.lumbarcds.server.cdshooks.FeedbackStore;
import org.lumbarcds.server.web.SliceTests;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;

/**
 * An operations view without HAPI JPA or a database: the Tasks and AI results behind a mocked
 * {@link DaoRegistry}, the job table and the feedback behind mocks, the reference model's card.
 */
final class OperationsFixtures {

  static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");

  final ModelCard card;
  final DaoRegistry daos = mock(DaoRegistry.class);
  final JdbcTemplate jdbc = mock(JdbcTemplate.class);
  final FeedbackStore feedback = mock(FeedbackStore.class);

  @SuppressWarnings("unchecked")
  final IFhirResourceDao<Task> tasks = mock(IFhirResourceDao.class);

  @SuppressWarnings("unchecked")
  final IFhirResourceDao<Observation> observations = mock(IFhirResourceDao.class);

  /** The AI results the search finds. */
  final List<IBaseResource> results = new ArrayList<>();

  /** How many Tasks the searches count, by status code. */
  final Map<String, Integer> taskCounts = new HashMap<>();

  /** The failed Tasks the search finds. */
  final List<IBaseResource> failed = new ArrayList<>();

  OperationsFixtures(ModelCard card) {
    this.card = card;
    when(daos.getResourceDao(Task.class)).thenReturn(tasks);
    when(daos.getResourceDao(Observation.class)).thenReturn(observations);
    when(tasks.search(any(SearchParameterMap.class), any(RequestDetails.class)))
        .thenAnswer(
            call -> {
              SearchParameterMap map = call.getArgument(0);
              String status = ((TokenParam) map.get(Task.SP_STATUS).get(0).get(0)).getValue();
              IBundleProvider found = mock(IBundleProvider.class);
              when(found.size()).thenReturn(taskCounts.getOrDefault(status, 0));
              when(found.getResources(anyInt(), anyInt())).thenReturn(new ArrayList<>(failed));
              return found;
            });
    when(observations.search(any(SearchParameterMap.class), any(RequestDetails.class)))
        .thenAnswer(
            call -> {
              IBundleProvider found = mock(IBundleProvider.class);
              when(found.getAllResources()).thenReturn(new ArrayList<>(results));
              return found;
            });
    // the job table: two jobs queued, one waiting to retry, one running
    doAnswer(
            call -> {
              ResultSet rows = mock(ResultSet.class);
              when(rows.getBoolean(1)).thenReturn(false, false, true);
              when(rows.getInt(2)).thenReturn(0, 1, 0);
              when(rows.getLong(3)).thenReturn(2L, 1L, 1L);
              RowCallbackHandler handler = call.getArgument(1);
              for (int i = 0; i < 3; i++) {
                handler.processRow(rows);
              }
              return null;
            })
        .when(jdbc)
        .query(anyString(), any(RowCallbackHandler.class), eq(AnalysisJobs.TASK_NAME));
  }

  OperationsService service(long foreignResults) {
    return new OperationsService(
        daos, jdbc, feedback, card, Clock.fixed(NOW, ZoneOffset.UTC), () -> foreignResults);
  }

  /** A result of the model in use issued {@code daysAgo} days before now. */
  void result(double p, int daysAgo) {
    add(SliceTests.aiResult(card, card.id(), card.version(), p), daysAgo);
  }

  /** A result of another model, today. */
  void otherModelsResult(double p) {
    add(SliceTests.aiResult(card, "other", "9", p), 0);
  }

  /** A quality failure of the model in use, today. */
  void qualityFailure() {
    add(SliceTests.qualityFailure(card), 0);
  }

  /** A Task that failed for good. */
  void failedTask(String id, String order, String reason) {
    Task t = new Task();
    t.setId(new IdType("Task", id, "2"));
    t.setStatus(Task.TaskStatus.FAILED);
    t.setFocus(new Reference(order));
    t.getStatusReason().setText(reason);
    t.setLastModified(Date.from(NOW.minusSeconds(120)));
    failed.add(t);
  }

  private void add(Observation obs, int daysAgo) {
    obs.setIssued(Date.from(NOW.minusSeconds(daysAgo * 86_400L + 60)));
    obs.setId(new IdType("Observation", "r" + results.size(), "1"));
    results.add(obs);
  }
}
