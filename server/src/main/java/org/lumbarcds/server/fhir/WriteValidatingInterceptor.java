package org.lumbarcds.server.fhir;

import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.interceptor.RequestValidatingInterceptor;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationResult;

/**
 * Validates the body of every write against the FHIR R4 core definitions and refuses it on an
 * error. HAPI's validator reports a body that is not JSON or XML at all as an internal error (HTTP
 * 500); that is the client's mistake, so it is answered 400 like HAPI's own parser does.
 */
class WriteValidatingInterceptor extends RequestValidatingInterceptor {

  WriteValidatingInterceptor(FhirValidator validator) {
    setFailOnSeverity(ResultSeverityEnum.ERROR);
    setAddResponseHeaderOnSeverity(null);
    // One shared validator; given only modules, HAPI would build a new one for every request.
    setValidator(validator);
  }

  @Override
  protected ValidationResult validate(String body, RequestDetails request) {
    try {
      return super.validate(body, request);
    } catch (InternalErrorException e) {
      EncodingEnum encoding = RestfulServerUtils.determineRequestEncodingNoDefault(request);
      if (encoding != null) {
        try {
          encoding.newParser(request.getFhirContext()).parseResource(body);
        } catch (DataFormatException | IllegalArgumentException malformed) {
          throw new InvalidRequestException(
              "The request body is not valid FHIR " + encoding.getFormatContentType() + " content");
        }
      }
      throw e;
    }
  }
}
