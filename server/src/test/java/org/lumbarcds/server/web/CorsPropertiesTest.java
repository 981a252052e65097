package org.lumbarcds.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Only single origins are accepted: a wildcard or "null" would open the APIs to every site. */
class CorsPropertiesTest {

  @Test
  void originsAreCheckedAndBlanksLeftOut() {
    assertThat(
            new CorsProperties(
                    List.of(
                        " https://sandbox.cds-hooks.org ",
                        "",
                        "http://localhost:3000",
                        "http://[::1]:8081"))
                .origins())
        .containsExactly(
            "https://sandbox.cds-hooks.org", "http://localhost:3000", "http://[::1]:8081");
    for (String bad :
        List.of("*", "null", "https://*.example.org", "https://ehr.example/app", "ftp://x", "x")) {
      assertThatThrownBy(() -> new CorsProperties(List.of(bad)).origins())
          .as(bad)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is not one origin");
    }
  }
}
