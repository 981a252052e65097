package org.lumbarcds.server.demo;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.FhirCodes;
import org.lumbarcds.cds.hooks.CdsHooks;
import org.lumbarcds.cds.hooks.HookRequest;
import org.lumbarcds.cds.hooks.MriAdviceHooks;
import org.lumbarcds.server.cdshooks.HookCalls;
import org.lumbarcds.terminology.Codes;

/**
 * What the EHR does when a physician signs a lumbar MRI order: a CDS Hooks {@code order-sign} call
 * with the draft order (LOINC 30679-5) in {@code draftOrders}, without prefetch, so that the record
 * is read from this server's store; made in process through {@link HookCalls}, so that the cards
 * are the ones an EHR would display (recorded for feedback, their viewer links opened for the
 * user).
 */
final class DemoOrderSign {

  /** The EHR user of the demo's calls. */
  static final String USER = "Practitioner/demo-physician";

  private final HookCalls calls;
  private final FhirContext fhir;
  private final ObjectMapper json = new ObjectMapper();

  DemoOrderSign(HookCalls calls, FhirContext fhir) {
    this.calls = calls;
    this.fhir = fhir;
  }

  /** The cards the EHR shows when the patient's lumbar MRI order is signed. */
  List<CdsHooks.Card> sign(String patientId) {
    ServiceRequest draft = new ServiceRequest();
    draft.setId("draft-mri");
    draft.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
    draft.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
    draft.setCode(FhirCodes.concept(Codes.MRI_LSPINE_WO_CONTRAST));
    draft.setSubject(new Reference("Patient/" + patientId));
    Bundle drafts = new Bundle().setType(Bundle.BundleType.COLLECTION);
    drafts.addEntry().setResource(draft);
    ObjectNode draftOrders;
    try {
      draftOrders = (ObjectNode) json.readTree(fhir.newJsonParser().encodeResourceToString(drafts));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a draft order that HAPI wrote is not JSON", e);
    }
    HookRequest request =
        new HookRequest(
            "order-sign",
            UUID.randomUUID().toString(),
            null,
            null,
            new HookRequest.Context(USER, patientId, null, draftOrders, List.of(), null, null),
            null);
    return calls.call(MriAdviceHooks.ORDER_SIGN, request, Optional.empty()).cards();
  }
}
