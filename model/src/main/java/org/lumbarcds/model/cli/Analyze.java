package org.lumbarcds.model.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.lumbarcds.model.dicom.DicomException;
import org.lumbarcds.model.dicom.GreyImage;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.model.inference.Heatmaps;
import org.lumbarcds.model.inference.ModelException;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.Prediction;
import org.lumbarcds.model.inference.ThreeViewModel;
import org.lumbarcds.model.inference.ViewReader;

/**
 * {@code analyze}: the data team's tool for checking a study by hand. Three DICOM files (or a
 * folder of them) in; the prediction printed and heatmap overlays written as PNG.
 *
 * <pre>
 * analyze [--card CARD.json] [--out DIR] [--threads N] FILE... | FOLDER
 * </pre>
 *
 * Exit status: 0 analysed, 2 usage, 3 the study cannot be analysed, 4 the model was refused or
 * failed, 5 the heatmaps could not be written.
 */
public final class Analyze {

  static final String DEFAULT_CARD = "reference/lumbar-cds-lss-3view-phantom.card.json";

  private final PrintStream out;
  private final PrintStream err;

  Analyze(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    System.exit(new Analyze(System.out, System.err).run(args));
  }

  int run(String[] args) {
    Path card = null;
    Path outDir = Path.of("analysis");
    int threads = Runtime.getRuntime().availableProcessors();
    List<Path> inputs = new ArrayList<>();
    boolean bad = false;
    for (int i = 0; i < args.length; i++) {
      boolean hasValue = i + 1 < args.length;
      switch (args[i]) {
        case "--card" -> {
          bad |= !hasValue;
          card = hasValue ? Path.of(args[++i]) : null;
        }
        case "--out" -> {
          bad |= !hasValue;
          outDir = hasValue ? Path.of(args[++i]) : null;
        }
        case "--threads" -> threads = hasValue ? parse(args[++i]) : -1;
        case "-h", "--help" -> {
          usage();
          return 0;
        }
        default -> {
          bad |= args[i].startsWith("-");
          inputs.add(Path.of(args[i]));
        }
      }
    }
    if (bad || inputs.isEmpty() || threads < 1) {
      usage();
      return 2;
    }
    if (card == null) {
      card = defaultCard();
    }
    List<Path> files;
    try {
      files = files(inputs);
    } catch (IOException e) {
      err.println("cannot list " + inputs + ": " + e.getMessage());
      return 2;
    }
    Map<Posture, ViewReader.View> views = new EnumMap<>(Posture.class);
    Map<Posture, Path> sources = new EnumMap<>(Posture.class);
    ViewReader reader = new ViewReader();
    boolean refused = false;
    for (Path file : files) {
      ViewReader.View view;
      try {
        view = reader.read(file);
      } catch (DicomException e) {
        err.println(file + ": not used, " + e.reason() + ": " + e.getMessage());
        continue;
      } catch (IOException e) {
        err.println(file + ": not used, cannot be read: " + e.getMessage());
        continue;
      }
      if (!view.issues().isEmpty() || view.posture().isEmpty()) {
        err.println(file + ": not used, " + words(view.issues().toString()));
        continue;
      }
      Posture p = view.posture().get();
      if (views.containsKey(p)) {
        err.println(file + ": a second " + p.id() + " view (first: " + sources.get(p) + ")");
        refused = true;
        continue;
      }
      views.put(p, view);
      sources.put(p, file);
    }
    if (refused) {
      err.println("refused: more than one view of a posture; pass the files to use");
      return 3;
    }
    long studies =
        views.values().stream()
            .map(v -> v.dataset().getString(Tags.STUDY_INSTANCE_UID).orElse(""))
            .distinct()
            .count();
    if (studies > 1) {
      err.println("refused: the views belong to different studies (Study Instance UID)");
      return 3;
    }
    if (views.isEmpty()) {
      err.println("refused: no usable lateral lumbar view");
      return 3;
    }
    ThreeViewModel.Options options =
        new ThreeViewModel.Options(1, threads, ThreeViewModel.Options.defaults().acquireTimeout());
    try (ThreeViewModel model = ThreeViewModel.load(card, options)) {
      Map<Posture, GreyImage> images = new EnumMap<>(Posture.class);
      views.forEach((p, v) -> images.put(p, v.image()));
      Prediction prediction = model.predict(images);
      print(prediction, sources);
      writeHeatmaps(prediction, images, model, outDir);
      return 0;
    } catch (ModelException e) {
      String what =
          e.reason() == ModelException.Reason.INFERENCE_FAILED ? "inference failed" : "refused";
      err.println(what + ": " + e.reason() + ": " + e.getMessage());
      return e.reason() == ModelException.Reason.STUDY_INVALID ? 3 : 4;
    } catch (IOException e) {
      err.println("cannot write heatmaps to " + outDir + ": " + e.getMessage());
      return 5;
    }
  }

  private void print(Prediction prediction, Map<Posture, Path> sources) {
    for (Posture p : Posture.values()) {
      Double score = prediction.viewScores().get(p);
      out.printf(
          Locale.ROOT,
          "%-10s %s%n",
          p.id(),
          score == null
              ? "missing (the model ran without it)"
              : String.format(Locale.ROOT, "single-view score %.4f  %s", score, sources.get(p)));
    }
    out.printf(
        Locale.ROOT,
        "probability %.4f: %s (rule-out below %.4f, rule-in from %.4f)%n",
        prediction.probability(),
        prediction.interpretation(),
        prediction.ruleOut(),
        prediction.ruleIn());
    Prediction.ModelIdentity m = prediction.model();
    out.printf(Locale.ROOT, "model %s %s sha256 %s%n", m.id(), m.version(), m.sha256());
    if (m.synthetic()) {
      out.println(
          "NOTE: this model was trained on synthetic phantoms only; not clinically validated.");
    }
  }

  private void writeHeatmaps(
      Prediction prediction, Map<Posture, GreyImage> images, ThreeViewModel model, Path outDir)
      throws IOException {
    Files.createDirectories(outDir);
    double scale = Heatmaps.scale(prediction);
    for (Map.Entry<Posture, Prediction.Cam> e : prediction.cams().entrySet()) {
      Path png = outDir.resolve(e.getKey().id() + "-heatmap.png");
      ImageIO.write(
          Heatmaps.overlay(images.get(e.getKey()), e.getValue(), model.preprocessor(), scale, 1024),
          "png",
          png.toFile());
      out.println("heatmap " + png);
    }
  }

  private static List<Path> files(List<Path> inputs) throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path input : inputs) {
      if (Files.isDirectory(input)) {
        try (Stream<Path> listing = Files.list(input)) {
          listing.filter(Files::isRegularFile).sorted().forEach(files::add);
        }
      } else {
        files.add(input);
      }
    }
    return files;
  }

  private static Path defaultCard() {
    Path here = Path.of(DEFAULT_CARD);
    return Files.exists(here) ? here : Path.of("model").resolve(DEFAULT_CARD);
  }

  private static int parse(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String words(String issues) {
    return issues.toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  private void usage() {
    err.println(
        "usage: analyze [--card CARD.json] [--out DIR] [--threads N] FILE... | FOLDER\n"
            + "  Analyses one study (neutral, flexion and extension lateral views; a missing view"
            + " is allowed),\n  prints the prediction and writes DIR/<posture>-heatmap.png"
            + " (default DIR: ./analysis).\n  Default card: "
            + DEFAULT_CARD
            + " (from the model folder or the repository root).");
  }
}
