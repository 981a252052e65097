package org.lumbarcds.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SmartScopesTest {

  @Test
  void v2LettersGrantExactlyTheirInteractions() {
    SmartScopes scopes = SmartScopes.parse("system/Observation.rs system/ImagingStudy.c");
    assertThat(scopes.allows('r', "Observation")).isTrue();
    assertThat(scopes.allows('s', "Observation")).isTrue();
    assertThat(scopes.allows('u', "Observation")).isFalse();
    assertThat(scopes.allows('r', "Patient")).isFalse();
    assertThat(scopes.allows('c', "ImagingStudy")).isTrue();
    assertThat(scopes.allows('r', "ImagingStudy")).isFalse();
  }

  @Test
  void v1ScopesAndWildcardsAreUnderstood() {
    SmartScopes v1 = SmartScopes.parse("user/Patient.read patient/*.write system/Task.*");
    assertThat(v1.allows('r', "Patient")).isTrue();
    assertThat(v1.allows('s', "Patient")).isTrue();
    assertThat(v1.allowsBeyondPatient('c', "Patient")).isFalse(); // patient/*.write only
    assertThat(v1.allows('u', "Observation")).isTrue();
    assertThat(v1.allowsBeyondPatient('u', "Observation")).isFalse();
    assertThat(v1.allowsBeyondPatient('d', "Task")).isTrue();
  }

  @Test
  void whatIsNotUnderstoodGrantsNothing() {
    SmartScopes scopes =
        SmartScopes.parse(
            "patient/Observation.rs?category=laboratory system/Patient.sr system/Patient.x"
                + " admin/Patient.rs system/patient.rs system/Observation. openid lumbarcds.ops");
    assertThat(scopes.grants()).isEmpty();
    assertThat(scopes.allows('r', "Observation")).isFalse();
    assertThat(scopes.allows('s', "Patient")).isFalse();
    assertThat(scopes.has("lumbarcds.ops")).isTrue();
    assertThat(scopes.has("lumbarcds")).isFalse();
    assertThat(SmartScopes.parse((String) null).grants()).isEmpty();
  }

  @Test
  void patientOnlyMeansEveryResourceScopeIsAPatientOne() {
    assertThat(SmartScopes.parse("launch/patient patient/*.rs openid").patientOnly()).isTrue();
    assertThat(SmartScopes.parse("patient/*.rs system/Patient.r").patientOnly()).isFalse();
    assertThat(SmartScopes.parse("openid").patientOnly()).isFalse();
  }
}
