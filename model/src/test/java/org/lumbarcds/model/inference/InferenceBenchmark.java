package org.lumbarcds.model.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.lumbarcds.model.dicom.GreyImage;

/**
 * Study latency: read three DICOM files from disk, decode, render, preprocess and run the model
 * through DJL; then the model alone through DJL and through the raw ONNX Runtime Java API, in
 * alternating blocks (DJL, raw, DJL, raw) so both see the same machine state. Run by
 * tests/bench/inference.sh; not a test.
 *
 * <p>Arguments: warm-up iterations, measured iterations, card, study folder (neutral.dcm,
 * flexion.dcm, extension.dcm), threads per run.
 */
public final class InferenceBenchmark {

  private InferenceBenchmark() {}

  public static void main(String[] args) throws Exception {
    int warmup = Integer.parseInt(args[0]);
    int runs = Integer.parseInt(args[1]);
    Path card = Path.of(args[2]);
    Path study = Path.of(args[3]);
    int threads = Integer.parseInt(args[4]);
    ViewReader reader = new ViewReader();
    try (ThreeViewModel model =
        ThreeViewModel.load(card, new ThreeViewModel.Options(1, threads, Duration.ofMinutes(1)))) {
      ModelCard c = model.card();
      Map<Posture, float[]> inputs = new EnumMap<>(Posture.class);
      long[] studyNanos = new long[runs];
      long[] djl = new long[runs];
      long[] ort = new long[runs];
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session =
            env.createSession(Files.readAllBytes(card.resolveSibling(c.fileName())), options)) {
          // 1. the whole study, from files on disk
          Prediction whole = null;
          for (int i = -warmup; i < runs; i++) {
            long t0 = System.nanoTime();
            Map<Posture, GreyImage> images = new EnumMap<>(Posture.class);
            for (Posture p : Posture.values()) {
              images.put(p, reader.read(study.resolve(p.id() + ".dcm")).image());
            }
            whole = model.predict(images);
            if (i >= 0) {
              studyNanos[i] = System.nanoTime() - t0;
            } else if (i == -warmup) {
              images.forEach((p, g) -> inputs.put(p, model.preprocessor().input(g)));
            }
          }
          // 2. the model alone, DJL and raw ONNX Runtime in alternating blocks: each runtime has
          // its own thread pool, whose threads spin after a run and would slow the other's
          // run if the two were interleaved call by call
          int half = runs / 2;
          for (int block = 0; block < 4; block++) {
            boolean viaDjl = block % 2 == 0;
            long[] into = viaDjl ? djl : ort;
            int offset = block < 2 ? 0 : half;
            int count = block < 2 ? half : runs - half;
            for (int i = -warmup; i < count; i++) {
              long t0 = System.nanoTime();
              double p =
                  viaDjl ? model.predictInputs(inputs).probability() : raw(env, session, c, inputs);
              long t1 = System.nanoTime();
              if (Math.abs(p - whole.probability()) > 1e-6) {
                throw new IllegalStateException("runtimes disagree: " + p + " " + whole);
              }
              if (i >= 0) {
                into[offset + i] = t1 - t0;
              }
            }
          }
        }
      }
      double gflop = c.document().at("/architecture/gflops_per_study").asDouble();
      System.out.println("step\tp50_ms\tp95_ms\tmin_ms");
      print("study: read 3 files + decode + render + preprocess + DJL", studyNanos);
      print("model only: DJL", djl);
      print("model only: raw ONNX Runtime", ort);
      double djlP50 = percentile(djl, 50);
      double ortP50 = percentile(ort, 50);
      System.out.printf(
          Locale.ROOT,
          "DJL overhead (p50): %.1f%%%nmodel: %.3f GFLOP per study; achieved %.1f GFLOP/s (raw"
              + " ORT p50)%n",
          100 * (djlP50 - ortP50) / ortP50,
          gflop,
          gflop / (ortP50 / 1e3));
    }
  }

  private static float raw(
      OrtEnvironment env, OrtSession session, ModelCard c, Map<Posture, float[]> inputs)
      throws Exception {
    Map<String, OnnxTensor> feed = new HashMap<>();
    try {
      long[] shape = {1, 1, c.height(), c.width()};
      for (Posture p : Posture.values()) {
        feed.put(p.id(), OnnxTensor.createTensor(env, FloatBuffer.wrap(inputs.get(p)), shape));
      }
      feed.put(
          "view_mask",
          OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {1, 1, 1}), new long[] {1, 3}));
      try (OrtSession.Result result = session.run(feed)) {
        return ((float[]) result.get(0).getValue())[0];
      }
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  private static void print(String step, long[] nanos) {
    System.out.printf(
        Locale.ROOT,
        "%s\t%.1f\t%.1f\t%.1f%n",
        step,
        percentile(nanos, 50),
        percentile(nanos, 95),
        Arrays.stream(nanos).min().orElse(0) / 1e6);
  }

  /** Nearest-rank percentile, in milliseconds. */
  static double percentile(long[] nanos, int p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)] / 1e6;
  }
}
