package org.lumbarcds.server.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * StructureDefinition is served so that the validator can look extension and profile definitions
 * up, not written by clients: the validator checks every write against what is stored there, so a
 * client's definition could change how the server validates others' writes and its own. Any create,
 * update, patch or delete of one through the API is a 405 (a REST hook, before the body is
 * validated; storage hooks for the entries of a transaction); the server itself (a system request)
 * may still write one.
 */
@Interceptor
public class ReadOnlyStructureDefinitions {

  private static final String TYPE = "StructureDefinition";
  private static final Set<RestOperationTypeEnum> WRITES =
      Set.of(
          RestOperationTypeEnum.CREATE,
          RestOperationTypeEnum.UPDATE,
          RestOperationTypeEnum.PATCH,
          RestOperationTypeEnum.DELETE);

  /**
   * A write addressed to the type: refused before its body is validated (ordered before the write
   * validator, which hooks the same point).
   */
  @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = -100)
  public boolean incoming(RequestDetails request) {
    if (TYPE.equals(request.getResourceName()) && WRITES.contains(request.getRestOperationType())) {
      throw refusal();
    }
    return true;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    refuse(resource, request);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    refuse(resource, request);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
  public void deleted(IBaseResource resource, RequestDetails request) {
    refuse(resource, request);
  }

  private static void refuse(IBaseResource resource, RequestDetails request) {
    if (resource != null
        && TYPE.equals(resource.fhirType())
        && request != null
        && !(request instanceof SystemRequestDetails)) {
      throw refusal();
    }
  }

  private static MethodNotAllowedException refusal() {
    return new MethodNotAllowedException(
        "StructureDefinition is read-only on this server: the validator uses the stored ones");
  }
}
