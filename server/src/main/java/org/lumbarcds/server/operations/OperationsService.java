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
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * override rates, override reasons). Aggregates only: no patient data.
 */
class OperationsService {

  /** At most this many recent results are read for the drift figures. */
  static final int MAX_RESULTS = 5000;

  private static final int FAILED_LISTED = 20;

  private final DaoRegistry daos;
  private final JdbcTemplate jdbc;
  private final FeedbackStore feedback;
  private final ModelCard card;
  private final Clock clock;
  private final java.util.function.LongSupplier foreignResults;

  /**
   * @param foreignResults how many AI results of another patient the hooks ignored since start
   */
  OperationsService(
      DaoRegistry daos,
      JdbcTemplate jdbc,
      FeedbackStore feedback,
      ModelCard card,
      Clock clock,
      java.util.function.LongSupplier foreignResults) {
    this.foreignResults = foreignResults;
    this.daos = daos;
    this.jdbc = jdbc;
    this.feedback = feedback;
    this.card = card;
    this.clock = clock;
  }

  Map<String, Object> summary(int days) {
    Instant since = clock.instant().minusSeconds(days * 86_400L);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("generated", new InstantType(Date.from(clock.instant())).asStringValue());
    out.put("days", days);
    out.put("model", model());
    out.put("jobs", jobs(since));
    out.put("results", results(since));
    out.put("feedback", feedback(since));
    // since this instance started (not per period): a result of another patient in a record is
    // an integration fault to look into, not a trend
    out.put("foreignAiResultsIgnored", foreignResults.getAsLong());
    return out;
  }

  private Map<String, Object> model() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", card.id());
    m.put("version", card.version());
    m.put("name", card.name());
    m.put("sha256", card.sha256());
    m.put("synthetic", card.synthetic());
    m.put("ruleOut", card.ruleOut());
    m.put("ruleIn", card.ruleIn());
    return m;
  }

  private Map<String, Object> jobs(Instant since) {
    Map<String, Object> jobs = new LinkedHashMap<>();
    // the queue as the job engine holds it now
    Map<String, Long> queue = new LinkedHashMap<>();
    queue.put("queued", 0L);
    queue.put("waitingToRetry", 0L);
    queue.put("running", 0L);
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
    jobs.put("now", queue);
    // the Tasks written in the period, by status
    Map<String, Long> tasks = new LinkedHashMap<>();
    for (Task.TaskStatus status :
        List.of(
            Task.TaskStatus.REQUESTED,
            Task.TaskStatus.INPROGRESS,
            Task.TaskStatus.COMPLETED,
            Task.TaskStatus.FAILED)) {
      SearchParameterMap map = taskSearch(since, status);
      map.setSummaryMode(SummaryEnum.COUNT);
      Integer count =
          daos.getResourceDao(Task.class).search(map, new SystemRequestDetails()).size();
      tasks.put(status.toCode(), count == null ? 0L : count.longValue());
    }
    jobs.put("tasks", tasks);
    SearchParameterMap failed = taskSearch(since, Task.TaskStatus.FAILED);
    failed.setSort(new SortSpec("_lastUpdated", SortOrderEnum.DESC));
    failed.setCount(FAILED_LISTED);
    List<Map<String, Object>> failures = new ArrayList<>();
    daos.getResourceDao(Task.class)
        .search(failed, new SystemRequestDetails())
        .getResources(0, FAILED_LISTED)
        .forEach(
            r -> {
              Task t = (Task) r;
              Map<String, Object> f = new LinkedHashMap<>();
              f.put("task", "Task/" + t.getIdElement().getIdPart());
              f.put("order", t.getFocus().getReference());
              f.put("reason", t.getStatusReason().getText());
              f.put(
                  "when",
                  t.hasLastModified()
                      ? new InstantType(t.getLastModified()).asStringValue()
                      : null);
              failures.add(f);
            });
    jobs.put("recentFailures", failures);
    return jobs;
  }

  private static SearchParameterMap taskSearch(Instant since, Task.TaskStatus status) {
    SearchParameterMap map = SearchParameterMap.newSynchronous();
    map.add(Task.SP_CODE, token(Codes.LSS_AI_ANALYSIS));
    map.add(Task.SP_STATUS, new TokenParam(status.toCode()));
    map.setLastUpdated(new DateRangeParam(Date.from(since), null));
    return map;
  }

  private Map<String, Object> results(Instant since) {
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
    for (var r :
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
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("read", read);
    out.put("otherModels", otherModels);
    out.put("truncated", read >= MAX_RESULTS);
    out.put("withProbability", all.size());
    out.put("qualityFailures", read - all.size());
    JsonNode validation =
        card.document().path("metrics").path("internal_test").path("probability_histogram");
    double[] edges = edges(validation);
    long[] reference = null;
    if (edges != null) {
      reference = new long[edges.length - 1];
      for (int i = 0; i < reference.length; i++) {
        reference[i] = validation.path("counts").path(i).asLong();
      }
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("source", "model card: metrics.internal_test.probability_histogram");
      v.put("edges", edges);
      v.put("counts", reference);
      out.put("validation", v);
      long[] recent = Drift.counts(all, edges);
      out.put("histogram", recent);
      out.put("drift", drift(recent, reference, all.size()));
    } else {
      out.put(
          "validation",
          Map.of(
              "missing",
              "the model card has no probability histogram (metrics.internal_test."
                  + "probability_histogram); run lumbarcds_training.evaluate and then "
                  + "lumbarcds_training.export (model/training/README.md)"));
    }
    List<Map<String, Object>> days = new ArrayList<>();
    for (Map.Entry<LocalDate, List<Double>> e : perDay.entrySet()) {
      List<Double> values = e.getValue();
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("date", e.getKey().toString());
      d.put("results", values.size());
      d.put("qualityFailures", failuresPerDay.getOrDefault(e.getKey(), 0));
      d.put(
          "meanProbability",
          values.isEmpty() ? null : values.stream().mapToDouble(Double::doubleValue).average());
      d.put("aboveRuleIn", values.stream().filter(p -> p >= card.ruleIn()).count());
      d.put("belowRuleOut", values.stream().filter(p -> p <= card.ruleOut()).count());
      if (edges != null) {
        d.put("drift", drift(Drift.counts(values, edges), reference, values.size()));
      }
      days.add(d);
    }
    out.put("perDay", days);
    return out;
  }

  private static Map<String, Object> drift(long[] recent, long[] reference, int n) {
    Map<String, Object> d = new LinkedHashMap<>();
    if (n < Drift.MIN_RESULTS) {
      d.put("psi", null);
      d.put("reading", "too few results (" + n + " < " + Drift.MIN_RESULTS + ")");
    } else {
      double psi = Drift.psi(recent, reference);
      d.put("psi", Math.round(psi * 10_000) / 10_000.0);
      d.put("reading", Drift.reading(psi));
    }
    return d;
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

  private Map<String, Object> feedback(Instant since) {
    Map<String, Map<String, Object>> services = feedback.overview(since);
    long cards = 0;
    long accepted = 0;
    long overridden = 0;
    long answered = 0;
    for (Map<String, Object> s : services.values()) {
      cards += (Long) s.get("cards");
      @SuppressWarnings("unchecked")
      Map<String, Long> outcomes = (Map<String, Long>) s.get("outcomes");
      for (Map.Entry<String, Long> o : outcomes.entrySet()) {
        answered += o.getValue();
        if ("accepted".equals(o.getKey())) {
          accepted += o.getValue();
        } else if ("overridden".equals(o.getKey())) {
          overridden += o.getValue();
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cards", cards);
    out.put("feedback", answered);
    out.put("acceptRate", answered == 0 ? null : (double) accepted / answered);
    out.put("overrideRate", answered == 0 ? null : (double) overridden / answered);
    out.put("services", services);
    return out;
  }

  private static TokenParam token(Code code) {
    return new TokenParam(code.system(), code.code());
  }
}
