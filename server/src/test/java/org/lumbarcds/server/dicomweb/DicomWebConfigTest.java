package org.lumbarcds.server.dicomweb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.ViewRules;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;
import org.springframework.mock.env.MockEnvironment;

/** The view rules as application.yaml and an operator's overrides configure them. */
class DicomWebConfigTest {

  private static StandardEnvironment applicationYaml() throws Exception {
    StandardEnvironment env = new StandardEnvironment();
    new YamlPropertySourceLoader()
        .load("application", new ClassPathResource("application.yaml"))
        .forEach(env.getPropertySources()::addLast);
    return env;
  }

  private static ViewRules withOverride(String key, String value) throws Exception {
    StandardEnvironment env = applicationYaml();
    env.getPropertySources().addFirst(new MapPropertySource("override", Map.of(key, value)));
    return new DicomWebConfig().viewRules(env);
  }

  @Test
  void applicationYamlGivesTheDefaultRules() throws Exception {
    assertThat(new DicomWebConfig().viewRules(applicationYaml())).isEqualTo(ViewRules.defaults());
  }

  @Test
  void anOperatorAddsAWordWithoutRestatingTheRest() throws Exception {
    ViewRules rules = withOverride("lumbarcds.views.words.flexion", "FLEX,BEND");
    assertThat(rules.words().get(Posture.FLEXION)).isEqualTo(Set.of("FLEX", "BEND"));
    assertThat(rules.codes()).isEqualTo(ViewRules.defaults().codes());
  }

  @Test
  void withoutTheSectionTheDefaultsApply() {
    assertThat(new DicomWebConfig().viewRules(new MockEnvironment()))
        .isEqualTo(ViewRules.defaults());
  }

  @Test
  void aBadRuleStopsTheServerAtStartUp() throws Exception {
    assertThatThrownBy(() -> withOverride("lumbarcds.views.text-fields", "PatientName"))
        .hasStackTraceContaining("unknown text field 'PatientName'");
  }
}
