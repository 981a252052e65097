package org.lumbarcds.server.demo;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.hooks.CdsHooks;
import org.lumbarcds.cds.result.AiResult;
import org.lumbarcds.cds.result.AiResultFactory;
import org.lumbarcds.model.inference.Interpretation;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.server.dicomweb.StowService;
import org.lumbarcds.server.operations.Summary;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.Codes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the demo inside the server, the way a hospital's systems would fill it, one load at a time
 * in the background (the page polls {@link #status()}): each bundled study's Patient and X-ray
 * order (FHIR), its radiographs (STOW-RS into the embedded store), the orders completed, the
 * analyses run by the job queue and awaited, the cases chosen from the stored results ({@link
 * DemoCases}), each case's clinical context written, and a lumbar MRI order signed for each (CDS
 * Hooks order-sign). Re-running is safe: records are found by identifier, stored instances are
 * accepted again, results are reused. Logs at INFO say what step ran, never which patient.
 */
class DemoLoader {

  private static final Logger log = LoggerFactory.getLogger(DemoLoader.class);

  private final DemoRecordWriter records;
  private final StowService stow;
  private final DemoAnalyses analyses;
  private final DemoOrderSign orderSign;
  private final ModelCard card;
  private final Clock clock;
  private final AtomicReference<DemoStatus> status;
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "demo-loader");
            t.setDaemon(true);
            return t;
          });

  DemoLoader(
      DemoRecordWriter records,
      StowService stow,
      DemoAnalyses analyses,
      DemoOrderSign orderSign,
      ModelCard card,
      Clock clock) {
    this.records = records;
    this.stow = stow;
    this.analyses = analyses;
    this.orderSign = orderSign;
    this.card = card;
    this.clock = clock;
    this.status = new AtomicReference<>(DemoStatus.idle(Summary.Model.of(card)));
  }

  /** Where the latest load stands. */
  DemoStatus status() {
    return status.get();
  }

  /** Starts a load unless one is running; returns where it stands. */
  synchronized DemoStatus start() {
    if (!DemoStatus.RUNNING.equals(status.get().state())) {
      status.set(DemoStatus.starting(Summary.Model.of(card), now()));
      executor.execute(this::load);
    }
    return status.get();
  }

  void shutdown() {
    executor.shutdownNow();
  }

  private void load() {
    log.info("Demo load started");
    try {
      List<DemoStatus.Case> cases = run();
      status.updateAndGet(s -> s.finished(cases, now()));
      log.info(
          "Demo loaded: {} of {} cases shown",
          cases.stream().filter(c -> c.notShown() == null).count(),
          cases.size());
    } catch (DemoException e) {
      log.warn("Demo load failed: {}", e.getMessage());
      status.updateAndGet(s -> s.failed(e.getMessage(), now()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status.updateAndGet(s -> s.failed("the server is stopping", now()));
    } catch (RuntimeException e) {
      log.error("Demo load failed unexpectedly", e);
      status.updateAndGet(
          s -> s.failed("an unexpected error stopped the load: see the server's log", now()));
    }
  }

  /** A study of the bundle as stored here. */
  private record Stored(DemoBundle.Study study, String patientId, ServiceRequest order) {}

  private List<DemoStatus.Case> run() throws InterruptedException {
    List<DemoBundle.Study> bundle = DemoBundle.read();
    String storing = "Storing the synthetic patients, X-ray orders and radiographs";
    List<Stored> stored = new ArrayList<>();
    for (DemoBundle.Study study : bundle) {
      step(storing, stored.size(), bundle.size());
      String patientId = records.patient(study.header());
      ServiceRequest order = records.order(study.header(), patientId);
      StowService.Stored s = stow.store(study.files());
      if (s.failed() > 0) {
        throw new DemoException(
            "the DICOMweb store refused a demo study: " + String.join("; ", s.warnings()));
      }
      stored.add(new Stored(study, patientId, order));
    }
    step("Completing the X-ray orders", null, null);
    for (Stored s : stored) {
      records.complete(s.order());
      analyses.ensureQueued(s.order());
    }
    String analysing = "Analysing the radiographs (the job queue and the model in use)";
    Map<String, DemoAnalyses.Outcome> outcomes =
        analyses.await(
            stored.stream().map(s -> s.order().getIdElement().getIdPart()).toList(),
            (done, total) -> step(analysing, done, total));

    step("Choosing the cases from the results", null, null);
    Map<Stored, DemoCases.Analysed> analysed = new LinkedHashMap<>();
    for (Stored s : stored) {
      outcomes
          .get(s.order().getIdElement().getIdPart())
          .result()
          .map(AiResultFactory::read)
          .ifPresent(r -> analysed.put(s, analysed(s, r)));
    }
    DemoCases.Choice choice =
        DemoCases.choose(
            analysed.entrySet().stream()
                .filter(e -> e.getKey().study().role() == DemoBundle.Role.POOL)
                .map(Map.Entry::getValue)
                .toList(),
            analysed.entrySet().stream()
                .filter(e -> e.getKey().study().role() == DemoBundle.Role.MISSING_VIEW)
                .map(Map.Entry::getValue)
                .findFirst(),
            (card.ruleOut() + card.ruleIn()) / 2);
    Map<String, DemoCases.Case> caseOf = new LinkedHashMap<>();
    choice.chosen().forEach((c, a) -> caseOf.put(a.study(), c));
    status.updateAndGet(s -> s.withStudies(studies(stored, outcomes, caseOf)));

    step("Recording each case's clinical context", null, null);
    for (Stored s : stored) {
      records.context(s.patientId(), Optional.ofNullable(caseOf.get(s.study().folder())));
    }

    String signing = "Signing a lumbar MRI order for each case (CDS Hooks order-sign)";
    List<DemoStatus.Case> cases = new ArrayList<>();
    for (DemoCases.Case c : DemoCases.ALL) {
      step(signing, cases.size(), DemoCases.ALL.size());
      DemoCases.Analysed a = choice.chosen().get(c);
      List<CdsHooks.Card> cards = a == null ? List.of() : orderSign.sign(a.patientId());
      cases.add(
          new DemoStatus.Case(
              c.id(),
              c.title(),
              c.context(),
              c.need().name().toLowerCase(Locale.ROOT).replace('_', '-'),
              a == null ? null : a.study(),
              a == null ? null : "Patient/" + a.patientId(),
              a == null ? null : a.probability().orElse(null),
              a == null ? null : a.band().map(DemoLoader::name).orElse(null),
              choice.unfilled().get(c),
              cards));
    }
    return cases;
  }

  private static DemoCases.Analysed analysed(Stored s, AiResult result) {
    return new DemoCases.Analysed(
        s.study().folder(), s.patientId(), result.probability(), band(result));
  }

  /** The band recorded in the result (its interpretation against the operating points). */
  static Optional<Interpretation> band(AiResult result) {
    Map<Code, Interpretation> bands =
        Map.of(
            Codes.ABOVE_RULE_IN, Interpretation.LIKELY,
            Codes.BELOW_RULE_OUT, Interpretation.UNLIKELY,
            Codes.BETWEEN_OPERATING_POINTS, Interpretation.INDETERMINATE);
    return result
        .band()
        .flatMap(
            b ->
                bands.entrySet().stream()
                    .filter(e -> b.matches(e.getKey().system(), e.getKey().code()))
                    .map(Map.Entry::getValue)
                    .findFirst());
  }

  private static List<DemoStatus.Study> studies(
      List<Stored> stored,
      Map<String, DemoAnalyses.Outcome> outcomes,
      Map<String, DemoCases.Case> caseOf) {
    List<DemoStatus.Study> out = new ArrayList<>();
    for (Stored s : stored) {
      DemoAnalyses.Outcome o = outcomes.get(s.order().getIdElement().getIdPart());
      Optional<AiResult> r = o.result().map(AiResultFactory::read);
      out.add(
          new DemoStatus.Study(
              s.study().folder(),
              s.study().role().name().toLowerCase(Locale.ROOT).replace('_', '-'),
              "Patient/" + s.patientId(),
              r.flatMap(AiResult::probability).orElse(null),
              r.flatMap(DemoLoader::band).map(DemoLoader::name).orElse(null),
              o.result()
                  .map(Observation::getIdElement)
                  .map(id -> "Observation/" + id.getIdPart())
                  .orElse(null),
              o.failure().orElse(null),
              Optional.ofNullable(caseOf.get(s.study().folder()))
                  .map(DemoCases.Case::id)
                  .orElse(null)));
    }
    return out;
  }

  private static String name(Interpretation band) {
    return band.name().toLowerCase(Locale.ROOT);
  }

  private void step(String what, Integer done, Integer total) {
    status.updateAndGet(s -> s.at(what, done, total));
  }

  private String now() {
    return new InstantType(Date.from(clock.instant())).asStringValue();
  }
}
