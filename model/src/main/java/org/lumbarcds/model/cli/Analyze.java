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
import java.util.Optional;
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
import org.lumbarcds.model.inference.ViewRules;
import org.lumbarcds.model.inference.ViewSelection;

/**
 * {@code analyze}: the data team's tool for checking a study by hand. Three DICOM files (or a
 * folder of them) in; the prediction printed and heatmap overlays written as PNG.
 *
 * <pre>
 * analyze [--card CARD.json] [--out DIR] [--threads N] FILE... | FOLDER
 * </pre>
 *
 * The views are chosen as the server's pipeline chooses them ({@link ViewSelection}), and each file
 * not used is named; unlike the pipeline, the tool runs with a view missing. Exit status: 0
 * analysed, 2 usage, 3 the study cannot be analysed (more than one view of a posture, views of
 * different studies, no usable view, or a study the model refuses), 4 the model was refused or
 * failed, 5 the heatmaps could not be written.
 */
public final class Analyze {

  static final String DEFAULT_CARD = "reference/lumbar-cds-lss-3view-phantom.card.json";

  private static final ViewSelection SELECTION = new ViewSelection(ViewRules.defaults());

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
    try {
      Options options = options(args);
      Map<Posture, Input> views = select(read(files(options.inputs())));
      analyse(views, options);
      return 0;
    } catch (Exit e) {
      if (e.getMessage() != null) {
        err.println(e.getMessage());
      }
      return e.status;
    }
  }

  /** The command line; {@code --help} and bad usage end the run (0 and 2). */
  private Options options(String[] args) throws Exit {
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
        case "-h", "--help" -> throw usage(0);
        default -> {
          bad |= args[i].startsWith("-");
          inputs.add(Path.of(args[i]));
        }
      }
    }
    if (bad || inputs.isEmpty() || threads < 1) {
      throw usage(2);
    }
    return new Options(card == null ? defaultCard() : card, outDir, threads, inputs);
  }

  /** The files named, a folder's regular files in name order; one that cannot be listed is 2. */
  private static List<Path> files(List<Path> inputs) throws Exit {
    List<Path> files = new ArrayList<>();
    try {
      for (Path input : inputs) {
        if (Files.isDirectory(input)) {
          try (Stream<Path> listing = Files.list(input)) {
            listing.filter(Files::isRegularFile).sorted().forEach(files::add);
          }
        } else {
          files.add(input);
        }
      }
    } catch (IOException e) {
      throw new Exit(2, "cannot list " + inputs + ": " + e.getMessage());
    }
    return files;
  }

  /** Each file read as a view; one that is not DICOM or cannot be read is named and left out. */
  private List<Input> read(List<Path> files) {
    ViewReader reader = new ViewReader();
    List<Input> inputs = new ArrayList<>();
    for (Path file : files) {
      try {
        inputs.add(new Input(file, reader.read(file)));
      } catch (DicomException e) {
        err.println(file + ": not used, " + e.reason() + ": " + e.getMessage());
      } catch (IOException e) {
        err.println(file + ": not used, cannot be read: " + e.getMessage());
      }
    }
    return inputs;
  }

  /**
   * One view per posture, chosen as the server's pipeline chooses them ({@link ViewSelection}),
   * naming each file not used. Unlike the pipeline, which refuses a study without all three views,
   * a missing posture is allowed: the model runs without it. A posture with more than one view,
   * views of different studies or no view at all end the run (3).
   */
  private Map<Posture, Input> select(List<Input> inputs) throws Exit {
    ViewSelection.Outcome<Input> outcome =
        SELECTION.select(inputs, in -> in.view().dataset(), in -> Optional.empty());
    for (ViewSelection.Decision<Input> d : outcome.decisions()) {
      Path file = d.instance().file();
      if (!d.verdict().usable()) {
        err.println(file + ": not used, " + words(d.verdict().issues().toString()));
      } else if (!d.chosen()) {
        Posture p = d.verdict().posture().orElseThrow();
        Input first = outcome.repeated().get(p).get(0);
        if (first != d.instance()) {
          err.println(file + ": a second " + p.id() + " view (first: " + first.file() + ")");
        }
      }
    }
    if (!outcome.repeated().isEmpty()) {
      throw new Exit(3, "refused: more than one view of a posture; pass the files to use");
    }
    Map<Posture, Input> views = outcome.views();
    long studies =
        views.values().stream()
            .map(in -> in.view().dataset().getString(Tags.STUDY_INSTANCE_UID).orElse(""))
            .distinct()
            .count();
    if (studies > 1) {
      throw new Exit(3, "refused: the views belong to different studies (Study Instance UID)");
    }
    if (views.isEmpty()) {
      throw new Exit(3, "refused: no usable lateral lumbar view");
    }
    return views;
  }

  /**
   * Runs the model on the views, prints its prediction and writes the heatmaps; a model refused or
   * failed ends the run (3 for a study it cannot take, else 4), heatmaps not written too (5).
   */
  private void analyse(Map<Posture, Input> views, Options options) throws Exit {
    ThreeViewModel.Options modelOptions =
        new ThreeViewModel.Options(
            1, options.threads(), ThreeViewModel.Options.defaults().acquireTimeout());
    try (ThreeViewModel model = ThreeViewModel.load(options.card(), modelOptions)) {
      Map<Posture, GreyImage> images = new EnumMap<>(Posture.class);
      Map<Posture, Path> sources = new EnumMap<>(Posture.class);
      views.forEach(
          (p, in) -> {
            images.put(p, in.view().image());
            sources.put(p, in.file());
          });
      Prediction prediction = model.predict(images);
      print(prediction, sources);
      writeHeatmaps(prediction, images, model, options.outDir());
    } catch (ModelException e) {
      String what =
          e.reason() == ModelException.Reason.INFERENCE_FAILED ? "inference failed" : "refused";
      throw new Exit(
          e.reason() == ModelException.Reason.STUDY_INVALID ? 3 : 4,
          what + ": " + e.reason() + ": " + e.getMessage());
    } catch (IOException e) {
      throw new Exit(5, "cannot write heatmaps to " + options.outDir() + ": " + e.getMessage());
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

  /** Prints the usage and ends the run with {@code status}. */
  private Exit usage(int status) {
    err.println(
        "usage: analyze [--card CARD.json] [--out DIR] [--threads N] FILE... | FOLDER\n"
            + "  Analyses one study (neutral, flexion and extension lateral views; a missing view"
            + " is allowed),\n  prints the prediction and writes DIR/<posture>-heatmap.png"
            + " (default DIR: ./analysis).\n  Default card: "
            + DEFAULT_CARD
            + " (from the model folder or the repository root).");
    return new Exit(status, null);
  }

  /** The command line, parsed. */
  private record Options(Path card, Path outDir, int threads, List<Path> inputs) {}

  /** A file read as a view. */
  private record Input(Path file, ViewReader.View view) {}

  /** Ends a run early with an exit status, and the line to print first (none: printed already). */
  private static final class Exit extends Exception {
    private final int status;

    Exit(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }
}
