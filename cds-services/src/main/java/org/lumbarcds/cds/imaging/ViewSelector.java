package org.lumbarcds.cds.imaging;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.ViewRules;
import org.lumbarcds.model.inference.ViewSelection;
import org.lumbarcds.terminology.QualityFlag;

/**
 * Picks the neutral, flexion and extension laterals of one study from its instances' headers, and
 * says what is wrong as {@link QualityFlag}s.
 *
 * <p>The choice is {@link ViewSelection}'s, the one the analyze tool makes too: each instance is
 * judged by {@link ViewRules}; an instance whose own header names no posture may take it from the
 * description of its series in the ImagingStudy (what a RIS often fills in when the modality does
 * not). A posture with exactly one usable instance is chosen. A posture with none, or with more
 * than one (a repeat exposure, a mislabelled view), is not guessed: it is left out and reported as
 * a quality flag, with the flags of the refused images that explain it. Instances that are not
 * images (reports, key objects, presentation states) take no part. Thread-safe.
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

  /** The flag for each of {@link ViewSelection#GAP_ISSUES}, an issue that explains a gap. */
  private static final Map<ViewRules.Issue, QualityFlag> GAP =
      Map.of(
          ViewRules.Issue.NOT_LATERAL, QualityFlag.VIEW_NOT_LATERAL,
          ViewRules.Issue.WRONG_BODY_PART, QualityFlag.WRONG_BODY_PART,
          ViewRules.Issue.POSTURE_AMBIGUOUS, QualityFlag.VIEW_AMBIGUOUS,
          ViewRules.Issue.POSTURE_UNKNOWN, QualityFlag.VIEW_AMBIGUOUS);

  private final ViewSelection selection;

  public ViewSelector(ViewRules rules) {
    this.selection = new ViewSelection(rules);
  }

  /** Chooses at most one instance per posture. */
  public Selection select(List<Candidate> candidates) {
    ViewSelection.Outcome<Candidate> outcome =
        selection.select(candidates, Candidate::header, Candidate::seriesDescription);
    Set<QualityFlag> flags = EnumSet.noneOf(QualityFlag.class);
    for (Posture posture : Posture.values()) {
      if (outcome.repeated().containsKey(posture)) {
        flags.add(QualityFlag.VIEW_AMBIGUOUS);
      } else if (!outcome.views().containsKey(posture)) {
        flags.add(MISSING.get(posture));
      }
    }
    outcome.gapIssues().forEach(issue -> flags.add(GAP.get(issue)));
    List<Decision> decisions =
        outcome.decisions().stream()
            .map(d -> new Decision(d.instance(), d.verdict(), d.chosen(), d.reason()))
            .toList();
    return new Selection(outcome.views(), flags, decisions);
  }
}
