package org.lumbarcds.cds.analysis;

import java.util.ArrayList;
import java.util.Date;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.cds.imaging.ImageSource;
import org.lumbarcds.cds.imaging.ImageSourceException;
import org.lumbarcds.cds.imaging.ViewSelector;
import org.lumbarcds.cds.result.AiResult;
import org.lumbarcds.cds.result.AiResultFactory;
import org.lumbarcds.cds.result.StoredHeatmaps;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomException;
import org.lumbarcds.model.dicom.DicomFile;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.model.dicom.GreyImage;
import org.lumbarcds.model.dicom.Greyscale;
import org.lumbarcds.model.dicom.PixelDecoder;
import org.lumbarcds.model.inference.ModelException;
import org.lumbarcds.model.inference.Orientation;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.Prediction;
import org.lumbarcds.model.inference.ThreeViewModel;
import org.lumbarcds.terminology.QualityFlag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One study's analysis, top to bottom: select the views → fetch their pixels → preprocess →
 * classify → write the Observation, Device and Provenance in one transaction. A study is analysed
 * once per model version: when its result exists it is returned as it is. A study whose views do
 * not pass the quality checks gets an Observation with the flags and no probability; only failures
 * of the machinery (PACS unreachable, model runtime) are thrown, with whether a retry may help.
 *
 * <p>A quality failure is not final while nobody has acted on it: a view stored after the study was
 * analysed (the third view arriving late) is picked up by the next analysis of the study, which
 * supersedes the failure — the same Observation updated in place (still one per study and model
 * version), with a Provenance of its own. A result with a probability, or one a physician has
 * acknowledged or disputed (status no longer preliminary), is never rewritten.
 */
public final class StudyAnalyzer {

  private static final Logger log = LoggerFactory.getLogger(StudyAnalyzer.class);

  /**
   * The study to analyse and what it belongs to.
   *
   * @param patient the Patient
   * @param order the lumbar radiograph ServiceRequest
   * @param imagingStudy the ImagingStudy as stored (its id and series descriptions are used)
   */
  public record Study(Reference patient, Reference order, ImagingStudy imagingStudy) {
    public String studyUid() {
      return imagingStudy.getIdentifier().stream()
          .filter(i -> "urn:dicom:uid".equals(i.getSystem()) && i.hasValue())
          .map(i -> i.getValue().replaceFirst("^urn:oid:", ""))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("the ImagingStudy has no Study UID"));
    }

    Reference studyReference() {
      return new Reference(imagingStudy.getIdElement().toUnqualifiedVersionless().getValue());
    }
  }

  /**
   * What an analysis produced.
   *
   * @param observation the Observation as stored (its id with the version)
   * @param created true when this analysis wrote the result (new, or superseding a quality
   *     failure); false when the stored result was returned as it was
   * @param prediction the model's output (empty when reused or when the quality checks failed)
   * @param flags quality flags: of a failure, or of the view a two-view result lacks (empty for a
   *     three-view result)
   */
  public record Outcome(
      Observation observation,
      boolean created,
      Optional<Prediction> prediction,
      Set<QualityFlag> flags) {
    public Outcome {
      flags = Set.copyOf(flags);
    }

    /** The stored Observation's reference, without its version. */
    public Reference reference() {
      return new Reference(observation.getIdElement().toUnqualifiedVersionless().getValue());
    }
  }

  /** Where results are kept: the FHIR store. */
  public interface ResultStore {

    /** The Observation with this analysis identifier, if one is stored (id with its version). */
    Optional<Observation> find(String analysisIdentifier);

    /**
     * Stores the result's resources in one transaction (the Device and the Observation by
     * conditional create on their identifiers) and returns the Observation as stored (id with its
     * version), whichever writer won a race.
     */
    Observation store(ResultBundle result) throws AnalysisException;

    /**
     * Replaces a stored result in one transaction: the Observation updated in place if it is still
     * at the version read ({@code stored}'s id), the Device created if new, and a Provenance of the
     * update. A writer that lost the race gets the winner's Observation.
     */
    Observation supersede(Observation stored, ResultBundle result) throws AnalysisException;
  }

  /**
   * A study's views as the analysis saw them, with the model's output on them: for the viewer page.
   *
   * @param images the rendered views found (grey, bone bright, full resolution)
   * @param prediction the model's output (with class-activation maps) when all views were usable
   * @param flags quality flags (empty when the model ran)
   */
  public record Reproduction(
      Map<Posture, GreyImage> images, Optional<Prediction> prediction, Set<QualityFlag> flags) {
    public Reproduction {
      images = Map.copyOf(images);
      flags = Set.copyOf(flags);
    }
  }

  /** The views chosen for each posture, as fetched. */
  private record Views(Map<Posture, GreyImage> images, Set<QualityFlag> flags) {}

  private final ViewSelector selector;
  private final ThreeViewModel model;
  private final AiResultFactory results;
  private final Supplier<String> modelCardUrl;
  private final DicomReader reader = new DicomReader();
  private final PixelDecoder decoder = new PixelDecoder();
  private volatile WriteListener listener = (stored, images, heatmaps) -> {};
  private final AtomicInteger inProgress = new AtomicInteger();

  /**
   * Told of each result with a probability this analyser writes, with the views the model read and
   * the heatmaps stored with it (the viewer keeps their renderings ready for the first opening).
   * Called on the analysing thread after the transaction; it must return quickly, and what it
   * throws is logged and does not touch the result.
   */
  @FunctionalInterface
  public interface WriteListener {
    void written(Observation stored, Map<Posture, GreyImage> images, StoredHeatmaps heatmaps);
  }

  public StudyAnalyzer(
      ViewSelector selector,
      ThreeViewModel model,
      AiResultFactory results,
      Supplier<String> modelCardUrl) {
    this.selector = selector;
    this.model = model;
    this.results = results;
    this.modelCardUrl = modelCardUrl;
  }

  /** Sets who is told of each result written with a probability (one listener; the last set). */
  public void onWritten(WriteListener listener) {
    this.listener = listener;
  }

  /** The model this analyser runs. */
  public ThreeViewModel threeViewModel() {
    return model;
  }

  /** The model this analyser runs, as its results name it. */
  public AiResultFactory.Model model() {
    var card = model.card();
    return new AiResultFactory.Model(
        card.id(), card.version(), card.sha256(), modelCardUrl.get(), card.synthetic());
  }

  /** Analyses a study, or returns its existing result for this model version. */
  public Outcome analyze(Study study, ImageSource source, ResultStore store)
      throws AnalysisException {
    inProgress.incrementAndGet();
    try {
      return analyzeNow(study, source, store);
    } finally {
      inProgress.decrementAndGet();
    }
  }

  private Outcome analyzeNow(Study study, ImageSource source, ResultStore store)
      throws AnalysisException {
    AiResultFactory.Model model = model();
    String identifier = AiResultFactory.analysisIdentifier(study.studyUid(), model);
    Optional<Observation> existing = store.find(identifier);
    if (existing.isPresent() && !supersedable(existing.get())) {
      return reused(existing.get());
    }
    ViewSelector.Selection selection = selectViews(study, source);
    Set<Posture> selected = selection.views().keySet();
    if (!selection.complete() && !twoViews(selected)) {
      return writeFailure(study, selection.flags(), selected, store, existing);
    }
    if (existing.isPresent() && !moreViews(selected, existing.get())) {
      // a two-view result of these same views is stored: nothing new to analyse
      return reused(existing.get());
    }
    Views views = fetch(study, source, selection);
    if (views.images().size() < Posture.values().length && !twoViews(views.images().keySet())) {
      return writeFailure(study, views.flags(), views.images().keySet(), store, existing);
    }
    if (existing.isPresent() && sameTwoViewResult(existing.get(), views)) {
      // the same two views with the same flags (a view that stays unreadable): nothing new
      return reused(existing.get());
    }
    Map<Posture, float[]> inputs = preprocess(views.images());
    Prediction prediction = classify(inputs);
    return write(study, prediction, views.images(), views.flags(), store, existing);
  }

  /**
   * Whether the model gives a result from these views: all three, or two when its card has the
   * operating points of that configuration (chosen on validation like the three-view ones).
   */
  private boolean twoViews(Set<Posture> present) {
    return Posture.missing(present).map(model::givesTwoViewResults).orElse(false);
  }

  /** Whether a stored two-view result used these views and recorded these flags. */
  private static boolean sameTwoViewResult(Observation stored, Views views) {
    AiResult result = AiResultFactory.read(stored);
    Set<String> flags = new TreeSet<>();
    views.flags().forEach(f -> flags.add(f.code().code()));
    return result.probability().isPresent()
        && result.viewsUsed().equals(views.images().keySet())
        && recordedFlags(stored).equals(flags);
  }

  /** Whether {@code present} has more views than the stored result used (a late view). */
  private static boolean moreViews(Set<Posture> present, Observation stored) {
    AiResult result = AiResultFactory.read(stored);
    return result.probability().isEmpty() || !result.viewsUsed().containsAll(present);
  }

  /**
   * The study's views and the model's output on them, as {@link #analyze} computes them, without
   * storing anything: the same selection, rendering and model, so the maps shown are the ones
   * behind the stored result.
   *
   * @param runModel false when only the views are wanted (the model's output would explain nothing:
   *     a result of another model, or one without a probability)
   */
  public Reproduction reproduce(Study study, ImageSource source, boolean runModel)
      throws AnalysisException {
    ViewSelector.Selection selection = selectViews(study, source);
    Views views = fetch(study, source, selection);
    if (!runModel || !selection.complete() || views.images().size() < Posture.values().length) {
      return new Reproduction(views.images(), Optional.empty(), views.flags());
    }
    Prediction prediction = classify(preprocess(views.images()));
    return new Reproduction(views.images(), Optional.of(prediction), Set.of());
  }

  /**
   * A stored quality failure, or a two-view result, that nobody has acted on yet (still
   * preliminary, not disputed) may be replaced by a new analysis: the view stored late makes it a
   * three-view result.
   */
  static boolean supersedable(Observation stored) {
    AiResult result = AiResultFactory.read(stored);
    return (result.probability().isEmpty()
            || result.viewsUsed().size() == Posture.values().length - 1)
        && stored.getStatus() == Observation.ObservationStatus.PRELIMINARY
        && !result.disputed();
  }

  /** The quality flags recorded in a stored result. */
  static Set<String> recordedFlags(Observation stored) {
    Set<String> flags = new TreeSet<>();
    AiResultFactory.read(stored).qualityFlags().forEach(f -> flags.add(f.code()));
    return flags;
  }

  private static Outcome reused(Observation stored) {
    return new Outcome(stored, false, Optional.empty(), Set.of());
  }

  /** Step 1: the headers of the study's instances, and one view per posture chosen from them. */
  ViewSelector.Selection selectViews(Study study, ImageSource source) throws AnalysisException {
    List<DicomDataset> headers;
    try {
      headers = source.metadata(study.studyUid());
    } catch (ImageSourceException e) {
      throw AnalysisException.fromSource("reading the study's metadata", e);
    }
    Map<String, String> seriesDescriptions = new HashMap<>();
    for (ImagingStudy.ImagingStudySeriesComponent s : study.imagingStudy().getSeries()) {
      if (s.hasDescription()) {
        seriesDescriptions.put(s.getUid(), s.getDescription());
      }
    }
    List<ViewSelector.Candidate> candidates = new ArrayList<>();
    for (DicomDataset header : headers) {
      ViewSelector.Candidate probe = new ViewSelector.Candidate(header, Optional.empty());
      candidates.add(
          new ViewSelector.Candidate(
              header, Optional.ofNullable(seriesDescriptions.get(probe.seriesUid()))));
    }
    return selector.select(candidates);
  }

  /**
   * Step 2: the chosen instances' pixels, rendered to grey images. An instance that cannot be read
   * or decoded is a quality flag, not a failure of the analysis.
   */
  Views fetch(Study study, ImageSource source, ViewSelector.Selection selection)
      throws AnalysisException {
    Map<Posture, GreyImage> images = new EnumMap<>(Posture.class);
    Set<QualityFlag> flags = EnumSet.noneOf(QualityFlag.class);
    flags.addAll(selection.flags());
    for (Map.Entry<Posture, ViewSelector.Candidate> e : selection.views().entrySet()) {
      ViewSelector.Candidate view = e.getValue();
      byte[] bytes;
      try {
        bytes = source.retrieve(study.studyUid(), view.seriesUid(), view.sopInstanceUid());
      } catch (ImageSourceException ex) {
        throw AnalysisException.fromSource("retrieving the " + e.getKey().id() + " view", ex);
      }
      try {
        DicomFile file = reader.read(bytes);
        GreyImage grey =
            Greyscale.render(decoder.decodeFrame(file, 0), file.dataset(), 0, Greyscale.Voi.auto());
        // the model's facing, where the header says which way the patient faced
        images.put(e.getKey(), Orientation.canonical(grey, file.dataset()).image());
      } catch (DicomException ex) {
        flags.add(
            ex.reason() == DicomException.Reason.UNSUPPORTED_TRANSFER_SYNTAX
                ? QualityFlag.UNSUPPORTED_TRANSFER_SYNTAX
                : QualityFlag.IMAGE_UNREADABLE);
      }
    }
    return new Views(images, flags);
  }

  /** Step 3: each view as the model's input tensor (resize, pad, normalise as the card says). */
  Map<Posture, float[]> preprocess(Map<Posture, GreyImage> images) {
    Map<Posture, float[]> inputs = new EnumMap<>(Posture.class);
    images.forEach((posture, image) -> inputs.put(posture, model.preprocessor().input(image)));
    return inputs;
  }

  /** Step 4: the model's probability, per-view scores and class-activation maps. */
  Prediction classify(Map<Posture, float[]> inputs) throws AnalysisException {
    try {
      return model.predictInputs(inputs);
    } catch (ModelException e) {
      throw new AnalysisException(
          "the model could not run: " + e.getMessage(),
          e.reason() == ModelException.Reason.INFERENCE_FAILED,
          e);
    }
  }

  /**
   * Step 5: Observation, Device, Provenance and heatmaps of a prediction, in one transaction.
   *
   * @param images the views the model read (where each heatmap lies on them)
   */
  Outcome write(
      Study study,
      Prediction prediction,
      Map<Posture, GreyImage> images,
      Set<QualityFlag> flags,
      ResultStore store,
      Optional<Observation> superseded)
      throws AnalysisException {
    StoredHeatmaps heatmaps = StoredHeatmaps.of(prediction, images, model.preprocessor());
    ResultBundle bundle =
        bundle(
            study,
            (subject, device, m) -> results.observation(subject, prediction, flags, device, m),
            Optional.of(heatmaps));
    Observation stored = save(bundle, store, superseded);
    try {
      // a writer that lost a race gets the winner's result: told only when it is the same
      if (sameResult(stored, bundle.observation())) {
        listener.written(stored, images, heatmaps);
      }
    } catch (RuntimeException e) {
      // the result is stored: a listener's failure only costs the viewer its head start
      log.warn(
          "after writing AI result {}: {}",
          stored.getIdElement().getIdPart(),
          e.getClass().getSimpleName());
    }
    return new Outcome(stored, true, Optional.of(prediction), flags);
  }

  private static boolean sameResult(Observation stored, Observation written) {
    AiResult a = AiResultFactory.read(stored);
    AiResult b = AiResultFactory.read(written);
    return a.probability().equals(b.probability()) && a.viewsUsed().equals(b.viewsUsed());
  }

  /** How many analyses are running now (this one included, when asked from a listener). */
  public int analysesInProgress() {
    return inProgress.get();
  }

  private Outcome writeFailure(
      Study study,
      Set<QualityFlag> flags,
      Set<Posture> viewsFound,
      ResultStore store,
      Optional<Observation> superseded)
      throws AnalysisException {
    Set<String> codes = new TreeSet<>();
    flags.forEach(f -> codes.add(f.code().code()));
    if (superseded.isPresent() && recordedFlags(superseded.get()).equals(codes)) {
      // the same failure as stored: nothing new to record
      return new Outcome(superseded.get(), false, Optional.empty(), flags);
    }
    ResultBundle bundle =
        bundle(
            study,
            (subject, device, m) -> results.qualityFailure(subject, flags, viewsFound, device, m),
            Optional.empty());
    return new Outcome(save(bundle, store, superseded), true, Optional.empty(), flags);
  }

  private static Observation save(
      ResultBundle bundle, ResultStore store, Optional<Observation> superseded)
      throws AnalysisException {
    return superseded.isPresent() ? store.supersede(superseded.get(), bundle) : store.store(bundle);
  }

  private interface ObservationMaker {
    Observation make(AiResultFactory.Subject subject, Reference device, AiResultFactory.Model m);
  }

  private ResultBundle bundle(
      Study study, ObservationMaker maker, Optional<StoredHeatmaps> heatmaps) {
    AiResultFactory.Model m = model();
    ImagingStudy is = study.imagingStudy();
    AiResultFactory.Subject subject =
        new AiResultFactory.Subject(
            study.patient(),
            study.order(),
            study.studyReference(),
            study.studyUid(),
            is.hasStarted() ? is.getStarted() : null);
    String deviceUrl = "urn:uuid:" + UUID.randomUUID();
    String observationUrl = "urn:uuid:" + UUID.randomUUID();
    Device device = results.device(m);
    Observation observation = maker.make(subject, new Reference(deviceUrl), m);
    String heatmapsUrl = heatmaps.isPresent() ? "urn:uuid:" + UUID.randomUUID() : null;
    if (heatmapsUrl != null) {
      StoredHeatmaps.link(observation, heatmapsUrl);
    }
    Provenance provenance =
        results.provenance(
            new Reference(observationUrl), subject, new Reference(deviceUrl), new Date());
    return new ResultBundle(
        AiResultFactory.analysisIdentifier(study.studyUid(), m),
        observationUrl,
        observation,
        deviceUrl,
        device,
        provenance,
        heatmapsUrl,
        heatmaps.map(StoredHeatmaps::toBinary).orElse(null));
  }
}
