package org.lumbarcds.model.inference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomFile;
import org.lumbarcds.model.dicom.DicomImage;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.model.dicom.GreyImage;
import org.lumbarcds.model.dicom.Greyscale;
import org.lumbarcds.model.dicom.PixelDecoder;
import org.lumbarcds.model.dicom.Tags;

/**
 * One DICOM file to a view the model can take: its posture, its grey image, and what about it does
 * not fit a lateral lumbar radiograph. Posture comes from the coded joint position (DICOM CID 92)
 * in the View Modifier Code Sequence, else from words in Series Description or Protocol Name; codes
 * and words that disagree make it ambiguous. Thread-safe.
 */
public final class ViewReader {

  /** What makes a view unfit, as far as its header says. */
  public enum Issue {
    /** View Position or View Code says AP or PA. */
    NOT_LATERAL,
    /** Body Part Examined names something other than the lumbar spine. */
    WRONG_BODY_PART,
    /** Nothing says which posture it is. */
    POSTURE_UNKNOWN,
    /** Codes or words name more than one posture. */
    POSTURE_AMBIGUOUS,
    /** More than one frame: a radiograph has one. */
    MULTI_FRAME
  }

  /**
   * A view read from a file.
   *
   * @param posture the posture, when exactly one is named
   * @param image frame 1 rendered with the dataset's own VOI (window, else VOI LUT, else range)
   * @param issues problems; empty when the header fits a lateral lumbar view of one posture
   * @param dataset the parsed header, for identifiers
   */
  public record View(
      Optional<Posture> posture, GreyImage image, Set<Issue> issues, DicomDataset dataset) {}

  /** Whole words: letters around them end the word, digits and underscores do not join it. */
  private static final Pattern WORDS =
      Pattern.compile("(?<![A-Z])(?:(NEUT(?:RAL)?)|(FLEX(?:ION)?)|(EXT(?:ENSION)?))(?![A-Z])");

  private static final Set<String> LUMBAR = Set.of("LSPINE", "LUMBAR", "L-SPINE", "LSSPINE");
  private static final Set<String> FRONTAL_CODES = Set.of("399348003", "272479007");

  private final DicomReader reader;
  private final PixelDecoder decoder;

  public ViewReader(DicomReader reader, PixelDecoder decoder) {
    this.reader = reader;
    this.decoder = decoder;
  }

  public ViewReader() {
    this(new DicomReader(), new PixelDecoder());
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
    Set<Issue> issues = EnumSet.noneOf(Issue.class);
    DicomImage image = decoder.decodeFrame(file, 0);
    if (ds.getInt(Tags.NUMBER_OF_FRAMES).orElse(1) > 1) {
      issues.add(Issue.MULTI_FRAME);
    }
    GreyImage grey = Greyscale.render(image, ds, 0, Greyscale.Voi.auto());
    String bodyPart = ds.getString(Tags.BODY_PART_EXAMINED).orElse("").toUpperCase(Locale.ROOT);
    if (!bodyPart.isEmpty() && !LUMBAR.contains(bodyPart)) {
      issues.add(Issue.WRONG_BODY_PART);
    }
    if (frontal(ds)) {
      issues.add(Issue.NOT_LATERAL);
    }
    Set<Posture> named = EnumSet.noneOf(Posture.class);
    named.addAll(codedPostures(ds));
    Set<Posture> words = postureWords(ds.getString(Tags.SERIES_DESCRIPTION).orElse(""));
    if (words.isEmpty()) {
      // a protocol often names the whole flexion/extension series: only a fallback
      words = postureWords(ds.getString(Tags.PROTOCOL_NAME).orElse(""));
    }
    named.addAll(words);
    Optional<Posture> posture = Optional.empty();
    if (named.isEmpty()) {
      issues.add(Issue.POSTURE_UNKNOWN);
    } else if (named.size() > 1) {
      issues.add(Issue.POSTURE_AMBIGUOUS);
    } else {
      posture = Optional.of(named.iterator().next());
    }
    return new View(posture, grey, Set.copyOf(issues), ds);
  }

  private static boolean frontal(DicomDataset ds) {
    String position = ds.getString(Tags.VIEW_POSITION).orElse("").toUpperCase(Locale.ROOT);
    if (position.equals("AP") || position.equals("PA")) {
      return true;
    }
    for (DicomDataset view : ds.getSequence(Tags.VIEW_CODE_SEQUENCE)) {
      String code = view.getString(Tags.CODE_VALUE).orElse("");
      if (FRONTAL_CODES.contains(code)) {
        return true;
      }
    }
    return false;
  }

  /** Joint position codes of DICOM CID 92 in the View Modifier Code Sequence. */
  static Set<Posture> codedPostures(DicomDataset ds) {
    Set<Posture> found = EnumSet.noneOf(Posture.class);
    for (DicomDataset view : ds.getSequence(Tags.VIEW_CODE_SEQUENCE)) {
      for (DicomDataset modifier : view.getSequence(Tags.VIEW_MODIFIER_CODE_SEQUENCE)) {
        String scheme = modifier.getString(Tags.CODING_SCHEME_DESIGNATOR).orElse("");
        String code = modifier.getString(Tags.CODE_VALUE).orElse("");
        switch (scheme + "|" + code) {
          case "DCM|109136" -> found.add(Posture.NEUTRAL);
          case "SCT|9964006", "SRT|9964006" -> found.add(Posture.FLEXION);
          case "SCT|24154002", "SRT|24154002" -> found.add(Posture.EXTENSION);
          default -> {}
        }
      }
    }
    return found;
  }

  /** Posture words in free text: NEUT/NEUTRAL, FLEX/FLEXION, EXT/EXTENSION as whole words. */
  static Set<Posture> postureWords(String text) {
    Set<Posture> found = EnumSet.noneOf(Posture.class);
    Matcher m = WORDS.matcher(text.toUpperCase(Locale.ROOT));
    while (m.find()) {
      found.add(
          m.group(1) != null
              ? Posture.NEUTRAL
              : m.group(2) != null ? Posture.FLEXION : Posture.EXTENSION);
    }
    return found;
  }
}
