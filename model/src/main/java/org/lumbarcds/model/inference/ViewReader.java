package org.lumbarcds.model.inference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomFile;
import org.lumbarcds.model.dicom.DicomImage;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.model.dicom.GreyImage;
import org.lumbarcds.model.dicom.Greyscale;
import org.lumbarcds.model.dicom.PixelDecoder;

/**
 * One DICOM file to a view the model can take: its posture, its grey image, and what about it does
 * not fit a lateral lumbar radiograph, as {@link ViewRules} judge the header. Thread-safe.
 */
public final class ViewReader {

  /**
   * A view read from a file.
   *
   * @param posture the posture, when exactly one is named
   * @param image frame 1 rendered with the dataset's own VOI (window, else VOI LUT, else range)
   * @param issues problems; empty when the header fits a lateral lumbar view of one posture
   * @param dataset the parsed header, for identifiers
   */
  public record View(
      Optional<Posture> posture,
      GreyImage image,
      Set<ViewRules.Issue> issues,
      DicomDataset dataset) {}

  private final DicomReader reader;
  private final PixelDecoder decoder;
  private final ViewRules rules;

  public ViewReader(DicomReader reader, PixelDecoder decoder, ViewRules rules) {
    this.reader = reader;
    this.decoder = decoder;
    this.rules = rules;
  }

  public ViewReader() {
    this(new DicomReader(), new PixelDecoder(), ViewRules.defaults());
  }

  /** Reads, decodes and renders a file; refuses what the DICOM reader refuses. */
  public View read(Path file) throws IOException {
    return view(reader.read(file));
  }

  /** Reads, decodes and renders a file held in memory. */
  public View read(byte[] bytes) throws IOException {
    return view(reader.read(bytes));
  }

  private View view(DicomFile file) throws IOException {
    DicomDataset ds = file.dataset();
    DicomImage image = decoder.decodeFrame(file, 0);
    // in the model's facing, as the pipeline reads it (Orientation)
    GreyImage grey =
        Orientation.canonical(Greyscale.render(image, ds, 0, Greyscale.Voi.auto()), ds).image();
    ViewRules.Verdict verdict = rules.classify(ds);
    return new View(verdict.posture(), grey, verdict.issues(), ds);
  }
}
