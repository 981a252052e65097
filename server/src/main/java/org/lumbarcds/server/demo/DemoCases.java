package org.lumbarcds.server.demo;

import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lumbarcds.model.inference.Interpretation;

/**
 * The demo's seven clinical cases, and the choice of their patients from the analyses' actual
 * results (as {@code tests/demo/demo.py} chooses them): the cases that need a band of the model's
 * result first, each taking the study most typical of its band (the highest probability for
 * "likely", the lowest for "unlikely", the one nearest the middle of the operating points for
 * "indeterminate"), then the cases any result serves, in the pool's order. A band no study of the
 * pool reached leaves its case empty: the page says so rather than fake it.
 */
final class DemoCases {

  private DemoCases() {}

  /** What a case needs of its patient's AI result. */
  enum Need {
    ANY,
    LIKELY,
    UNLIKELY,
    INDETERMINATE,
    MISSING_VIEW;

    /** The band this need asks for, if it asks for one. */
    Optional<Interpretation> band() {
      return switch (this) {
        case LIKELY -> Optional.of(Interpretation.LIKELY);
        case UNLIKELY -> Optional.of(Interpretation.UNLIKELY);
        case INDETERMINATE -> Optional.of(Interpretation.INDETERMINATE);
        case ANY, MISSING_VIEW -> Optional.empty();
      };
    }
  }

  /** What the patient's record holds besides the radiograph order. */
  enum Item {
    LOW_BACK_PAIN,
    CLAUDICATION,
    CAUDA_EQUINA,
    PRIOR_MRI
  }

  /**
   * A clinical case.
   *
   * @param id its id in the JSON and the page
   * @param title its name
   * @param context the clinical context, in words
   * @param need what its AI result must be
   * @param symptomWeeks how long ago the symptoms began
   * @param items what its record holds
   */
  record Case(
      String id, String title, String context, Need need, int symptomWeeks, Set<Item> items) {}

  static final List<Case> ALL =
      List.of(
          new Case(
              "red-flag",
              "Red flag",
              "cauda equina syndrome (ICD-10-CM G83.4) on record; low back pain for 10 weeks",
              Need.ANY,
              10,
              EnumSet.of(Item.LOW_BACK_PAIN, Item.CAUDA_EQUINA)),
          new Case(
              "prior-mri",
              "Prior MRI",
              "lumbar MRI 3 months ago; low back pain for 10 weeks",
              Need.ANY,
              10,
              EnumSet.of(Item.LOW_BACK_PAIN, Item.PRIOR_MRI)),
          new Case(
              "likely-long-symptoms",
              "Likely LSS, long symptoms",
              "low back pain and neurogenic claudication for 12 weeks",
              Need.LIKELY,
              12,
              EnumSet.of(Item.LOW_BACK_PAIN, Item.CLAUDICATION)),
          new Case(
              "likely-short-symptoms",
              "Likely LSS, short symptoms",
              "low back pain for 2 weeks",
              Need.LIKELY,
              2,
              EnumSet.of(Item.LOW_BACK_PAIN)),
          new Case(
              "unlikely-mri-ordered",
              "Unlikely LSS, MRI being ordered",
              "low back pain for 10 weeks",
              Need.UNLIKELY,
              10,
              EnumSet.of(Item.LOW_BACK_PAIN)),
          new Case(
              "indeterminate",
              "Indeterminate",
              "low back pain for 10 weeks",
              Need.INDETERMINATE,
              10,
              EnumSet.of(Item.LOW_BACK_PAIN)),
          new Case(
              "missing-view",
              "Missing view",
              "extension view not taken; low back pain for 10 weeks",
              Need.MISSING_VIEW,
              10,
              EnumSet.of(Item.LOW_BACK_PAIN)));

  /**
   * An analysed demo study.
   *
   * @param study its folder in the bundle
   * @param patientId its Patient's id
   * @param probability its result's probability; empty for a quality failure
   * @param band its result's band; empty for a quality failure
   */
  record Analysed(
      String study,
      String patientId,
      Optional<Double> probability,
      Optional<Interpretation> band) {}

  /**
   * The patient chosen for each case (in {@link #ALL}'s order), or why none could be.
   *
   * @param chosen per case, the study chosen
   * @param unfilled per case left without one, why
   */
  record Choice(Map<Case, Analysed> chosen, Map<Case, String> unfilled) {}

  /**
   * Chooses each case's study.
   *
   * @param pool the pool's studies with all three views, analysed
   * @param missingView the study whose extension view was not taken, analysed
   * @param middle the middle of the operating points (for the indeterminate case)
   */
  static Choice choose(List<Analysed> pool, Optional<Analysed> missingView, double middle) {
    Set<String> used = new HashSet<>();
    Map<Case, Analysed> found = new LinkedHashMap<>();
    // the cases that need a band first: the others take what is left
    List<Case> order =
        ALL.stream().sorted(Comparator.comparing(c -> c.need() == Need.ANY)).toList();
    for (Case c : order) {
      Optional<Analysed> pick =
          switch (c.need()) {
            case MISSING_VIEW -> missingView;
            case ANY ->
                pool.stream()
                    .filter(a -> a.probability().isPresent() && !used.contains(a.study()))
                    .findFirst();
            default ->
                pool.stream()
                    .filter(a -> a.band().equals(c.need().band()) && !used.contains(a.study()))
                    .min(typical(c.need(), middle));
          };
      pick.ifPresent(
          a -> {
            used.add(a.study());
            found.put(c, a);
          });
    }
    Map<Case, Analysed> chosen = new LinkedHashMap<>();
    Map<Case, String> unfilled = new LinkedHashMap<>();
    for (Case c : ALL) {
      if (found.containsKey(c)) {
        chosen.put(c, found.get(c));
      } else {
        unfilled.put(c, why(c, pool));
      }
    }
    return new Choice(chosen, unfilled);
  }

  /** The most typical study of a band first. */
  private static Comparator<Analysed> typical(Need need, double middle) {
    Comparator<Analysed> byProbability = Comparator.comparing(a -> a.probability().orElseThrow());
    return switch (need) {
      case LIKELY -> byProbability.reversed();
      case INDETERMINATE ->
          Comparator.comparing(a -> Math.abs(a.probability().orElseThrow() - middle));
      default -> byProbability;
    };
  }

  private static String why(Case c, List<Analysed> pool) {
    if (c.need() == Need.MISSING_VIEW) {
      return "the missing-view study has no result";
    }
    if (c.need() == Need.ANY) {
      return "no study of the pool with a probability was left for this case";
    }
    long inBand = pool.stream().filter(a -> a.band().equals(c.need().band())).count();
    String band = c.need().name().toLowerCase(Locale.ROOT);
    return inBand == 0
        ? "the model in use put none of the pool's "
            + pool.size()
            + " studies in the band '"
            + band
            + "'"
        : "the pool's studies in the band '" + band + "' were all taken by other cases";
  }
}
