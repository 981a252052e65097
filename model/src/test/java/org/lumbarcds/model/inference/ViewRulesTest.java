package org.lumbarcds.model.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lumbarcds.model.testing.Headers.header;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The default rules on varied headers, as DICOM JSON the way a PACS's metadata would give them. */
class ViewRulesTest {

  private static final ViewRules RULES = ViewRules.defaults();

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = ';',
      value = {
        "coded flexion; code=SCT|9964006; FLEXION; ''",
        "coded flexion, retired SNOMED-RT designator; code=SRT|9964006; FLEXION; ''",
        "coded neutral; code=DCM|109136; NEUTRAL; ''",
        "coded extension; code=SCT|24154002; EXTENSION; ''",
        "abbreviation FLX; SeriesDescription=LSPINE LAT FLX; FLEXION; ''",
        "abbreviation EXT with digits; SeriesDescription=LAT_EXT2; EXTENSION; ''",
        "lower case; SeriesDescription=lat neutral; NEUTRAL; ''",
        "protocol when the series says nothing; ProtocolName=L-SPINE NEUT LAT; NEUTRAL; ''",
        "image comments last; ImageComments=extension view; EXTENSION; ''",
        "series description before protocol; SeriesDescription=LAT FLEX|ProtocolName=FLEX/EXT;"
            + " FLEXION; ''",
        "protocol naming two postures; ProtocolName=LSPINE FLEX/EXT; ; POSTURE_AMBIGUOUS",
        "code and words disagree; code=SCT|9964006|SeriesDescription=LAT EXT; ;"
            + " POSTURE_AMBIGUOUS",
        "two codes; code=SCT|9964006,SCT|24154002; ; POSTURE_AMBIGUOUS",
        "code and words agree; code=SCT|24154002|SeriesDescription=LAT EXTENSION; EXTENSION; ''",
        "EXTERNAL is not EXT; SeriesDescription=EXTERNAL FILM; ; POSTURE_UNKNOWN",
        "REFLEX is not FLEX; SeriesDescription=REFLEX STUDY; ; POSTURE_UNKNOWN",
        "nothing; SeriesDescription=LSPINE LAT; ; POSTURE_UNKNOWN",
        "AP by view position; code=DCM|109136|ViewPosition=AP; NEUTRAL; NOT_LATERAL",
        "PA by view code; code=DCM|109136|viewCode=272479007; NEUTRAL; NOT_LATERAL",
        "AP in words without view position; ViewPosition=|SeriesDescription=L-SPINE AP NEUTRAL;"
            + " NEUTRAL; NOT_LATERAL",
        "chest; code=DCM|109136|BodyPartExamined=CHEST; NEUTRAL; WRONG_BODY_PART",
        "body part lower case; code=DCM|109136|BodyPartExamined=lspine; NEUTRAL; ''",
        "CT; code=DCM|109136|Modality=CT; NEUTRAL; NOT_RADIOGRAPH",
        "CR is a radiograph; code=DCM|109136|Modality=CR; NEUTRAL; ''",
        "two frames; code=DCM|109136|NumberOfFrames=2; NEUTRAL; MULTI_FRAME",
      })
  void verdicts(String name, String pairs, String posture, String issue) throws Exception {
    ViewRules.Verdict verdict = RULES.classify(header(pairs));
    assertThat(verdict.posture()).isEqualTo(Optional.ofNullable(posture).map(Posture::valueOf));
    Set<ViewRules.Issue> expected =
        issue.isEmpty() ? Set.of() : EnumSet.of(ViewRules.Issue.valueOf(issue));
    assertThat(verdict.issues()).isEqualTo(expected);
    assertThat(verdict.usable()).isEqualTo(posture != null && issue.isEmpty());
  }

  /** The default rules with other posture words and text fields. */
  private static ViewRules rules(Map<Posture, Set<String>> words, List<String> textFields) {
    ViewRules d = ViewRules.defaults();
    return new ViewRules(
        d.codes(),
        words,
        textFields,
        d.lumbarBodyParts(),
        d.frontalViewPositions(),
        d.frontalViewCodes(),
        d.frontalWords(),
        d.modalities());
  }

  @Test
  void evidenceSaysWhereThePostureCameFrom() throws Exception {
    assertThat(RULES.classify(header("code=SCT|9964006")).evidence())
        .isEqualTo("View Modifier Code SCT|9964006");
    assertThat(RULES.classify(header("ProtocolName=LAT FLX")).evidence())
        .isEqualTo("ProtocolName 'LAT FLX'");
  }

  @Test
  void aSiteAddsItsOwnWordsAndFieldOrder() throws Exception {
    ViewRules defaults = ViewRules.defaults();
    Map<Posture, Set<String>> words = new EnumMap<>(defaults.words());
    words.put(Posture.FLEXION, Set.of("FLEX", "BEND"));
    ViewRules site = rules(words, List.of("ImageComments", "SeriesDescription"));
    assertThat(site.classify(header("SeriesDescription=LAT BEND")).posture())
        .contains(Posture.FLEXION);
    assertThat(RULES.classify(header("SeriesDescription=LAT BEND")).posture()).isEmpty();
    // image comments now come first
    assertThat(site.classify(header("SeriesDescription=LAT EXT|ImageComments=NEUT")).posture())
        .contains(Posture.NEUTRAL);
  }

  @Test
  void aPostureWithoutWordsIsNamedByNoText() throws Exception {
    Map<Posture, Set<String>> words = new EnumMap<>(ViewRules.defaults().words());
    words.put(Posture.FLEXION, Set.of());
    ViewRules rules = rules(words, ViewRules.defaults().textFields());
    assertThat(rules.classify(header("SeriesDescription=LAT EXT")).posture())
        .contains(Posture.EXTENSION);
    assertThat(rules.postureWords("anything at all")).isEmpty();
  }

  @Test
  void badRulesAreRefusedAtConstruction() {
    ViewRules d = ViewRules.defaults();
    assertThatThrownBy(() -> rules(d.words(), List.of("PatientName")))
        .hasMessageContaining("unknown text field 'PatientName'");
    Map<Posture, Set<String>> words = new EnumMap<>(d.words());
    words.put(Posture.FLEXION, Set.of("FL(EX"));
    assertThatThrownBy(() -> rules(words, ViewRules.defaults().textFields()))
        .hasMessageContaining("not a plain word");
  }

  @Test
  void postureWordsAreWholeWords() {
    assertThat(RULES.postureWords("FLEXED")).isEmpty();
    assertThat(RULES.postureWords("EXT.FLEX"))
        .isEqualTo(Set.of(Posture.FLEXION, Posture.EXTENSION));
    assertThat(Arrays.asList(RULES.postureWords("ext").toArray()))
        .containsExactly(Posture.EXTENSION);
  }
}
