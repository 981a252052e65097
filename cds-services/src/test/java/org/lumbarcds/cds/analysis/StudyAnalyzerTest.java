package org.lumbarcds.cds.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.imaging.ImageSource;
import org.lumbarcds.cds.imaging.ImageSourceException;
import org.lumbarcds.cds.imaging.ImagingStudyFactory;
import org.lumbarcds.cds.imaging.ViewSelector;
import org.lumbarcds.cds.result.AiResultFactory;
import org.lumbarcds.cds.result.StoredHeatmaps;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.Prediction;
import org.lumbarcds.model.inference.ThreeViewModel;
import org.lumbarcds.model.inference.ViewReader;
import org.lumbarcds.model.inference.ViewRules;
import org.lumbarcds.model.testing.DicomFixtures;
import org.lumbarcds.terminology.QualityFlag;

/** The pipeline on the DICOMweb fixture studies and the committed reference model. */
class StudyAnalyzerTest {

  private static final Path CARD =
      Path.of("../model/reference/lumbar-cds-lss-3view-phantom.card.json");
  private static ThreeViewModel model;
  private static StudyAnalyzer analyzer;

  @BeforeAll
  static void load() throws Exception {
    model = ThreeViewModel.load(CARD, new ThreeViewModel.Options(1, 1, Duration.ofSeconds(60)));
    analyzer =
        new StudyAnalyzer(
            new ViewSelector(ViewRules.defaults()),
            model,
            new AiResultFactory(),
            () -> "http://cds.test/model/card");
  }

  @AfterAll
  static void close() {
    model.close();
  }

  /** A study's instances, served as a PACS would (headers, then whole files). */
  private static final class FixtureSource implements ImageSource {
    final Map<String, byte[]> files = new HashMap<>();
    final List<DicomDataset> headers = new ArrayList<>();
    final List<String> retrieved = java.util.Collections.synchronizedList(new ArrayList<>());
    ImageSourceException failure;

    FixtureSource(String... names) throws Exception {
      for (String name : names) {
        byte[] bytes = DicomFixtures.bytes(name);
        DicomDataset header = new DicomReader().read(bytes).dataset();
        headers.add(header);
        files.put(header.getString(Tags.SOP_INSTANCE_UID).orElseThrow(), bytes);
      }
    }

    @Override
    public List<DicomDataset> metadata(String studyUid) throws ImageSourceException {
      if (failure != null) {
        throw failure;
      }
      return headers;
    }

    @Override
    public byte[] retrieve(String studyUid, String seriesUid, String sopInstanceUid) {
      retrieved.add(sopInstanceUid);
      return files.get(sopInstanceUid);
    }
  }

  /**
   * Keeps results in memory, keyed by their analysis identifier, with a version per write (as a
   * FHIR store would).
   */
  private static class MemoryStore implements StudyAnalyzer.ResultStore {
    final Map<String, ResultBundle> stored = new HashMap<>();
    final Map<String, Integer> versions = new HashMap<>();
    final List<ResultBundle> superseding = new ArrayList<>();

    @Override
    public Optional<Observation> find(String identifier) {
      if (!stored.containsKey(identifier)) {
        return Optional.empty();
      }
      Observation obs = stored.get(identifier).observation().copy();
      obs.setId(id(identifier) + "/_history/" + versions.get(identifier));
      return Optional.of(obs);
    }

    @Override
    public Observation store(ResultBundle result) {
      stored.put(result.identifier(), result);
      versions.put(result.identifier(), 1);
      return find(result.identifier()).orElseThrow();
    }

    @Override
    public Observation supersede(Observation previous, ResultBundle result) {
      assertThat(previous.getIdElement().getVersionIdPart())
          .isEqualTo(String.valueOf(versions.get(result.identifier())));
      stored.put(result.identifier(), result);
      versions.merge(result.identifier(), 1, Integer::sum);
      superseding.add(result);
      return find(result.identifier()).orElseThrow();
    }

    private static String id(String identifier) {
      return "Observation/" + Integer.toHexString(identifier.hashCode());
    }
  }

  /** A fixture file's SOP Instance UID (the key its bytes are served under). */
  private static String sopInstanceUid(String file) throws Exception {
    return new DicomReader()
        .read(DicomFixtures.bytes(file))
        .dataset()
        .getString(Tags.SOP_INSTANCE_UID)
        .orElseThrow();
  }

  private static StudyAnalyzer.Study study(FixtureSource source) throws Exception {
    ImagingStudy is =
        new ImagingStudyFactory(ViewRules.defaults())
            .create(
                source.metadata(""),
                new ImagingStudyFactory.Links(
                    Optional.of(new Reference("Patient/p1")),
                    Optional.empty(),
                    List.of(new Reference("ServiceRequest/o1")),
                    new Reference("Endpoint/e1")));
    is.setId("ImagingStudy/s1");
    return new StudyAnalyzer.Study(
        new Reference("Patient/p1"), new Reference("ServiceRequest/o1"), is);
  }

  @Test
  void aCompleteStudyGivesTheModelsProbabilityOnceAndIsReusedAfterwards() throws Exception {
    FixtureSource source =
        new FixtureSource("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    MemoryStore store = new MemoryStore();
    StudyAnalyzer.Study study = study(source);

    StudyAnalyzer.Outcome first = analyzer.analyze(study, source, store);

    assertThat(first.created()).isTrue();
    assertThat(first.flags()).isEmpty();
    Prediction p = first.prediction().orElseThrow();
    // the same numbers as the model run directly on the files (no step of the pipeline changes
    // them)
    ViewReader reader = new ViewReader();
    Map<Posture, org.lumbarcds.model.dicom.GreyImage> direct = new EnumMap<>(Posture.class);
    for (String v : List.of("neutral", "flexion", "extension")) {
      ViewReader.View view = reader.read(DicomFixtures.bytes("study1/" + v + ".dcm"));
      direct.put(view.posture().orElseThrow(), view.image());
    }
    assertThat(p.probability()).isEqualTo(model.predict(direct).probability());
    assertThat(source.retrieved).hasSize(3);

    ResultBundle bundle = store.stored.values().iterator().next();
    assertThat(bundle.identifier())
        .isEqualTo(study.studyUid() + "|lumbar-cds-lss-3view-phantom|" + model.card().version());
    Observation obs = bundle.observation();
    assertThat(((Quantity) obs.getValue()).getValue().doubleValue())
        .isCloseTo(p.probability(), org.assertj.core.data.Offset.offset(1e-4));
    assertThat(obs.getDevice().getReference()).isEqualTo(bundle.deviceUrl());
    assertThat(obs.getDerivedFromFirstRep().getReference()).isEqualTo("ImagingStudy/s1");
    assertThat(obs.getBasedOnFirstRep().getReference()).isEqualTo("ServiceRequest/o1");
    assertThat(bundle.provenance().getTargetFirstRep().getReference())
        .isEqualTo(bundle.observationUrl());
    assertThat(bundle.device().getUrl()).isEqualTo("http://cds.test/model/card");
    // the heatmaps stored with it: the model's maps, placed as the model read each view
    assertThat(StoredHeatmaps.reference(obs)).contains(bundle.heatmapsUrl());
    StoredHeatmaps maps = StoredHeatmaps.fromBinary(bundle.storedHeatmaps().orElseThrow());
    assertThat(maps.views()).containsOnlyKeys(Posture.values());
    assertThat(maps.modelVersion()).isEqualTo(model.card().version());
    for (Posture v : Posture.values()) {
      assertThat(maps.views().get(v).cam().values()).containsExactly(p.cams().get(v).values());
      assertThat(maps.views().get(v).placement())
          .isEqualTo(model.preprocessor().placement(direct.get(v).rows(), direct.get(v).columns()));
    }

    StudyAnalyzer.Outcome again = analyzer.analyze(study, source, store);
    assertThat(again.created()).isFalse();
    assertThat(again.reference().getReference()).isEqualTo(first.reference().getReference());
    assertThat(source.retrieved).as("nothing fetched for a reused result").hasSize(3);
  }

  @Test
  void theListenerIsToldOfEachResultWrittenWithItsViewsAndMapsAndCannotBreakTheWrite()
      throws Exception {
    List<Object[]> told = new ArrayList<>();
    try {
      analyzer.onWritten((stored, images, maps) -> told.add(new Object[] {stored, images, maps}));
      FixtureSource source =
          new FixtureSource("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
      MemoryStore store = new MemoryStore();
      StudyAnalyzer.Study study = study(source);
      StudyAnalyzer.Outcome first = analyzer.analyze(study, source, store);
      assertThat(told).hasSize(1);
      Observation stored = (Observation) told.get(0)[0];
      assertThat(stored.getIdElement().getValue())
          .isEqualTo(first.observation().getIdElement().getValue());
      @SuppressWarnings("unchecked")
      Map<Posture, org.lumbarcds.model.dicom.GreyImage> images =
          (Map<Posture, org.lumbarcds.model.dicom.GreyImage>) told.get(0)[1];
      assertThat(images).containsOnlyKeys(Posture.values());
      // the maps told are those stored with the result
      StoredHeatmaps maps = (StoredHeatmaps) told.get(0)[2];
      StoredHeatmaps kept =
          StoredHeatmaps.fromBinary(
              store.stored.values().iterator().next().storedHeatmaps().orElseThrow());
      for (Posture v : Posture.values()) {
        assertThat(maps.views().get(v).cam().values())
            .containsExactly(kept.views().get(v).cam().values());
      }
      // a reused result is not written again: nothing told
      analyzer.analyze(study, source, store);
      assertThat(told).hasSize(1);

      // a writer that lost a race to another (a different result stored): not told
      MemoryStore raced =
          new MemoryStore() {
            @Override
            public Observation store(ResultBundle result) {
              Observation winner = super.store(result);
              ((Quantity) winner.getValue()).setValue(0.5);
              return winner;
            }
          };
      analyzer.analyze(study, source, raced);
      assertThat(told).hasSize(1);

      // a listener that fails: the result is stored and returned all the same
      analyzer.onWritten(
          (stored2, images2, maps2) -> {
            throw new IllegalStateException("listener down");
          });
      MemoryStore other = new MemoryStore();
      StudyAnalyzer.Outcome written = analyzer.analyze(study, source, other);
      assertThat(written.created()).isTrue();
      assertThat(written.prediction()).isPresent();
      assertThat(other.stored).hasSize(1);
    } finally {
      analyzer.onWritten((stored, images, maps) -> {});
    }
  }

  @Test
  void missingViewsGiveAQualityFailureWithoutProbabilityOrPixelFetch() throws Exception {
    FixtureSource source = new FixtureSource("study1/neutral.dcm", "study1/flexion.dcm");
    MemoryStore store = new MemoryStore();

    StudyAnalyzer.Outcome outcome = analyzer.analyze(study(source), source, store);

    assertThat(outcome.prediction()).isEmpty();
    assertThat(outcome.flags()).containsExactly(QualityFlag.VIEW_MISSING_EXTENSION);
    assertThat(source.retrieved).isEmpty();
    Observation obs = store.stored.values().iterator().next().observation();
    assertThat(obs.hasValue()).isFalse();
    assertThat(obs.getDataAbsentReason().getCodingFirstRep().getCode()).isEqualTo("error");
    assertThat(StoredHeatmaps.reference(obs)).as("no maps without a probability").isEmpty();
    assertThat(store.stored.values().iterator().next().storedHeatmaps()).isEmpty();
  }

  @Test
  void anUnreadableInstanceIsAQualityFlagNotAFailure() throws Exception {
    FixtureSource source =
        new FixtureSource("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    StudyAnalyzer.Study study = study(source);
    // the header is as advertised, the file served for it is cut short
    String flexionUid = sopInstanceUid("study1/flexion.dcm");
    byte[] whole = source.files.get(flexionUid);
    source.files.put(flexionUid, java.util.Arrays.copyOf(whole, whole.length / 2));
    MemoryStore store = new MemoryStore();
    StudyAnalyzer.Outcome outcome;
    try {
      outcome = analyzer.analyze(study, source, store);
    } finally {
      source.files.put(flexionUid, whole);
    }
    assertThat(outcome.prediction()).isEmpty();
    assertThat(outcome.flags()).contains(QualityFlag.IMAGE_UNREADABLE);
    assertThat(store.stored).hasSize(1);
  }

  @Test
  void sourceFailuresAreThrownSayingWhetherARetryMayHelp() throws Exception {
    FixtureSource source =
        new FixtureSource("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    StudyAnalyzer.Study study = study(source);
    MemoryStore store = new MemoryStore();

    source.failure =
        new ImageSourceException(ImageSourceException.Reason.UNAVAILABLE, "connection refused");
    assertThatThrownBy(() -> analyzer.analyze(study, source, store))
        .isInstanceOfSatisfying(AnalysisException.class, e -> assertThat(e.retryable()).isTrue());

    source.failure =
        new ImageSourceException(ImageSourceException.Reason.NOT_FOUND, "no such study");
    assertThatThrownBy(() -> analyzer.analyze(study, source, store))
        .isInstanceOfSatisfying(AnalysisException.class, e -> assertThat(e.retryable()).isFalse());
    assertThat(store.stored).as("nothing half-written").isEmpty();
  }

  /**
   * The reference model with a card that has the extension-missing configuration's points (the
   * reference card has none): the test's own points, far from the three-view ones.
   */
  private static ThreeViewModel twoViewModel(Path dir) throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    var card = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(CARD.toFile());
    var c = card.putObject("view_configurations").putObject("extension_missing");
    c.put("missing", "extension");
    c.putObject("operating_points").putObject("rule_out").put("threshold", 0.0123);
    ((com.fasterxml.jackson.databind.node.ObjectNode) c.get("operating_points"))
        .putObject("rule_in")
        .put("threshold", 0.9876);
    String onnx = card.path("file").path("name").asText();
    java.nio.file.Files.copy(CARD.resolveSibling(onnx), dir.resolve(onnx));
    Path path = dir.resolve("card.json");
    json.writeValue(path.toFile(), card);
    return ThreeViewModel.load(path, new ThreeViewModel.Options(1, 1, Duration.ofSeconds(60)));
  }

  @Test
  void withTheConfigurationsPointsOneViewMissingGivesAFlaggedTwoViewResultUntilTheViewArrives(
      @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    try (ThreeViewModel twoViews = twoViewModel(dir)) {
      StudyAnalyzer analyzer =
          new StudyAnalyzer(
              new ViewSelector(ViewRules.defaults()),
              twoViews,
              new AiResultFactory(),
              () -> "http://cds.test/model/card");
      FixtureSource source = new FixtureSource("study1/neutral.dcm", "study1/flexion.dcm");
      StudyAnalyzer.Study study = study(source);
      MemoryStore store = new MemoryStore();

      StudyAnalyzer.Outcome first = analyzer.analyze(study, source, store);

      Prediction p = first.prediction().orElseThrow();
      assertThat(p.viewsUsed()).containsExactlyInAnyOrder(Posture.NEUTRAL, Posture.FLEXION);
      assertThat(p.ruleOut()).isEqualTo(0.0123);
      assertThat(p.ruleIn()).isEqualTo(0.9876);
      assertThat(first.flags()).containsExactly(QualityFlag.VIEW_MISSING_EXTENSION);
      // the same probability as the model run on the two views directly
      ViewReader reader = new ViewReader();
      Map<Posture, org.lumbarcds.model.dicom.GreyImage> direct = new EnumMap<>(Posture.class);
      for (String v : List.of("neutral", "flexion")) {
        ViewReader.View view = reader.read(DicomFixtures.bytes("study1/" + v + ".dcm"));
        direct.put(view.posture().orElseThrow(), view.image());
      }
      assertThat(p.probability()).isEqualTo(twoViews.predict(direct).probability());
      Observation obs = store.stored.values().iterator().next().observation();
      var read = AiResultFactory.read(obs);
      assertThat(read.probability()).isPresent();
      assertThat(read.viewsUsed()).containsExactlyInAnyOrder(Posture.NEUTRAL, Posture.FLEXION);
      assertThat(read.qualityFlags()).extracting(c -> c.code()).contains("view-missing-extension");
      assertThat(obs.getNoteFirstRep().getText())
          .contains("extension view missing or unusable")
          .contains("rule-out 0.0123, rule-in 0.9876");

      // analysed again with the same two views: nothing fetched, nothing written
      int fetched = source.retrieved.size();
      assertThat(analyzer.analyze(study, source, store).created()).isFalse();
      assertThat(source.retrieved).hasSize(fetched);
      assertThat(store.superseding).isEmpty();

      // the extension view arrives: a three-view result replaces it in place
      FixtureSource complete =
          new FixtureSource("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
      StudyAnalyzer.Outcome analysed = analyzer.analyze(study(complete), complete, store);
      assertThat(analysed.created()).isTrue();
      assertThat(analysed.prediction().orElseThrow().viewsUsed()).hasSize(3);
      assertThat(analysed.prediction().orElseThrow().ruleOut()).isEqualTo(model.card().ruleOut());
      assertThat(analysed.flags()).isEmpty();
      assertThat(store.superseding).hasSize(1);

      // a view that is there but cannot be read: a two-view result, written once
      FixtureSource cut =
          new FixtureSource("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
      String extensionUid = sopInstanceUid("study1/extension.dcm");
      byte[] whole = cut.files.get(extensionUid);
      cut.files.put(extensionUid, java.util.Arrays.copyOf(whole, whole.length / 2));
      MemoryStore cutStore = new MemoryStore();
      StudyAnalyzer.Outcome unreadable = analyzer.analyze(study(cut), cut, cutStore);
      assertThat(unreadable.prediction().orElseThrow().viewsUsed()).hasSize(2);
      assertThat(unreadable.flags()).contains(QualityFlag.IMAGE_UNREADABLE);
      assertThat(analyzer.analyze(study(cut), cut, cutStore).created())
          .as("the same unreadable view again: nothing rewritten")
          .isFalse();
      assertThat(cutStore.superseding).isEmpty();

      // a posture the card has no points for: a quality failure, as before
      FixtureSource noFlexion = new FixtureSource("study1/neutral.dcm", "study1/extension.dcm");
      StudyAnalyzer.Outcome failure =
          analyzer.analyze(study(noFlexion), noFlexion, new MemoryStore());
      assertThat(failure.prediction()).isEmpty();
      assertThat(failure.flags()).containsExactly(QualityFlag.VIEW_MISSING_FLEXION);
    }
  }

  @Test
  void aViewStoredAfterAQualityFailureIsAnalysedAndSupersedesTheFailure() throws Exception {
    FixtureSource source = new FixtureSource("study1/neutral.dcm", "study1/flexion.dcm");
    StudyAnalyzer.Study study = study(source);
    MemoryStore store = new MemoryStore();
    StudyAnalyzer.Outcome failure = analyzer.analyze(study, source, store);
    assertThat(failure.flags()).containsExactly(QualityFlag.VIEW_MISSING_EXTENSION);

    // analysed again before anything changed: the same failure, nothing written
    StudyAnalyzer.Outcome same = analyzer.analyze(study, source, store);
    assertThat(same.created()).isFalse();
    assertThat(store.superseding).isEmpty();

    // the extension view arrives
    FixtureSource complete =
        new FixtureSource("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    StudyAnalyzer.Outcome analysed = analyzer.analyze(study(complete), complete, store);

    assertThat(analysed.created()).isTrue();
    assertThat(analysed.prediction()).isPresent();
    assertThat(analysed.reference().getReference())
        .as("the same Observation, updated in place")
        .isEqualTo(failure.reference().getReference());
    assertThat(store.stored).hasSize(1);
    assertThat(store.versions.values()).containsExactly(2);
    assertThat(store.stored.values().iterator().next().observation().hasValueQuantity()).isTrue();

    // a result with a probability is final for this model version
    StudyAnalyzer.Outcome again = analyzer.analyze(study(complete), complete, store);
    assertThat(again.created()).isFalse();
    assertThat(store.superseding).hasSize(1);
  }

  @Test
  void aQualityFailureAPhysicianHasActedOnIsNotRewritten() throws Exception {
    FixtureSource source = new FixtureSource("study1/neutral.dcm", "study1/flexion.dcm");
    MemoryStore store = new MemoryStore();
    analyzer.analyze(study(source), source, store);
    store
        .stored
        .values()
        .iterator()
        .next()
        .observation()
        .setStatus(Observation.ObservationStatus.FINAL);

    FixtureSource complete =
        new FixtureSource("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    StudyAnalyzer.Outcome outcome = analyzer.analyze(study(complete), complete, store);

    assertThat(outcome.created()).isFalse();
    assertThat(complete.retrieved).isEmpty();
    assertThat(store.superseding).isEmpty();
  }
}
