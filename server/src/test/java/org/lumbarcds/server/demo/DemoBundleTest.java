package org.lumbarcds.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The phantom studies the server carries for the demo. */
class DemoBundleTest {

  @Test
  void tenPoolStudiesWithThreeViewsAndOneWithoutItsExtensionUnderSixMegabytes() {
    List<DemoBundle.Study> studies = DemoBundle.read();

    assertThat(studies).hasSize(11);
    assertThat(studies.stream().filter(s -> s.role() == DemoBundle.Role.POOL))
        .hasSize(10)
        .allMatch(s -> s.files().size() == 3);
    assertThat(studies.stream().filter(s -> s.role() == DemoBundle.Role.MISSING_VIEW))
        .singleElement()
        .matches(s -> s.files().size() == 2);
    long bytes = studies.stream().flatMap(s -> s.files().stream()).mapToLong(f -> f.length).sum();
    assertThat(bytes).isLessThan(6_000_000L);
  }

  @Test
  void eachStudysPatientAndOrderAreMarkedAsTheDemosInItsHeader() {
    for (DemoBundle.Study s : DemoBundle.read()) {
      assertThat(s.header().patientId()).isEqualTo("DEMO-" + s.folder());
      assertThat(s.header().accession()).isEqualTo("DEMO-A" + s.folder());
      assertThat(s.header().family()).isEqualTo("DEMO");
      assertThat(s.header().sex()).isIn("F", "M");
    }
  }
}
