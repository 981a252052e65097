package org.lumbarcds.server.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/**
 * The write validator validates again while the core definitions are out of its reach (HAPI
 * emptying its caches while it pre-expands ValueSets), and only then.
 */
class RetryingValidatorTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();

  /** A module that reports the given message on its first {@code failures} calls. */
  private static IValidatorModule failing(String message, int failures, AtomicInteger calls) {
    return context -> {
      if (calls.incrementAndGet() <= failures) {
        SingleValidationMessage m = new SingleValidationMessage();
        m.setSeverity(ResultSeverityEnum.ERROR);
        m.setMessage(message);
        context.addValidationMessage(m);
      }
    };
  }

  @Test
  void aResourceTypeBrieflyUnknownIsValidatedAgainUntilItIsKnown() {
    AtomicInteger calls = new AtomicInteger();
    RetryingValidator validator = new RetryingValidator(FHIR);
    validator.registerValidatorModule(
        failing(
            "This content cannot be parsed (unknown or unrecognized resource name 'Patient')",
            2,
            calls));
    assertThat(validator.validateWithResult(new Patient()).isSuccessful()).isTrue();
    assertThat(calls).hasValue(3);
  }

  @Test
  void otherErrorsAndTypesThisVersionLacksAreAnsweredAtOnce() {
    AtomicInteger calls = new AtomicInteger();
    RetryingValidator validator = new RetryingValidator(FHIR);
    validator.registerValidatorModule(failing("Patient.gender: unknown code 'x'", 5, calls));
    assertThat(validator.validateWithResult(new Patient()).isSuccessful()).isFalse();
    assertThat(calls).hasValue(1);

    AtomicInteger unknownType = new AtomicInteger();
    RetryingValidator other = new RetryingValidator(FHIR);
    other.registerValidatorModule(
        failing(
            "This content cannot be parsed (unknown or unrecognized resource name 'Patientt')",
            5,
            unknownType));
    assertThat(other.validateWithResult("{\"resourceType\":\"Patientt\"}").isSuccessful())
        .isFalse();
    assertThat(unknownType).hasValue(1);
  }

  @Test
  void aTypeThatStaysUnknownIsRefusedAfterTheLastTry() {
    AtomicInteger calls = new AtomicInteger();
    RetryingValidator validator = new RetryingValidator(FHIR);
    validator.registerValidatorModule(
        failing(
            "This content cannot be parsed (unknown or unrecognized resource name 'Patient')",
            100,
            calls));
    assertThat(validator.validateWithResult(new Patient()).isSuccessful()).isFalse();
    assertThat(calls).hasValue(RetryingValidator.TRIES);
  }
}
