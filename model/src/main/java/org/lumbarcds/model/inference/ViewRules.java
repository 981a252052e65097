package org.lumbarcds.model.inference;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.Tags;

/**
 * Declarative rules that name a radiograph's posture from its header and say whether it fits a
 * lateral lumbar view, in the spirit of a series selector: data, not code, so a site can add its
 * own protocol words or codes in configuration.
 *
 * <p>Order of evidence: coded joint position (DICOM CID 92) in the View Modifier Code Sequence
 * first; then the first text field, in the configured order, that names any posture. Text that
 * names a different posture from the code, or one field naming two postures, makes the view
 * ambiguous: a wrongly labelled flexion view swapped with extension would silently invert the
 * dynamic signs, so the rules never guess. Immutable and thread-safe.
 *
 * @param codes per posture, coded as {@code SCHEME|CODE} (e.g. {@code SCT|9964006})
 * @param words per posture, words or abbreviations matched as whole words in text fields, case
 *     insensitive; letters around a word end it, digits and underscores do not join it
 * @param textFields DICOM keywords of the text attributes read for posture words, in order (see
 *     {@link #TEXT_ATTRIBUTES})
 * @param lumbarBodyParts Body Part Examined values accepted as lumbar; an empty value is accepted
 * @param frontalViewPositions View Position values of frontal views (rejected)
 * @param frontalViewCodes View Code Sequence code values of frontal views (rejected)
 * @param frontalWords words in the text fields that mark a frontal view (rejected) when View
 *     Position is empty
 * @param modalities modalities taken as radiographs
 */
public record ViewRules(
    Map<Posture, Set<String>> codes,
    Map<Posture, Set<String>> words,
    List<String> textFields,
    Set<String> lumbarBodyParts,
    Set<String> frontalViewPositions,
    Set<String> frontalViewCodes,
    Set<String> frontalWords,
    Set<String> modalities) {

  /** The text attributes the rules can read, by DICOM keyword. */
  public static final Map<String, Integer> TEXT_ATTRIBUTES =
      Map.of(
          "SeriesDescription", Tags.SERIES_DESCRIPTION,
          "ProtocolName", Tags.PROTOCOL_NAME,
          "ImageComments", Tags.IMAGE_COMMENTS,
          "StudyDescription", Tags.STUDY_DESCRIPTION,
          "AcquisitionDeviceProcessingDescription", Tags.ACQUISITION_DEVICE_PROCESSING_DESCRIPTION);

  /** What a header says about a view. */
  public enum Issue {
    /** View Position, View Code or text says AP or PA. */
    NOT_LATERAL,
    /** Body Part Examined names something other than the lumbar spine. */
    WRONG_BODY_PART,
    /** Modality is not a radiograph (DX or CR by default). */
    NOT_RADIOGRAPH,
    /** Nothing says which posture it is. */
    POSTURE_UNKNOWN,
    /** Codes or words name more than one posture. */
    POSTURE_AMBIGUOUS,
    /** More than one frame: a radiograph has one. */
    MULTI_FRAME
  }

  /**
   * The rules' verdict on one header.
   *
   * @param posture the posture, when exactly one is named
   * @param issues what makes it unfit; empty when it fits a lateral lumbar view of one posture
   * @param evidence where the posture came from, in words (e.g. "View Modifier Code SCT|9964006",
   *     "SeriesDescription 'L-SPINE LAT FLEX'"), for the result's provenance
   */
  public record Verdict(Optional<Posture> posture, Set<Issue> issues, String evidence) {
    public Verdict {
      issues = Set.copyOf(issues);
    }

    /** True when the header fits and names exactly one posture. */
    public boolean usable() {
      return posture.isPresent() && issues.isEmpty();
    }
  }

  public ViewRules {
    codes = copy(codes, s -> s.toUpperCase(Locale.ROOT));
    words = copy(words, s -> s.toUpperCase(Locale.ROOT));
    textFields = List.copyOf(textFields);
    for (String field : textFields) {
      if (!TEXT_ATTRIBUTES.containsKey(field)) {
        throw new IllegalArgumentException(
            "unknown text field '" + field + "'; known: " + TEXT_ATTRIBUTES.keySet());
      }
    }
    for (Map.Entry<Posture, Set<String>> e : words.entrySet()) {
      for (String word : e.getValue()) {
        if (!word.matches("[A-Z0-9][A-Z0-9.-]*")) {
          throw new IllegalArgumentException("posture word '" + word + "' is not a plain word");
        }
      }
    }
    lumbarBodyParts = upper(lumbarBodyParts);
    frontalViewPositions = upper(frontalViewPositions);
    frontalViewCodes = Set.copyOf(frontalViewCodes);
    frontalWords = upper(frontalWords);
    modalities = upper(modalities);
  }

  /** The project's defaults: CID 92 codes, common English abbreviations, DX and CR. */
  public static ViewRules defaults() {
    Map<Posture, Set<String>> codes = new EnumMap<>(Posture.class);
    codes.put(Posture.NEUTRAL, Set.of("DCM|109136"));
    codes.put(Posture.FLEXION, Set.of("SCT|9964006", "SRT|9964006"));
    codes.put(Posture.EXTENSION, Set.of("SCT|24154002", "SRT|24154002"));
    Map<Posture, Set<String>> words = new EnumMap<>(Posture.class);
    words.put(Posture.NEUTRAL, Set.of("NEUT", "NEUTRAL", "NEU", "NTRL"));
    words.put(Posture.FLEXION, Set.of("FLEX", "FLEXION", "FLX"));
    words.put(Posture.EXTENSION, Set.of("EXT", "EXTENSION", "EXTN", "EXTEN"));
    return new ViewRules(
        codes,
        words,
        List.of("SeriesDescription", "ProtocolName", "ImageComments"),
        Set.of("LSPINE", "LUMBAR", "L-SPINE", "LSSPINE", "LUMBOSACRAL", "LS-SPINE"),
        Set.of("AP", "PA"),
        Set.of("399348003", "272479007"),
        Set.of("AP", "PA"),
        Set.of("DX", "CR"));
  }

  /** The verdict on one header. */
  public Verdict classify(DicomDataset ds) {
    Set<Issue> issues = EnumSet.noneOf(Issue.class);
    String modality = upper(ds.getString(Tags.MODALITY).orElse(""));
    if (!modality.isEmpty() && !modalities.contains(modality)) {
      issues.add(Issue.NOT_RADIOGRAPH);
    }
    String bodyPart = upper(ds.getString(Tags.BODY_PART_EXAMINED).orElse(""));
    if (!bodyPart.isEmpty() && !lumbarBodyParts.contains(bodyPart)) {
      issues.add(Issue.WRONG_BODY_PART);
    }
    if (frontal(ds)) {
      issues.add(Issue.NOT_LATERAL);
    }
    if (ds.getString(Tags.NUMBER_OF_FRAMES).map(ViewRules::moreThanOne).orElse(false)) {
      issues.add(Issue.MULTI_FRAME);
    }
    Set<Posture> coded = EnumSet.noneOf(Posture.class);
    List<String> codeEvidence = new ArrayList<>();
    for (DicomDataset view : ds.getSequence(Tags.VIEW_CODE_SEQUENCE)) {
      for (DicomDataset modifier : view.getSequence(Tags.VIEW_MODIFIER_CODE_SEQUENCE)) {
        String key =
            upper(
                modifier.getString(Tags.CODING_SCHEME_DESIGNATOR).orElse("")
                    + "|"
                    + modifier.getString(Tags.CODE_VALUE).orElse(""));
        codes.forEach(
            (posture, set) -> {
              if (set.contains(key)) {
                coded.add(posture);
                codeEvidence.add(key);
              }
            });
      }
    }
    Set<Posture> named = EnumSet.noneOf(Posture.class);
    named.addAll(coded);
    String evidence =
        coded.isEmpty() ? "" : "View Modifier Code " + String.join(", ", codeEvidence);
    for (String field : textFields) {
      String text = ds.getString(TEXT_ATTRIBUTES.get(field)).orElse("");
      Set<Posture> found = postureWords(text);
      if (!found.isEmpty()) {
        // the first field that names a posture speaks for the text; it must agree with the code
        named.addAll(found);
        evidence += (evidence.isEmpty() ? "" : "; ") + field + " '" + text.strip() + "'";
        break;
      }
    }
    Optional<Posture> posture = Optional.empty();
    if (named.isEmpty()) {
      issues.add(Issue.POSTURE_UNKNOWN);
      evidence = "no posture code or word";
    } else if (named.size() > 1) {
      issues.add(Issue.POSTURE_AMBIGUOUS);
    } else {
      posture = Optional.of(named.iterator().next());
    }
    return new Verdict(posture, issues, evidence);
  }

  /** Postures named in free text by the configured words, as whole words. */
  public Set<Posture> postureWords(String text) {
    Set<Posture> found = EnumSet.noneOf(Posture.class);
    String upper = upper(text);
    patterns()
        .forEach(
            (posture, pattern) -> {
              if (pattern.matcher(upper).find()) {
                found.add(posture);
              }
            });
    return found;
  }

  private boolean frontal(DicomDataset ds) {
    String position = upper(ds.getString(Tags.VIEW_POSITION).orElse(""));
    if (frontalViewPositions.contains(position)) {
      return true;
    }
    for (DicomDataset view : ds.getSequence(Tags.VIEW_CODE_SEQUENCE)) {
      if (frontalViewCodes.contains(view.getString(Tags.CODE_VALUE).orElse(""))) {
        return true;
      }
    }
    if (position.isEmpty() && !frontalWords.isEmpty()) {
      Pattern frontal = wordPattern(frontalWords);
      for (String field : textFields) {
        Matcher m = frontal.matcher(upper(ds.getString(TEXT_ATTRIBUTES.get(field)).orElse("")));
        if (m.find()) {
          return true;
        }
      }
    }
    return false;
  }

  private Map<Posture, Pattern> patterns() {
    Map<Posture, Pattern> patterns = new LinkedHashMap<>();
    // an empty set names nothing (an empty alternation would match every text)
    words.forEach(
        (posture, set) -> {
          if (!set.isEmpty()) {
            patterns.put(posture, wordPattern(set));
          }
        });
    return patterns;
  }

  private static Pattern wordPattern(Set<String> words) {
    // longest first so that "EXTENSION" is tried before "EXT"
    String alternatives =
        words.stream()
            .sorted((a, b) -> b.length() - a.length())
            .map(Pattern::quote)
            .collect(Collectors.joining("|"));
    return Pattern.compile("(?<![A-Z])(?:" + alternatives + ")(?![A-Z])");
  }

  private static boolean moreThanOne(String frames) {
    try {
      return Integer.parseInt(frames.strip()) > 1;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String upper(String s) {
    return s.strip().toUpperCase(Locale.ROOT);
  }

  private static Set<String> upper(Set<String> values) {
    return values.stream().map(ViewRules::upper).collect(Collectors.toUnmodifiableSet());
  }

  private static Map<Posture, Set<String>> copy(
      Map<Posture, Set<String>> map, UnaryOperator<String> f) {
    Map<Posture, Set<String>> out = new EnumMap<>(Posture.class);
    map.forEach(
        (posture, set) ->
            out.put(posture, set.stream().map(f).collect(Collectors.toUnmodifiableSet())));
    return Map.copyOf(out);
  }
}
