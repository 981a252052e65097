package org.lumbarcds.model.inference;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.lumbarcds.model.Sha256;
import org.lumbarcds.model.dicom.GreyImage;

/**
 * The three-view model, loaded once and shared: checks the ONNX file against its card and the
 * contract, then runs it through DJL's ONNX Runtime engine with a bounded pool of predictors (a
 * predictor is not thread-safe; the pool bounds how many studies run at once). Nothing is
 * downloaded: the runtime's native library ships in its jar.
 */
public final class ThreeViewModel implements AutoCloseable {

  /** Inputs and outputs of the ONNX contract, in graph order. */
  static final List<String> INPUTS = List.of("neutral", "flexion", "extension", "view_mask");

  static final List<String> OUTPUTS = List.of("probability", "view_logits", "cam");

  private static final String ENGINE = "OnnxRuntime";

  private static final long MAX_MODEL_BYTES = 512L << 20;

  /**
   * How the model runs.
   *
   * @param predictors how many studies may run at once
   * @param intraOpThreads ONNX Runtime threads within one run
   * @param acquireTimeout how long a study waits for a free predictor before it is refused
   */
  public record Options(int predictors, int intraOpThreads, Duration acquireTimeout) {
    public Options {
      if (predictors < 1 || intraOpThreads < 1) {
        throw new IllegalArgumentException("predictors and intraOpThreads must be at least 1");
      }
    }

    /** Two predictors, all cores per run, a 30 s wait. */
    public static Options defaults() {
      return new Options(2, Runtime.getRuntime().availableProcessors(), Duration.ofSeconds(30));
    }
  }

  private final ModelCard card;
  private final Preprocessor preprocessor;
  private final Prediction.ModelIdentity identity;
  private final Model model;
  private final BlockingQueue<Predictor<NDList, NDList>> pool;
  private final Duration acquireTimeout;
  private final int predictors;
  private volatile boolean closed;

  private ThreeViewModel(ModelCard card, Model model, Options options) {
    this.card = card;
    this.preprocessor = new Preprocessor(card);
    this.identity =
        new Prediction.ModelIdentity(card.id(), card.version(), card.sha256(), card.synthetic());
    this.model = model;
    this.pool = new ArrayBlockingQueue<>(options.predictors());
    this.acquireTimeout = options.acquireTimeout();
    this.predictors = options.predictors();
    for (int i = 0; i < options.predictors(); i++) {
      pool.add(model.newPredictor(new NoopTranslator()));
    }
  }

  /** Loads the model its card names, from the card's folder. */
  public static ThreeViewModel load(Path cardFile, Options options) throws ModelException {
    ModelCard card = ModelCard.read(cardFile);
    Path folder = cardFile.toAbsolutePath().normalize().getParent();
    Path file = folder.resolve(card.fileName()).normalize();
    if (!file.getParent().equals(folder)) {
      throw new ModelException(
          ModelException.Reason.CARD_INVALID, "file.name must name a file beside the card");
    }
    return load(file, card, options);
  }

  /** Loads {@code file}, refusing it unless it is the file {@code card} describes. */
  public static ThreeViewModel load(Path file, ModelCard card, Options options)
      throws ModelException {
    byte[] bytes = readModel(file);
    String sha = Sha256.hex(bytes);
    if (!sha.equals(card.sha256())) {
      throw new ModelException(
          ModelException.Reason.HASH_MISMATCH,
          "model file "
              + file.getFileName()
              + " has SHA-256 "
              + sha
              + " but its card says "
              + card.sha256());
    }
    checkContract(bytes, card);
    Model model = Model.newInstance(card.id(), Device.cpu(), ENGINE);
    try {
      model.load(
          new ByteArrayInputStream(bytes),
          Map.of(
              "intraOpNumThreads",
              String.valueOf(options.intraOpThreads()),
              "interOpNumThreads",
              "1"));
      ThreeViewModel loaded = new ThreeViewModel(card, model, options);
      loaded.checkOutputs();
      return loaded;
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw new ModelException(
          ModelException.Reason.MODEL_CORRUPT, "ONNX Runtime cannot load " + file.getFileName(), e);
    } catch (ModelException e) {
      model.close();
      throw e;
    }
  }

  public ModelCard card() {
    return card;
  }

  public Preprocessor preprocessor() {
    return preprocessor;
  }

  /** Preprocesses the views present and runs the model; a missing posture is masked out. */
  public Prediction predict(Map<Posture, GreyImage> views) throws ModelException {
    Map<Posture, float[]> inputs = new EnumMap<>(Posture.class);
    views.forEach((posture, image) -> inputs.put(posture, preprocessor.input(image)));
    return predictInputs(inputs);
  }

  /** Runs the model on views already preprocessed as the card says. */
  public Prediction predictInputs(Map<Posture, float[]> inputs) throws ModelException {
    if (inputs.isEmpty()) {
      throw new ModelException(ModelException.Reason.STUDY_INVALID, "no view to analyse");
    }
    int size = card.height() * card.width();
    for (Map.Entry<Posture, float[]> e : inputs.entrySet()) {
      if (e.getValue().length != size) {
        throw new ModelException(
            ModelException.Reason.STUDY_INVALID,
            e.getKey().id() + " input has " + e.getValue().length + " values, expected " + size);
      }
    }
    Predictor<NDList, NDList> predictor = borrow();
    try (NDManager manager = model.getNDManager().newSubManager()) {
      float[] mask = new float[Posture.values().length];
      NDList in = new NDList();
      for (Posture p : Posture.values()) {
        float[] values = inputs.get(p);
        mask[p.ordinal()] = values == null ? 0 : 1;
        NDArray array =
            manager.create(
                values == null ? new float[size] : values,
                new Shape(1, 1, card.height(), card.width()));
        array.setName(p.id());
        in.add(array);
      }
      NDArray maskArray = manager.create(mask, new Shape(1, mask.length));
      maskArray.setName("view_mask");
      in.add(maskArray);
      NDList out = predictor.predict(in);
      return prediction(out, inputs.keySet());
    } catch (TranslateException | RuntimeException e) {
      throw new ModelException(ModelException.Reason.INFERENCE_FAILED, "inference failed", e);
    } finally {
      pool.add(predictor);
    }
  }

  private Prediction prediction(NDList out, Set<Posture> present) throws ModelException {
    float[] probability = output(out, 0).toFloatArray();
    float[] viewLogits = output(out, 1).toFloatArray();
    float[] cam = output(out, 2).toFloatArray();
    int camSize = card.camRows() * card.camColumns();
    if (probability.length != 1 || viewLogits.length != 3 || cam.length != 3 * camSize) {
      throw new ModelException(
          ModelException.Reason.CONTRACT_VIOLATION, "model outputs have unexpected sizes");
    }
    double p = probability[0];
    if (!Double.isFinite(p) || p < 0 || p > 1) {
      throw new ModelException(
          ModelException.Reason.INFERENCE_FAILED, "model returned probability " + p);
    }
    ModelCard.OperatingPoints points = card.operatingPoints(present);
    Map<Posture, Double> scores = new EnumMap<>(Posture.class);
    Map<Posture, Prediction.Cam> cams = new EnumMap<>(Posture.class);
    for (Posture posture : present) {
      int i = posture.ordinal();
      scores.put(posture, 1 / (1 + Math.exp(-viewLogits[i])));
      float[] values = new float[camSize];
      System.arraycopy(cam, i * camSize, values, 0, camSize);
      cams.put(posture, new Prediction.Cam(card.camRows(), card.camColumns(), values));
    }
    return new Prediction(
        p,
        Interpretation.of(p, points.ruleOut(), points.ruleIn()),
        points.ruleOut(),
        points.ruleIn(),
        Collections.unmodifiableMap(scores),
        Collections.unmodifiableSet(present.isEmpty() ? Set.of() : Set.copyOf(present)),
        Collections.unmodifiableMap(cams),
        identity);
  }

  /** Whether the model gives a result with {@code missing} absent: its card has the points. */
  public boolean givesTwoViewResults(Posture missing) {
    return card.twoViewPoints(missing).isPresent();
  }

  /** An output by its contract name when DJL names it, else by its (checked) position. */
  private static NDArray output(NDList out, int index) {
    NDArray named = out.get(OUTPUTS.get(index));
    return named != null ? named : out.get(index);
  }

  private Predictor<NDList, NDList> borrow() throws ModelException {
    if (closed) {
      throw new ModelException(ModelException.Reason.INFERENCE_FAILED, "the model is closed");
    }
    try {
      Predictor<NDList, NDList> predictor =
          pool.poll(acquireTimeout.toMillis(), TimeUnit.MILLISECONDS);
      if (predictor == null) {
        throw new ModelException(
            ModelException.Reason.INFERENCE_FAILED,
            "no predictor free within " + acquireTimeout.toSeconds() + " s");
      }
      return predictor;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ModelException(ModelException.Reason.INFERENCE_FAILED, "interrupted", e);
    }
  }

  /** A dry run on blank views: the outputs must have the sizes the card promises. */
  private void checkOutputs() throws ModelException {
    Map<Posture, float[]> blank = new EnumMap<>(Posture.class);
    for (Posture p : Posture.values()) {
      blank.put(p, new float[card.height() * card.width()]);
    }
    predictInputs(blank);
  }

  private static byte[] readModel(Path file) throws ModelException {
    try {
      if (Files.size(file) > MAX_MODEL_BYTES) {
        throw new ModelException(
            ModelException.Reason.MODEL_CORRUPT, file.getFileName() + " is larger than 512 MiB");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ModelException(
          ModelException.Reason.MODEL_MISSING, "model file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new ModelException(
          ModelException.Reason.MODEL_MISSING, "model file " + file + " cannot be read", e);
    }
  }

  /** Names, element types and fixed dimensions of the graph's inputs and outputs. */
  private static void checkContract(byte[] bytes, ModelCard card) throws ModelException {
    OrtEnvironment env;
    try {
      // DJL's engine creates the process's one OrtEnvironment with its own options: it goes first
      Engine.getEngine(ENGINE);
      env = OrtEnvironment.getEnvironment();
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      throw new ModelException(
          ModelException.Reason.INFERENCE_FAILED, "the ONNX Runtime engine cannot start", e);
    }
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(bytes, opts)) {
      List<String> problems = new ArrayList<>();
      long h = card.height();
      long w = card.width();
      check(problems, "input", session.getInputInfo(), INPUTS);
      check(problems, "output", session.getOutputInfo(), OUTPUTS);
      if (problems.isEmpty()) {
        Map<String, NodeInfo> in = session.getInputInfo();
        Map<String, NodeInfo> out = session.getOutputInfo();
        for (Posture p : Posture.values()) {
          shape(problems, p.id(), in.get(p.id()), new long[] {-1, 1, h, w});
        }
        shape(problems, "view_mask", in.get("view_mask"), new long[] {-1, 3});
        shape(problems, "probability", out.get("probability"), new long[] {-1});
        shape(problems, "view_logits", out.get("view_logits"), new long[] {-1, 3});
        shape(
            problems, "cam", out.get("cam"), new long[] {-1, 3, card.camRows(), card.camColumns()});
      }
      if (!problems.isEmpty()) {
        throw new ModelException(
            ModelException.Reason.CONTRACT_VIOLATION,
            "the model breaks the contract: " + String.join("; ", problems));
      }
    } catch (OrtException e) {
      throw new ModelException(
          ModelException.Reason.MODEL_CORRUPT, "not an ONNX model ONNX Runtime can load", e);
    }
  }

  private static void check(
      List<String> problems, String kind, Map<String, NodeInfo> info, List<String> expected) {
    List<String> names = new ArrayList<>(info.keySet());
    if (!names.equals(expected)) {
      problems.add(kind + "s are " + names + ", expected " + expected);
      return;
    }
    for (NodeInfo node : info.values()) {
      if (!(node.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT) {
        problems.add(kind + " " + node.getName() + " is not a float32 tensor");
      }
    }
  }

  /** Dimension -1 in {@code expected} is the batch: any size; others must match or be free. */
  private static void shape(List<String> problems, String name, NodeInfo node, long[] expected) {
    if (!(node.getInfo() instanceof TensorInfo t)) {
      return;
    }
    long[] actual = t.getShape();
    boolean ok = actual.length == expected.length;
    for (int i = 0; ok && i < actual.length; i++) {
      ok = expected[i] < 0 || actual[i] < 0 || actual[i] == expected[i];
    }
    if (!ok) {
      problems.add(name + " has shape " + Arrays.toString(actual) + ", expected " + dims(expected));
    }
  }

  private static String dims(long[] shape) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      b.append(i > 0 ? ", " : "").append(shape[i] < 0 ? "N" : String.valueOf(shape[i]));
    }
    return b.append(']').toString();
  }

  /**
   * Refuses new studies, waits (up to the acquire timeout) for those running to finish, then frees
   * the predictors and the runtime session.
   */
  @Override
  public void close() {
    closed = true;
    List<Predictor<NDList, NDList>> returned = new ArrayList<>();
    long deadline = System.nanoTime() + acquireTimeout.toNanos();
    try {
      while (returned.size() < predictors && System.nanoTime() < deadline) {
        Predictor<NDList, NDList> p = pool.poll(10, TimeUnit.MILLISECONDS);
        if (p != null) {
          returned.add(p);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    returned.forEach(Predictor::close);
    model.close();
  }
}
