package org.lumbarcds.cds.imaging;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomException;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.ViewRules;
import org.lumbarcds.terminology.QualityFlag;

/**
 * Picks the neutral, flexion and extension laterals of one study from its instances' headers.
 *
 * <p>Each instance is judged by {@link ViewRules}; an instance whose own header names no posture
 * may take it from the description of its series in the ImagingStudy (what a RIS often fills in
 * when the modality does not). A posture with exactly one usable instance is chosen. A posture with
 * none, or with more than one (a repeat exposure, a mislabelled view), is not guessed: it is left
 * out and reported as a {@link QualityFlag}, with the reasons that explain it. Instances that are
 * not images (reports, key objects, presentation states) take no part. Thread-safe.
 */
public final class ViewSelector {

  /**
   * One instance of the study.
   *
   * @param header its DICOM header (from the file, or from WADO-RS metadata)
   * @param seriesDescription the description of its series in the ImagingStudy, when there is one
   */
  public record Candidate(DicomDataset header, Optional<String> seriesDescription) {
    public String seriesUid() {
      return header.getString(Tags.SERIES_INSTANCE_UID).orElse("");
    }

    public String sopInstanceUid() {
      return header.getString(Tags.SOP_INSTANCE_UID).orElse("");
    }
  }

  /**
   * What was decided about one instance.
   *
   * @param candidate the instance
   * @param verdict the rules' verdict, after the series-description fallback
   * @param chosen whether it was chosen for its posture
   * @param reason in words, for the result's provenance and the card
   */
  public record Decision(
      Candidate candidate, ViewRules.Verdict verdict, boolean chosen, String reason) {}

  /**
   * The views chosen for a study.
   *
   * @param views the chosen instance per posture; a posture may be absent
   * @param flags quality flags: a posture missing or ambiguous, and what explains it
   * @param decisions one per image instance, in input order
   */
  public record Selection(
      Map<Posture, Candidate> views, Set<QualityFlag> flags, List<Decision> decisions) {
    public Selection {
      views = Map.copyOf(views);
      flags = Set.copyOf(flags);
      decisions = List.copyOf(decisions);
    }

    /** True when all three postures have a view. */
    public boolean complete() {
      return views.size() == Posture.values().length;
    }
  }

  private static final Map<Posture, QualityFlag> MISSING =
      Map.of(
          Posture.NEUTRAL, QualityFlag.VIEW_MISSING_NEUTRAL,
          Posture.FLEXION, QualityFlag.VIEW_MISSING_FLEXION,
          Posture.EXTENSION, QualityFlag.VIEW_MISSING_EXTENSION);

  private final ViewRules rules;

  public ViewSelector(ViewRules rules) {
    this.rules = rules;
  }

  /** Chooses at most one instance per posture. */
  public Selection select(List<Candidate> candidates) {
    List<Candidate> images = candidates.stream().filter(ViewSelector::isImage).toList();
    List<ViewRules.Verdict> verdicts = images.stream().map(this::verdict).toList();
    Map<Posture, List<Integer>> usable = new EnumMap<>(Posture.class);
    for (int i = 0; i < images.size(); i++) {
      ViewRules.Verdict v = verdicts.get(i);
      if (v.usable()) {
        usable.computeIfAbsent(v.posture().orElseThrow(), p -> new ArrayList<>()).add(i);
      }
    }
    Map<Posture, Candidate> views = new EnumMap<>(Posture.class);
    Set<QualityFlag> flags = EnumSet.noneOf(QualityFlag.class);
    for (Posture posture : Posture.values()) {
      List<Integer> found = usable.getOrDefault(posture, List.of());
      if (found.size() == 1) {
        views.put(posture, images.get(found.get(0)));
      } else if (found.size() > 1) {
        flags.add(QualityFlag.VIEW_AMBIGUOUS);
      } else {
        flags.add(MISSING.get(posture));
      }
    }
    if (views.size() < Posture.values().length) {
      // what may explain a gap: an image that could have been the missing view but was refused
      for (ViewRules.Verdict v : verdicts) {
        Set<ViewRules.Issue> issues = v.issues();
        if (issues.contains(ViewRules.Issue.NOT_LATERAL)) {
          flags.add(QualityFlag.VIEW_NOT_LATERAL);
        } else if (issues.contains(ViewRules.Issue.WRONG_BODY_PART)) {
          flags.add(QualityFlag.WRONG_BODY_PART);
        } else if (issues.contains(ViewRules.Issue.POSTURE_AMBIGUOUS)
            || issues.contains(ViewRules.Issue.POSTURE_UNKNOWN)) {
          flags.add(QualityFlag.VIEW_AMBIGUOUS);
        }
      }
    }
    List<Decision> decisions = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      ViewRules.Verdict v = verdicts.get(i);
      Candidate c = images.get(i);
      boolean chosen = v.posture().map(p -> views.get(p) == c).orElse(false);
      String reason;
      if (chosen) {
        reason = v.posture().orElseThrow().id() + " view (" + v.evidence() + ")";
      } else if (!v.issues().isEmpty()) {
        reason = "not used: " + v.issues() + " (" + v.evidence() + ")";
      } else {
        reason =
            "not used: "
                + usable.get(v.posture().orElseThrow()).size()
                + " instances are "
                + v.posture().orElseThrow().id()
                + " views";
      }
      decisions.add(new Decision(c, v, chosen, reason));
    }
    return new Selection(views, flags, decisions);
  }

  private ViewRules.Verdict verdict(Candidate c) {
    ViewRules.Verdict own = rules.classify(c.header());
    if (!own.issues().equals(Set.of(ViewRules.Issue.POSTURE_UNKNOWN))
        || c.seriesDescription().isEmpty()) {
      return own;
    }
    String description = c.seriesDescription().get();
    Set<Posture> named = rules.postureWords(description);
    if (named.size() != 1) {
      return own;
    }
    return new ViewRules.Verdict(
        Optional.of(named.iterator().next()),
        Set.of(),
        "ImagingStudy series description '" + description.strip() + "'");
  }

  /** Pixel-bearing instances: a report or key-object selection in the study is not a view. */
  private static boolean isImage(Candidate c) {
    try {
      return c.header().getInt(Tags.ROWS).orElse(0) > 0 || c.header().contains(Tags.PIXEL_DATA);
    } catch (DicomException e) {
      return false;
    }
  }
}
