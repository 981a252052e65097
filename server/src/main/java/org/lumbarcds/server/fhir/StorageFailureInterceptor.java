package org.lumbarcds.server.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import org.lumbarcds.server.storage.StorageFailures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A FHIR request that failed because the storage under the database failed gets an OperationOutcome
 * that says so, instead of the database's internals: 507 when the disk is full, 503 while the
 * database is unavailable (H2 closes its database after a failed write; the next connection opens
 * it again). The write's transaction was rolled back: nothing of it is stored.
 */
@Interceptor
public class StorageFailureInterceptor {

  private static final Logger log = LoggerFactory.getLogger(StorageFailureInterceptor.class);

  static final String DISK_FULL =
      "No space left on the server's disk: nothing of this request was stored. Retry once space"
          + " is freed.";
  static final String DATABASE_UNAVAILABLE =
      "The server's database is unavailable (a write to its disk failed): nothing of this"
          + " request was stored. Retry later.";

  @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
  public BaseServerResponseException translate(Throwable failure) {
    StorageFailures.Kind kind = StorageFailures.classify(failure);
    if (kind == StorageFailures.Kind.DISK_FULL) {
      log.error("A FHIR request failed: no space left on the disk");
      return new UnclassifiedServerFailureException(507, DISK_FULL);
    }
    if (kind == StorageFailures.Kind.DATABASE_UNAVAILABLE) {
      log.error("A FHIR request failed: the database is unavailable (a write to its disk failed)");
      return new UnclassifiedServerFailureException(503, DATABASE_UNAVAILABLE);
    }
    return null; // HAPI's own answer
  }
}
