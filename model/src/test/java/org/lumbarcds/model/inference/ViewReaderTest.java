package org.lumbarcds.model.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Posture and fitness from headers; fixtures from src/test/resources/inference/make_fixtures.py.
 */
class ViewReaderTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "coded-flexion,           FLEXION,   ''",
    "coded-neutral,           NEUTRAL,   ''",
    "coded-extension,         EXTENSION, ''",
    "words-extension,         EXTENSION, ''",
    "words-neutral,           NEUTRAL,   ''",
    "ambiguous-words,         ,          POSTURE_AMBIGUOUS",
    "code-and-words-disagree, ,          POSTURE_AMBIGUOUS",
    "no-posture,              ,          POSTURE_UNKNOWN",
    "external-not-a-posture,  ,          POSTURE_UNKNOWN",
    "ap-view,                 NEUTRAL,   NOT_LATERAL",
    "chest,                   NEUTRAL,   WRONG_BODY_PART",
    "two-frames,              NEUTRAL,   MULTI_FRAME",
  })
  void postureAndIssuesComeFromTheHeader(String file, String posture, String issue)
      throws Exception {
    ViewReader.View view =
        new ViewReader().read(Path.of("src/test/resources/inference/views", file + ".dcm"));
    assertEquals(Optional.ofNullable(posture).map(Posture::valueOf), view.posture());
    Set<ViewRules.Issue> expected =
        issue.isEmpty() ? Set.of() : EnumSet.of(ViewRules.Issue.valueOf(issue));
    assertEquals(expected, view.issues());
    assertEquals(48, view.image().rows());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "LSPINE_LAT_FLEX,          FLEXION",
    "L-SPINE LAT EXTENSION 2,  EXTENSION",
    "lat neutral,              NEUTRAL",
    "EXTERNAL FILM,            ''",
    "FLEXED,                   ''",
    "REFLEX,                   ''",
  })
  void postureWordsAreWholeWords(String text, String posture) {
    assertEquals(
        posture.isEmpty() ? Set.of() : Set.of(Posture.valueOf(posture)),
        ViewRules.defaults().postureWords(text));
  }
}
