package org.lumbarcds.server.cdshooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.hooks.CdsServices.RecordRequest;
import org.lumbarcds.cds.hooks.HookException;
import org.lumbarcds.cds.hooks.MriAdviceHooks;
import org.lumbarcds.cds.hooks.PatientRecord;
import org.lumbarcds.server.storage.ProjectDatabase;

/**
 * Where a call's record comes from, without the local FHIR store: the prefetch as the EHR sent it,
 * the EHR's FHIR server, and what happens when neither gives a key.
 */
class RecordResolverTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DaoRegistry daos = mock(DaoRegistry.class);
  private final RecordResolver resolver =
      new RecordResolver(
          FHIR,
          daos,
          mock(MatchUrlService.class),
          new RecordCache(ProjectDatabase.withProjectTables(), FHIR, 100));

  /** A service with one required key (conditions) and one optional key (patient). */
  private static final MriAdviceHooks.Definition SERVICE;

  static {
    Map<String, String> prefetch = new LinkedHashMap<>();
    prefetch.put(MriAdviceHooks.CONDITIONS, "Condition?patient={{context.patientId}}");
    prefetch.put(MriAdviceHooks.PATIENT, "Patient/{{context.patientId}}");
    SERVICE =
        new MriAdviceHooks.Definition("s", "order-sign", "t", "d", prefetch, List.of("patientId"));
  }

  private static ObjectNode conditions() throws Exception {
    Condition c = new Condition();
    c.setId("c1");
    c.setSubject(new Reference("Patient/p1"));
    c.getCode().setText("low back pain");
    Bundle b = new Bundle().setType(Bundle.BundleType.SEARCHSET).setTotal(1);
    b.addEntry().setResource(c);
    return (ObjectNode) JSON.readTree(FHIR.newJsonParser().encodeResourceToString(b));
  }

  private static RecordRequest request(ObjectNode prefetch, Optional<String> fhirServer) {
    return new RecordRequest(
        Optional.ofNullable(prefetch), fhirServer, Optional.empty(), Map.of("patientId", "p1"));
  }

  @Test
  void thePrefetchIsTheRecordAndAnOptionalKeyLeftOutIsNamedUnread() throws Exception {
    ObjectNode prefetch = JSON.createObjectNode();
    prefetch.set(MriAdviceHooks.CONDITIONS, conditions());

    PatientRecord record = resolver.resolve(SERVICE, request(prefetch, Optional.empty()));

    assertThat(record.conditions())
        .singleElement()
        .satisfies(c -> assertThat(c.getCode().getText()).isEqualTo("low back pain"));
    // an EHR that prefetches but left the key out: not read from this server's store
    assertThat(record.unread()).containsExactly(MriAdviceHooks.PATIENT);
    verifyNoInteractions(daos);
  }

  @Test
  void aNullPrefetchValueMeansTheEhrHasNone() throws Exception {
    ObjectNode prefetch = JSON.createObjectNode();
    prefetch.putNull(MriAdviceHooks.CONDITIONS);
    prefetch.putNull(MriAdviceHooks.PATIENT);

    PatientRecord record = resolver.resolve(SERVICE, request(prefetch, Optional.empty()));

    assertThat(record.conditions()).isEmpty();
    assertThat(record.patient()).isEmpty();
    assertThat(record.unread()).isEmpty();
    verifyNoInteractions(daos);
  }

  @Test
  void aPrefetchValueThatIsNoFhirResourceIsABadRequest() {
    ObjectNode prefetch = JSON.createObjectNode();
    prefetch.putObject(MriAdviceHooks.CONDITIONS).put("hello", "world");
    assertThatThrownBy(() -> resolver.resolve(SERVICE, request(prefetch, Optional.empty())))
        .isInstanceOfSatisfying(
            HookException.class,
            e -> assertThat(e.kind()).isEqualTo(HookException.Kind.BAD_REQUEST));
  }

  @Test
  void aRequiredKeyTheEhrsServerCannotGiveIsAPreconditionFailure() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    ObjectNode prefetch = JSON.createObjectNode();
    prefetch.putNull(MriAdviceHooks.PATIENT);
    assertThatThrownBy(
            () ->
                resolver.resolve(
                    SERVICE,
                    request(prefetch, Optional.of("http://127.0.0.1:" + closed + "/fhir"))))
        .isInstanceOfSatisfying(
            HookException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(HookException.Kind.PRECONDITION_FAILED);
              assertThat(e.getMessage()).contains("conditions").contains("fhirServer");
            });
    verifyNoInteractions(daos);
  }
}
