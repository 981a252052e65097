package org.lumbarcds.terminology;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Period;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.ValueSet;

/**
 * The table of what in a record makes lumbar imaging warranted, or puts an MRI indication outside
 * what the radiograph model judges (docs/clinical-logic.md). Loaded as data from {@code
 * clinical-triggers.json}: concept groups (which codes mean a thing, per code system, each code
 * with its source) and triggers (which groups, alone or in a stated combination with thresholds,
 * lead to which tier, citing the guideline statement they encode).
 *
 * @param version the table's version
 * @param sources the guidelines and code sources cited, by id
 * @param groups concept groups, by id
 * @param triggers the triggers, in the order cards list them
 * @param nonTriggers SNOMED CT concepts known to be under none of the groups' roots (low back pain,
 *     spinal stenosis …): placed without a terminology server
 */
public record ClinicalTriggers(
    String version,
    Map<String, Source> sources,
    Map<String, Group> groups,
    List<Trigger> triggers,
    List<GroupCode> nonTriggers) {

  public ClinicalTriggers {
    nonTriggers = nonTriggers == null ? List.of() : List.copyOf(nonTriggers);
  }

  static final String FILE = "org/lumbarcds/terminology/clinical-triggers.json";

  /** What a trigger leads to. */
  public enum Tier {
    /** MRI now (suspected cauda equina syndrome, severe or progressive neurological deficit). */
    CRITICAL,
    /** Imaging warranted; the card names the modality the guideline rates first. */
    IMAGING_WARRANTED,
    /** An MRI indication the model does not judge: no removal of the MRI is ever suggested. */
    OUTSIDE_MODEL_SCOPE
  }

  /** Where the record holds a group's codes. */
  public enum Kind {
    /** Conditions on the problem list, and the drafted order's reason. */
    CONDITION,
    /** MedicationRequest and MedicationStatement. */
    MEDICATION,
    /** Procedures. */
    PROCEDURE
  }

  /**
   * A guideline or code source.
   *
   * @param citation how it is cited
   * @param url where it can be read
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Source(String citation, String url) {}

  /**
   * One code of a group, with its source.
   *
   * @param code the code (ICD-10-CM with its dot)
   * @param display the display as the source spells it
   * @param source the source it was verified in (an id of {@link ClinicalTriggers#sources} or a
   *     citation)
   * @param prefix ICD-10-CM: the code stands for itself and every code below it in the hierarchy
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record GroupCode(String code, String display, String source, boolean prefix) {}

  /**
   * A concept group: which codes, in which systems, mean one clinical thing.
   *
   * @param label what it is, in words for a card
   * @param kind where the record holds it
   * @param icd10cm ICD-10-CM codes and categories (prefix: the category and all its children)
   * @param snomed SNOMED CT concepts whose descendants count too: {@code roots} are checked by
   *     subsumption on a terminology server when one is configured; {@code descendants} is the
   *     shipped list of verified common descendants used without one
   * @param rxnorm RxNorm ingredients and clinical drugs
   * @param names ingredient names that place a medication known only by text or by an RxNorm code
   *     outside the list (lower case, whole words)
   * @param local the project's own codes (lumbar-cds code system)
   * @param unverified concepts without a verified code, per system, recognised only through a
   *     terminology server or the project's own code: stated, never shipped as codes
   * @param history an entry counts whatever its clinical status (a resolved cancer is still a
   *     history of cancer); refuted and entered-in-error entries never count
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Group(
      String label,
      Kind kind,
      boolean history,
      List<GroupCode> icd10cm,
      Snomed snomed,
      List<GroupCode> rxnorm,
      List<String> names,
      List<GroupCode> local,
      List<String> unverified) {
    public Group {
      icd10cm = icd10cm == null ? List.of() : List.copyOf(icd10cm);
      snomed = snomed == null ? new Snomed(List.of(), List.of()) : snomed;
      rxnorm = rxnorm == null ? List.of() : List.copyOf(rxnorm);
      names = names == null ? List.of() : List.copyOf(names);
      local = local == null ? List.of() : List.copyOf(local);
      unverified = unverified == null ? List.of() : List.copyOf(unverified);
    }
  }

  /**
   * SNOMED CT members of a group.
   *
   * @param roots concepts that count with all their descendants
   * @param descendants verified descendants shipped for use without a terminology server
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Snomed(List<GroupCode> roots, List<GroupCode> descendants) {
    public Snomed {
      roots = roots == null ? List.of() : List.copyOf(roots);
      descendants = descendants == null ? List.of() : List.copyOf(descendants);
    }
  }

  /**
   * One criterion of a trigger; all of a trigger's criteria must hold. Exactly one of {@code
   * group}, {@code olderThan} and {@code temperatureAtLeast} is set.
   *
   * @param group a concept group present in the record
   * @param within the group's entry (onset, recorded date, start), or the measurement, is at most
   *     this old (ISO-8601 period); an undated entry counts
   * @param persistingAtLeast the group's entry began at least this long ago; an undated entry
   *     counts
   * @param olderThan the patient is older than this many years (a man, or sex not recorded)
   * @param olderThanFemale the patient is older than this many years, for a woman (when the
   *     guideline's threshold differs by sex; else {@code olderThan} applies to all)
   * @param temperatureAtLeast a body temperature of at least this many degrees Celsius
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Criterion(
      String group,
      String within,
      String persistingAtLeast,
      Integer olderThan,
      Integer olderThanFemale,
      Double temperatureAtLeast) {

    public Optional<Period> withinPeriod() {
      return Optional.ofNullable(within).map(Period::parse);
    }

    public Optional<Period> persistingPeriod() {
      return Optional.ofNullable(persistingAtLeast).map(Period::parse);
    }
  }

  /**
   * A trigger: criteria that together lead to a tier.
   *
   * @param id stable id (cards and tests name it)
   * @param label what it is, in words for a card (e.g. "suspected spinal infection")
   * @param tier what it leads to
   * @param modality the imaging the guideline rates first for it, in words
   * @param mri whether that first-rated imaging is an MRI (the card may then offer to order one)
   * @param allOf the criteria, all of which must hold
   * @param source the guideline: an id of {@link ClinicalTriggers#sources}
   * @param statement the guideline statement it encodes, as the guideline words it
   * @param thresholds why the windows and thresholds are what they are, with their source
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Trigger(
      String id,
      String label,
      Tier tier,
      String modality,
      boolean mri,
      List<Criterion> allOf,
      String source,
      String statement,
      String thresholds) {
    public Trigger {
      allOf = List.copyOf(allOf);
    }
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);

  /** The shipped table; a missing or inconsistent file is a packaging error. */
  public static ClinicalTriggers load() {
    try (InputStream in = ClinicalTriggers.class.getClassLoader().getResourceAsStream(FILE)) {
      if (in == null) {
        throw new IOException("not on the classpath: " + FILE);
      }
      return JSON.readValue(in, ClinicalTriggers.class).checked();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the clinical trigger table " + FILE, e);
    }
  }

  /** Every reference in the table resolves, every criterion is one thing, every id is unique. */
  ClinicalTriggers checked() {
    Set<String> ids = new HashSet<>();
    for (Trigger t : triggers) {
      require(t.id() != null && ids.add(t.id()), "trigger id missing or repeated: " + t.id());
      require(t.tier() != null, t.id() + ": tier");
      require(sources.containsKey(t.source()), t.id() + ": unknown source " + t.source());
      require(t.statement() != null && !t.statement().isBlank(), t.id() + ": statement");
      require(!t.allOf().isEmpty(), t.id() + ": no criteria");
      for (Criterion c : t.allOf()) {
        int set =
            (c.group() != null ? 1 : 0)
                + (c.olderThan() != null ? 1 : 0)
                + (c.temperatureAtLeast() != null ? 1 : 0);
        require(set == 1, t.id() + ": a criterion must name one thing");
        require(c.group() == null || groups.containsKey(c.group()), t.id() + ": " + c.group());
        c.withinPeriod();
        c.persistingPeriod();
      }
    }
    nonTriggers.forEach(
        c -> require(sources.containsKey(c.source()), "non-trigger " + c.code() + ": source"));
    groups.forEach(
        (id, g) -> {
          require(g.kind() != null && g.label() != null, id + ": kind and label");
          Function<GroupCode, Boolean> sourced =
              code -> sources.containsKey(code.source()) && code.display() != null;
          for (GroupCode code : allCodes(g)) {
            require(
                sourced.apply(code),
                id + ": code " + code.code() + " without display or known source");
          }
        });
    return this;
  }

  /** Every code a group lists, in every system. */
  public static List<GroupCode> allCodes(Group g) {
    return Stream.of(
            g.icd10cm(), g.snomed().roots(), g.snomed().descendants(), g.rxnorm(), g.local())
        .flatMap(List::stream)
        .toList();
  }

  /** Canonical base of the trigger groups' ValueSets: {@code <base><group id>}. */
  public static final String VALUE_SET_BASE = "http://lumbarcds.org/fhir/ValueSet/trigger-";

  /**
   * The concept groups as FHIR ValueSets a terminology server can expand: SNOMED CT roots and
   * ICD-10-CM categories as {@code is-a} filters (the range C00–C96 as a {@code regex} filter on
   * the code, which not every server supports), exact codes and RxNorm drugs enumerated. The
   * shipped descendants are not listed: the filters hold them.
   */
  public List<ValueSet> valueSets() {
    List<ValueSet> out = new ArrayList<>();
    groups.forEach(
        (id, g) -> {
          var vs = new ValueSet();
          vs.setId("trigger-" + id);
          vs.setUrl(VALUE_SET_BASE + id);
          vs.setVersion(version);
          vs.setName("Trigger" + camel(id));
          vs.setTitle("Clinical trigger group: " + g.label());
          vs.setStatus(Enumerations.PublicationStatus.ACTIVE);
          vs.setExperimental(false);
          vs.setPublisher("lumbar-cds project");
          vs.setDescription(
              "Codes that mean '"
                  + g.label()
                  + "' in the lumbar-cds clinical trigger table (docs/clinical-logic.md).");
          var compose = vs.getCompose();
          if (!g.icd10cm().isEmpty()) {
            var exact = compose.addInclude().setSystem(CodeSystems.ICD_10_CM);
            StringBuilder range = new StringBuilder();
            for (GroupCode c : g.icd10cm()) {
              if (!c.prefix()) {
                exact.addConcept().setCode(c.code()).setDisplay(c.display());
              } else if (c.code().matches("[A-Z]\\d[0-9A-Z]?(\\.[0-9A-Z]+)?")
                  && c.code().length() >= 3) {
                compose
                    .addInclude()
                    .setSystem(CodeSystems.ICD_10_CM)
                    .addFilter()
                    .setProperty("concept")
                    .setOp(ValueSet.FilterOperator.ISA)
                    .setValue(c.code());
              } else {
                range.append(range.length() == 0 ? "" : "|").append(c.code());
              }
            }
            if (range.length() > 0) {
              compose
                  .addInclude()
                  .setSystem(CodeSystems.ICD_10_CM)
                  .addFilter()
                  .setProperty("code")
                  .setOp(ValueSet.FilterOperator.REGEX)
                  .setValue("(" + range + ").*");
            }
            if (!exact.hasConcept()) {
              compose.getInclude().remove(exact);
            }
          }
          for (GroupCode root : g.snomed().roots()) {
            compose
                .addInclude()
                .setSystem(CodeSystems.SNOMED_CT)
                .addFilter()
                .setProperty("concept")
                .setOp(ValueSet.FilterOperator.ISA)
                .setValue(root.code());
          }
          if (!g.rxnorm().isEmpty()) {
            var rx = compose.addInclude().setSystem(CodeSystems.RXNORM);
            g.rxnorm().forEach(c -> rx.addConcept().setCode(c.code()).setDisplay(c.display()));
          }
          if (!g.local().isEmpty()) {
            var local = compose.addInclude().setSystem(CodeSystems.LUMBAR_CDS);
            g.local().forEach(c -> local.addConcept().setCode(c.code()).setDisplay(c.display()));
          }
          out.add(vs);
        });
    return out;
  }

  private static String camel(String id) {
    StringBuilder out = new StringBuilder();
    for (String part : id.split("-")) {
      out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    }
    return out.toString();
  }

  /** The triggers of a tier. */
  public List<Trigger> of(Tier tier) {
    return triggers.stream().filter(t -> t.tier() == tier).collect(Collectors.toList());
  }

  private static void require(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("clinical-triggers.json: " + what);
    }
  }
}
