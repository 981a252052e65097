package org.lumbarcds.server.operations;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.TokenParam;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.stream.LongStream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Task;
import org.lumbarcds.cds.result.AiResult;
import org.lumbarcds.cds.result.AiResultFactory;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.server.analysis.AnalysisJobs;
import org.lumbarcds.server.cdshooks.FeedbackStore;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.Codes;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the team running the server watches: the model in use, the analysis jobs (queued, running,
 * waiting to retry, failed with their reasons), the AI results' probabilities over time against the
 * model's validation distribution (drift), and the physicians' feedback on the cards (accept and
 * override rates, override reasons). Aggregates only: no patient data. The landing page shows a few
 * of the same figures.
 */
public class OperationsService {

  /** At most this many recent results are read for the drift figures. */
  static final int MAX_RESULTS = 5000;

  private static final int FAILED_LISTED = 20;

  private final DaoRegistry daos;
  private final JdbcTemplate jdbc;
  private final FeedbackStore feedback;
  private final ModelCard card;
  private final Clock clock;
  private final LongSupplier foreignResults;

  /**
   * @param foreignResults how many AI results of another patient the hooks ignored since start
   */
  OperationsService(
      DaoRegistry daos,
      JdbcTemplate jdbc,
      FeedbackStore feedback,
      ModelCard card,
      Clock clock,
      LongSupplier foreignResults) {
    this.foreignResults = foreignResults;
    this.daos = daos;
    this.jdbc = jdbc;
    this.feedback = feedback;
    this.card = card;
    this.clock = clock;
  }

  /** The figures of the last {@code days} days. */
  public Summary summary(int days) {
    Instant since = clock.instant().minusSeconds(days * 86_400L);
    return new Summary(
        new InstantType(Date.from(clock.instant())).asStringValue(),
        days,
        Summary.Model.of(card),
        jobs(since),
        results(since),
        feedback(since),
        // since this instance started (not per period): a result of another patient in a record
        // is an integration fault to look into, not a trend
        foreignResults.getAsLong());
  }

  private Summary.Jobs jobs(Instant since) {
    // the queue as the job engine holds it now
    Map<String, Long> queue = new HashMap<>();
    jdbc.query(
        "SELECT picked, CASE WHEN consecutive_failures > 0 THEN 1 ELSE 0 END, COUNT(*) FROM "
            + AnalysisJobs.TABLE
            + " WHERE task_name = ? GROUP BY picked, CASE WHEN consecutive_failures > 0 THEN 1"
            + " ELSE 0 END",
        rs -> {
          String state =
              rs.getBoolean(1) ? "running" : rs.getInt(2) > 0 ? "waitingToRetry" : "queued";
          queue.merge(state, rs.getLong(3), Long::sum);
        },
        AnalysisJobs.TASK_NAME);
    // the Tasks written in the period, by status
    Summary.TaskCounts tasks =
        new Summary.TaskCounts(
            tasks(since, Task.TaskStatus.REQUESTED),
            tasks(since, Task.TaskStatus.INPROGRESS),
            tasks(since, Task.TaskStatus.COMPLETED),
            tasks(since, Task.TaskStatus.FAILED));
    SearchParameterMap failed = taskSearch(since, Task.TaskStatus.FAILED);
    failed.setSort(new SortSpec("_lastUpdated", SortOrderEnum.DESC));
    failed.setCount(FAILED_LISTED);
    List<Summary.Failure> failures =
        daos
            .getResourceDao(Task.class)
            .search(failed, new SystemRequestDetails())
            .getResources(0, FAILED_LISTED)
            .stream()
            .map(Task.class::cast)
            .map(
                t ->
                    new Summary.Failure(
                        "Task/" + t.getIdElement().getIdPart(),
                        t.getFocus().getReference(),
                        t.getStatusReason().getText(),
                        t.hasLastModified()
                            ? new InstantType(t.getLastModified()).asStringValue()
                            : null))
            .toList();
    return new Summary.Jobs(
        new Summary.Queue(
            queue.getOrDefault("queued", 0L),
            queue.getOrDefault("waitingToRetry", 0L),
            queue.getOrDefault("running", 0L)),
        tasks,
        failures);
  }

  /** How many Tasks with this status were last written in the period. */
  private long tasks(Instant since, Task.TaskStatus status) {
    SearchParameterMap map = taskSearch(since, status);
    map.setSummaryMode(SummaryEnum.COUNT);
    Integer count = daos.getResourceDao(Task.class).search(map, new SystemRequestDetails()).size();
    return count == null ? 0L : count.longValue();
  }

  private static SearchParameterMap taskSearch(Instant since, Task.TaskStatus status) {
    SearchParameterMap map = SearchParameterMap.newSynchronous();
    map.add(Task.SP_CODE, token(Codes.LSS_AI_ANALYSIS));
    map.add(Task.SP_STATUS, new TokenParam(status.toCode()));
    map.setLastUpdated(new DateRangeParam(Date.from(since), null));
    return map;
  }

  private Summary.Results results(Instant since) {
    SearchParameterMap map = SearchParameterMap.newSynchronous();
    map.add(Observation.SP_CODE, token(Codes.LSS_AI_PROBABILITY));
    map.setLastUpdated(new DateRangeParam(Date.from(since), null));
    map.setSort(new SortSpec("_lastUpdated", SortOrderEnum.DESC));
    map.setLoadSynchronousUpTo(MAX_RESULTS);
    List<Double> all = new ArrayList<>();
    Map<LocalDate, List<Double>> perDay = new TreeMap<>();
    Map<LocalDate, Integer> failuresPerDay = new TreeMap<>();
    int read = 0;
    int otherModels = 0;
    for (IBaseResource r :
        daos.getResourceDao(Observation.class)
            .search(map, new SystemRequestDetails())
            .getAllResources()) {
      Observation obs = (Observation) r;
      Date when = obs.hasIssued() ? obs.getIssued() : obs.getMeta().getLastUpdated();
      if (when.toInstant().isBefore(since)) {
        continue; // an older result written again (reviewed, superseded): not of the period
      }
      AiResult result = AiResultFactory.read(obs);
      if (!result.madeBy(card.id(), card.version())) {
        otherModels++; // another model's probabilities are not this card's distribution
        continue;
      }
      read++;
      LocalDate day = when.toInstant().atOffset(ZoneOffset.UTC).toLocalDate();
      perDay.computeIfAbsent(day, d -> new ArrayList<>());
      if (result.probability().isPresent()) {
        double p = result.probability().get();
        all.add(p);
        perDay.get(day).add(p);
      } else {
        failuresPerDay.merge(day, 1, Integer::sum);
      }
    }
    JsonNode validation =
        card.document().path("metrics").path("internal_test").path("probability_histogram");
    double[] edges = edges(validation);
    long[] reference = edges == null ? null : new long[edges.length - 1];
    if (reference != null) {
      for (int i = 0; i < reference.length; i++) {
        reference[i] = validation.path("counts").path(i).asLong();
      }
    }
    List<Summary.Day> days = new ArrayList<>();
    for (Map.Entry<LocalDate, List<Double>> e : perDay.entrySet()) {
      List<Double> values = e.getValue();
      days.add(
          new Summary.Day(
              e.getKey().toString(),
              values.size(),
              failuresPerDay.getOrDefault(e.getKey(), 0),
              values.isEmpty()
                  ? null
                  : values.stream().mapToDouble(Double::doubleValue).average().getAsDouble(),
              values.stream().filter(p -> p >= card.ruleIn()).count(),
              values.stream().filter(p -> p < card.ruleOut()).count(),
              edges == null ? null : Drift.figure(Drift.counts(values, edges), reference)));
    }
    long[] recent = edges == null ? null : Drift.counts(all, edges);
    return new Summary.Results(
        read,
        otherModels,
        read >= MAX_RESULTS,
        all.size(),
        read - all.size(),
        edges == null
            ? Summary.Validation.absent()
            : Summary.Validation.of(
                Arrays.stream(edges).boxed().toList(), LongStream.of(reference).boxed().toList()),
        recent == null ? null : LongStream.of(recent).boxed().toList(),
        recent == null ? null : Drift.figure(recent, reference),
        days);
  }

  private static double[] edges(JsonNode histogram) {
    JsonNode edges = histogram.path("edges");
    JsonNode counts = histogram.path("counts");
    if (!edges.isArray() || !counts.isArray() || edges.size() != counts.size() + 1) {
      return null;
    }
    double[] out = new double[edges.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = edges.get(i).asDouble();
    }
    return out;
  }

  private Summary.Feedback feedback(Instant since) {
    Map<String, FeedbackStore.ServiceFeedback> services = feedback.overview(since);
    long cards = 0;
    long accepted = 0;
    long overridden = 0;
    long answered = 0;
    for (FeedbackStore.ServiceFeedback s : services.values()) {
      cards += s.cards();
      for (Map.Entry<String, Long> o : s.outcomes().entrySet()) {
        answered += o.getValue();
        if ("accepted".equals(o.getKey())) {
          accepted += o.getValue();
        } else if ("overridden".equals(o.getKey())) {
          overridden += o.getValue();
        }
      }
    }
    return new Summary.Feedback(
        cards,
        answered,
        answered == 0 ? null : (double) accepted / answered,
        answered == 0 ? null : (double) overridden / answered,
        services);
  }

  private static TokenParam token(Code code) {
    return new TokenParam(code.system(), code.code());
  }
}
