package org.lumbarcds.cds.hooks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.lumbarcds.terminology.ClinicalTriggers;
import org.lumbarcds.terminology.ClinicalTriggers.Group;
import org.lumbarcds.terminology.ClinicalTriggers.GroupCode;
import org.lumbarcds.terminology.ClinicalTriggers.Kind;
import org.lumbarcds.terminology.CodeSystems;

/**
 * Places a record entry's codes in the trigger table's groups: ICD-10-CM by its hierarchy (a listed
 * code or one under a listed prefix), SNOMED CT by the shipped lists and else by the terminology
 * server's subsumption, RxNorm and the project's own codes by the lists, a code with no system by
 * its shape, medications also by their ingredient names; and says which entries the table cannot
 * place at all (they are "not checked").
 */
final class TriggerCodes {

  private static final Pattern TOPICAL =
      Pattern.compile(
          "\\b(topical|cream|ointment|lotion|gel|inhal\\w*|nasal|ophthalmic|otic|rectal|"
              + "enema|foam|shampoo|spray|drops|powder for inhalation)\\b");

  /** An ICD-10-CM code as EHRs send it, with or without its dot. */
  private static final Pattern ICD_SHAPE =
      Pattern.compile("[A-TV-Za-tv-z]\\d[0-9A-Za-z](\\.?[0-9A-Za-z]{1,4})?");

  /** An RxNorm clinical or branded drug name: it names every ingredient with its strength. */
  private static final Pattern DRUG_NAME =
      Pattern.compile(
          "\\d+(\\.\\d+)? ?(mg|mcg|ml|unt|meq|%|mg/ml|mg/mg)\\b", Pattern.CASE_INSENSITIVE);

  private final ClinicalTriggers table;
  private final Subsumption subsumption;

  /** Each group's ingredient names as whole-word patterns, compiled once. */
  private final Map<Group, List<Pattern>> names = new IdentityHashMap<>();

  /** SNOMED CT concepts the table knows are no trigger (low back pain, stenosis …). */
  private final Set<String> knownSnomed;

  /** Codes the project knows are no trigger (its own ValueSets: lumbar imaging, back pain …). */
  private final Predicate<Coding> known;

  private final Map<List<GroupCode>, Set<String>> codeSets =
      Collections.synchronizedMap(new IdentityHashMap<>());

  /**
   * @param table the trigger table
   * @param subsumption the terminology server's SNOMED CT hierarchy
   * @param known codes known to be no trigger whatever their system: an entry with one is placed
   */
  TriggerCodes(ClinicalTriggers table, Subsumption subsumption, Predicate<Coding> known) {
    this.known = known;
    this.table = table;
    this.knownSnomed =
        table.nonTriggers().stream().map(GroupCode::code).collect(Collectors.toSet());
    table
        .groups()
        .values()
        .forEach(
            g ->
                names.put(
                    g,
                    g.names().stream()
                        .map(n -> Pattern.compile("\\b" + Pattern.quote(n) + "\\b"))
                        .toList()));
    this.subsumption = subsumption;
  }

  /**
   * Whether the concept is in the group. A SNOMED CT code that neither the shipped lists nor the
   * terminology server place is not in it here; {@link #placed} makes the card say so.
   */
  boolean member(Group group, CodeableConcept concept) {
    for (Coding coding : concept.getCoding()) {
      if (!coding.hasCode()) {
        continue;
      }
      String code = coding.getCode().strip();
      String system = system(coding);
      if (CodeSystems.ICD_10_CM.equals(system)
          || (system == null && ICD_SHAPE.matcher(code).matches())) {
        String bare = icd(code);
        for (GroupCode g : group.icd10cm()) {
          String member = icd(g.code());
          if (g.prefix() ? bare.startsWith(member) : bare.equals(member)) {
            return true;
          }
        }
      }
      if (CodeSystems.SNOMED_CT.equals(system) || (system == null && code.matches("\\d{6,18}"))) {
        if (listed(group.snomed().roots(), code) || listed(group.snomed().descendants(), code)) {
          return true;
        }
        if (CodeSystems.SNOMED_CT.equals(system)) {
          for (GroupCode root : group.snomed().roots()) {
            if (subsumption.subsumes(system, root.code(), code).orElse(false)) {
              return true;
            }
          }
        }
      } else if (CodeSystems.RXNORM.equals(system)) {
        if (listed(group.rxnorm(), code)) {
          return true;
        }
      } else if (CodeSystems.LUMBAR_CDS.equals(system)) {
        if (listed(group.local(), code)) {
          return true;
        }
      }
    }
    return !group.names().isEmpty() && namesMatch(group, concept);
  }

  /**
   * Whether the table can say of an entry whether it is a trigger: a condition or an order's reason
   * with an ICD-10-CM or lumbar-cds code, or a SNOMED CT code that is listed, one of the project's
   * own non-trigger concepts, or answered by the terminology server for every root; a procedure
   * with such a SNOMED CT code; a medication by its RxNorm code, its drug name or an ingredient
   * name. Anything else (text only, another code system, a SNOMED CT code nobody placed) is named
   * on the card and forbids a removal.
   */
  boolean placed(RecordEntry e) {
    if (e.kind() == Kind.MEDICATION) {
      return medicationPlaced(e.concept());
    }
    for (Coding coding : e.concept().getCoding()) {
      if (!coding.hasCode()) {
        continue;
      }
      if (known.test(coding)) {
        return true;
      }
      String system = system(coding);
      String code = coding.getCode().strip();
      if (e.kind() == Kind.CONDITION
          && (CodeSystems.ICD_10_CM.equals(system) || CodeSystems.LUMBAR_CDS.equals(system))) {
        return true;
      }
      if (CodeSystems.SNOMED_CT.equals(system) && snomedPlaced(code, e.kind())) {
        return true;
      }
    }
    return false;
  }

  private boolean snomedPlaced(String code, Kind kind) {
    if (knownSnomed.contains(code)) {
      return true;
    }
    for (Group g : table.groups().values()) {
      if (g.kind() != kind) {
        continue;
      }
      if (listed(g.snomed().roots(), code) || listed(g.snomed().descendants(), code)) {
        return true;
      }
    }
    for (Group g : table.groups().values()) {
      if (g.kind() != kind) {
        continue;
      }
      for (GroupCode root : g.snomed().roots()) {
        if (subsumption.subsumes(CodeSystems.SNOMED_CT, root.code(), code).isEmpty()) {
          return false;
        }
      }
    }
    return true;
  }

  private boolean medicationPlaced(CodeableConcept concept) {
    for (Coding c : concept.getCoding()) {
      if (CodeSystems.RXNORM.equals(system(c)) && c.hasCode()) {
        for (Group g : table.groups().values()) {
          if (g.kind() == Kind.MEDICATION && listed(g.rxnorm(), c.getCode().strip())) {
            return true;
          }
        }
        if (c.hasDisplay() && DRUG_NAME.matcher(c.getDisplay()).find()) {
          return true; // a clinical or branded drug's name names its ingredients
        }
      }
    }
    return table.groups().values().stream()
        .filter(g -> g.kind() == Kind.MEDICATION)
        .anyMatch(g -> namesMatch(g, concept, true));
  }

  private boolean namesMatch(Group group, CodeableConcept concept) {
    return namesMatch(group, concept, false);
  }

  /**
   * Whether an ingredient name of the group is in the concept's text or displays; a topical,
   * inhaled or other local form counts only when {@code anyForm} (it is then placed, but not
   * systemic).
   */
  private boolean namesMatch(Group group, CodeableConcept concept, boolean anyForm) {
    List<String> texts = new ArrayList<>();
    if (concept.hasText()) {
      texts.add(concept.getText());
    }
    concept.getCoding().stream().filter(Coding::hasDisplay).forEach(c -> texts.add(c.getDisplay()));
    for (String text : texts) {
      String t = text.toLowerCase(Locale.ROOT);
      if (!anyForm && TOPICAL.matcher(t).find()) {
        continue; // a cream or an inhaler of a steroid is not systemic
      }
      for (Pattern name : names.get(group)) {
        if (name.matcher(t).find()) {
          return true;
        }
      }
    }
    return false;
  }

  /** Whether the code is one of the list's (a set built once per list: the hook's hot path). */
  private boolean listed(List<GroupCode> codes, String code) {
    return codeSets
        .computeIfAbsent(
            codes, list -> list.stream().map(GroupCode::code).collect(Collectors.toSet()))
        .contains(code);
  }

  /** ICD-10-CM codes compared without their dot and case: EHRs send both "G83.4" and "G834". */
  private static String icd(String code) {
    return code.replace(".", "").strip().toUpperCase(Locale.ROOT);
  }

  /** The canonical system of a coding (OIDs and edition URIs of the same system included). */
  private static String system(Coding coding) {
    if (!coding.hasSystem()) {
      return null;
    }
    String s = coding.getSystem().strip();
    return switch (s) {
      case "urn:oid:2.16.840.1.113883.6.90" -> CodeSystems.ICD_10_CM;
      case "urn:oid:2.16.840.1.113883.6.96" -> CodeSystems.SNOMED_CT;
      case "urn:oid:2.16.840.1.113883.6.88" -> CodeSystems.RXNORM;
      default -> s.startsWith(CodeSystems.SNOMED_CT + "/") ? CodeSystems.SNOMED_CT : s;
    };
  }
}
