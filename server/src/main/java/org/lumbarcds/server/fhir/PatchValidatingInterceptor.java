package org.lumbarcds.server.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.EnumSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Validates the resource a PATCH produces, just before it is stored. The request validator sees
 * only the patch document, never the patched resource, so without this a PATCH could store what a
 * PUT would be refused for. Patches inside transactions and batches are covered the same way.
 */
@Interceptor
class PatchValidatingInterceptor {

  private static final Set<RestOperationTypeEnum> PATCHING =
      EnumSet.of(
          RestOperationTypeEnum.PATCH,
          RestOperationTypeEnum.TRANSACTION,
          RestOperationTypeEnum.BATCH);

  private final FhirContext fhirContext;
  private final FhirValidator validator;

  PatchValidatingInterceptor(FhirContext fhirContext, FhirValidator validator) {
    this.fhirContext = fhirContext;
    this.validator = validator;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  void validatePatched(IBaseResource previous, IBaseResource updated, RequestDetails request) {
    if (request == null || !PATCHING.contains(request.getRestOperationType())) {
      return;
    }
    ValidationResult result = validator.validateWithResult(updated);
    boolean error =
        result.getMessages().stream()
            .anyMatch(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal());
    if (error) {
      throw new UnprocessableEntityException(fhirContext, result.toOperationOutcome());
    }
  }
}
