package org.lumbarcds.server.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write validator, validating again when the R4 core definitions were briefly out of its reach.
 * While HAPI pre-expands the stored ValueSets after a start it empties the validation support
 * chain's caches again and again, and a write validated in that moment can be told that "Patient"
 * is not a resource ("This content cannot be parsed (unknown or unrecognized resource name
 * 'Patient')", a 422 for a valid resource; the crash test met it on first writes after a restart).
 * When that is the result for a resource type this FHIR version has, the validation is repeated, up
 * to 20 times 100 ms apart; any other result is returned as it is.
 */
class RetryingValidator extends FhirValidator {

  private static final Logger log = LoggerFactory.getLogger(RetryingValidator.class);
  private static final Pattern UNKNOWN_TYPE =
      Pattern.compile("unknown or unrecognized resource name '([A-Za-z]+)'");
  static final int TRIES = 20;

  private final FhirContext context;

  RetryingValidator(FhirContext context) {
    super(context);
    this.context = context;
  }

  @Override
  public ValidationResult validateWithResult(String resource, ValidationOptions options) {
    return retrying(() -> super.validateWithResult(resource, options));
  }

  @Override
  public ValidationResult validateWithResult(IBaseResource resource, ValidationOptions options) {
    return retrying(() -> super.validateWithResult(resource, options));
  }

  private ValidationResult retrying(Supplier<ValidationResult> validation) {
    ValidationResult result = validation.get();
    for (int retry = 1; retry < TRIES && definitionsOutOfReach(result); retry++) {
      log.debug("Validator: the core definitions were out of reach, validating again");
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return result;
      }
      result = validation.get();
    }
    return result;
  }

  /** An error naming a resource type unknown that this FHIR version does have. */
  boolean definitionsOutOfReach(ValidationResult result) {
    for (SingleValidationMessage m : result.getMessages()) {
      Matcher unknown = UNKNOWN_TYPE.matcher(String.valueOf(m.getMessage()));
      if (unknown.find() && context.getResourceTypes().contains(unknown.group(1))) {
        return true;
      }
    }
    return false;
  }
}
