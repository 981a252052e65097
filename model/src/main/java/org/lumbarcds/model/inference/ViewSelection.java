package org.lumbarcds.model.inference;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomException;
import org.lumbarcds.model.dicom.Tags;

/**
 * Chooses the neutral, flexion and extension laterals of one study from its instances' headers: the
 * one selection that the server's pipeline (cds-services {@code ViewSelector}, which reports the
 * outcome as quality flags) and the {@code analyze} tool share.
 *
 * <p>Each instance is judged by {@link ViewRules}; an instance whose own header names no posture
 * may take it from a series description given with it (in the pipeline, the description of its
 * series in the ImagingStudy, what a RIS often fills in when the modality does not), which never
 * overrides a header that names one or more. A posture with exactly one usable instance is chosen.
 * A posture with none, or with more than one (a repeat exposure, a mislabelled view), is not
 * guessed: it has no view, and the instances that compete for it are named. Instances that are not
 * images (reports, key objects, presentation states) take no part. Thread-safe.
 */
public final class ViewSelection {

  /**
   * What was decided about one image instance.
   *
   * @param instance the instance, as the caller gave it
   * @param verdict the rules' verdict, after the series-description fallback
   * @param chosen whether it was chosen for its posture
   * @param reason in words, for a result's provenance
   */
  public record Decision<T>(T instance, ViewRules.Verdict verdict, boolean chosen, String reason) {}

  /**
   * The views chosen for a study.
   *
   * @param views the chosen instance per posture; a posture may be absent
   * @param repeated the postures with more than one usable instance, none of which was chosen, each
   *     with those instances in input order
   * @param gapIssues when a posture has no view, what may explain it: for each image that is not
   *     usable, the first of {@link #GAP_ISSUES} among its issues; empty when all postures have a
   *     view
   * @param decisions one per image instance, in input order
   */
  public record Outcome<T>(
      Map<Posture, T> views,
      Map<Posture, List<T>> repeated,
      Set<ViewRules.Issue> gapIssues,
      List<Decision<T>> decisions) {
    public Outcome {
      views = Map.copyOf(views);
      Map<Posture, List<T>> lists = new EnumMap<>(Posture.class);
      repeated.forEach((posture, instances) -> lists.put(posture, List.copyOf(instances)));
      repeated = Map.copyOf(lists);
      gapIssues = Set.copyOf(gapIssues);
      decisions = List.copyOf(decisions);
    }

    /** True when all three postures have a view. */
    public boolean complete() {
      return views.size() == Posture.values().length;
    }
  }

  /**
   * The issues that may explain a posture without a view, in the order they are looked for: an
   * image that could have been the missing view but was refused.
   */
  public static final List<ViewRules.Issue> GAP_ISSUES =
      List.of(
          ViewRules.Issue.NOT_LATERAL,
          ViewRules.Issue.WRONG_BODY_PART,
          ViewRules.Issue.POSTURE_AMBIGUOUS,
          ViewRules.Issue.POSTURE_UNKNOWN);

  private final ViewRules rules;

  public ViewSelection(ViewRules rules) {
    this.rules = rules;
  }

  /**
   * Chooses at most one instance per posture.
   *
   * @param instances the study's instances, in any type the caller keeps them in
   * @param header an instance's DICOM header
   * @param seriesDescription the description of an instance's series in the study's ImagingStudy,
   *     when there is one (the analyze tool, reading files, has none)
   */
  public <T> Outcome<T> select(
      List<T> instances,
      Function<? super T, DicomDataset> header,
      Function<? super T, Optional<String>> seriesDescription) {
    List<T> images = instances.stream().filter(i -> isImage(header.apply(i))).toList();
    List<ViewRules.Verdict> verdicts =
        images.stream().map(i -> verdict(header.apply(i), seriesDescription.apply(i))).toList();
    Map<Posture, List<T>> usable = new EnumMap<>(Posture.class);
    for (int i = 0; i < images.size(); i++) {
      ViewRules.Verdict v = verdicts.get(i);
      if (v.usable()) {
        usable
            .computeIfAbsent(v.posture().orElseThrow(), p -> new ArrayList<>())
            .add(images.get(i));
      }
    }
    Map<Posture, T> views = new EnumMap<>(Posture.class);
    Map<Posture, List<T>> repeated = new EnumMap<>(Posture.class);
    usable.forEach(
        (posture, found) -> {
          if (found.size() == 1) {
            views.put(posture, found.get(0));
          } else {
            repeated.put(posture, found);
          }
        });
    Set<ViewRules.Issue> gapIssues = EnumSet.noneOf(ViewRules.Issue.class);
    if (views.size() < Posture.values().length) {
      for (ViewRules.Verdict v : verdicts) {
        GAP_ISSUES.stream().filter(v.issues()::contains).findFirst().ifPresent(gapIssues::add);
      }
    }
    List<Decision<T>> decisions = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      decisions.add(decision(images.get(i), verdicts.get(i), views, usable));
    }
    return new Outcome<>(views, repeated, gapIssues, decisions);
  }

  private static <T> Decision<T> decision(
      T instance, ViewRules.Verdict v, Map<Posture, T> views, Map<Posture, List<T>> usable) {
    boolean chosen = v.posture().map(p -> views.get(p) == instance).orElse(false);
    String reason;
    if (chosen) {
      reason = v.posture().orElseThrow().id() + " view (" + v.evidence() + ")";
    } else if (!v.issues().isEmpty()) {
      reason = "not used: " + v.issues() + " (" + v.evidence() + ")";
    } else {
      Posture posture = v.posture().orElseThrow();
      reason =
          "not used: " + usable.get(posture).size() + " instances are " + posture.id() + " views";
    }
    return new Decision<>(instance, v, chosen, reason);
  }

  private ViewRules.Verdict verdict(DicomDataset header, Optional<String> seriesDescription) {
    ViewRules.Verdict own = rules.classify(header);
    if (!own.issues().equals(Set.of(ViewRules.Issue.POSTURE_UNKNOWN))
        || seriesDescription.isEmpty()) {
      return own;
    }
    String description = seriesDescription.get();
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
  private static boolean isImage(DicomDataset header) {
    try {
      return header.getInt(Tags.ROWS).orElse(0) > 0 || header.contains(Tags.PIXEL_DATA);
    } catch (DicomException e) {
      return false;
    }
  }
}
