package org.lumbarcds.cds.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.FhirCodes;
import org.lumbarcds.cds.advice.MriAdviceRules;
import org.lumbarcds.cds.analysis.AnalysisException;
import org.lumbarcds.cds.result.AiResultFactory;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.terminology.Codes;

/**
 * The hook dispatch without HTTP: what a request must hold, which orders each hook looks at, when
 * the record is read, and how order-complete joins its result to the record.
 */
class CdsServicesTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");
  private static final Validator VALIDATOR =
      Validation.byDefaultProvider()
          .configure()
          .messageInterpolator(new ParameterMessageInterpolator())
          .buildValidatorFactory()
          .getValidator();

  private static ModelCard card;
  private static MriAdviceHooks hooks;

  /** The record source: counts its calls, returns the record set by the test. */
  private final List<MriAdviceHooks.Definition> reads = new ArrayList<>();

  private PatientRecord record =
      PatientRecord.of("p1", List.of(), List.of(), List.of(), List.of(), Optional.empty());

  /** The analyses: the order and result set by the test, or the failure. */
  private Optional<ServiceRequest> order = Optional.empty();

  private Observation analysed;
  private AnalysisException failure;

  @BeforeAll
  static void setUp() throws Exception {
    card = ModelCard.read(Path.of("../model/reference/lumbar-cds-lss-3view-phantom.card.json"));
    hooks = HookFixtures.hooks(FHIR, card, NOW);
  }

  private CdsServices services() {
    return new CdsServices(
        hooks,
        (service, request) -> {
          reads.add(service);
          return record;
        },
        new CdsServices.OrderAnalyses() {
          @Override
          public Optional<ServiceRequest> order(String orderId) {
            return order.filter(o -> o.getIdElement().getIdPart().equals(orderId));
          }

          @Override
          public Observation analyze(String orderId, Optional<String> imagingStudyId)
              throws AnalysisException {
            if (failure != null) {
              throw failure;
            }
            return analysed;
          }
        },
        VALIDATOR,
        FHIR);
  }

  // --- requests --------------------------------------------------------------------------------

  private static ObjectNode request(String hook) {
    ObjectNode r = JSON.createObjectNode();
    r.put("hook", hook).put("hookInstance", "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea");
    r.putObject("context").put("patientId", "p1").put("userId", "Practitioner/u1");
    return r;
  }

  private static ObjectNode orderSign(Resource... drafts) {
    ObjectNode r = request("order-sign");
    ((ObjectNode) r.get("context")).set("draftOrders", bundle(drafts));
    return r;
  }

  private static ObjectNode bundle(Resource... resources) {
    Bundle b = new Bundle().setType(Bundle.BundleType.COLLECTION);
    for (Resource resource : resources) {
      b.addEntry().setResource(resource);
    }
    try {
      return (ObjectNode) JSON.readTree(FHIR.newJsonParser().encodeResourceToString(b));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static HookRequest bind(ObjectNode json) throws Exception {
    return JSON.treeToValue(json, HookRequest.class);
  }

  private static ServiceRequest draft(String id, boolean lumbarMri) {
    ServiceRequest o = new ServiceRequest();
    o.setId("ServiceRequest/" + id);
    o.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
    o.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
    o.setCode(
        FhirCodes.concept(lumbarMri ? Codes.MRI_LSPINE_WO_CONTRAST : Codes.LSS_AI_PROBABILITY));
    o.setSubject(new Reference("Patient/p1"));
    return o;
  }

  private HookException.Kind refusal(String service, ObjectNode json) throws Exception {
    HookRequest request = bind(json);
    try {
      services().call(service, request);
    } catch (HookException e) {
      assertThat(e.getMessage()).isNotBlank();
      return e.kind();
    }
    throw new AssertionError("not refused");
  }

  @Test
  void aRequestTheServiceCannotAnswerIsRefusedBeforeTheRecordIsRead() throws Exception {
    assertThat(refusal("no-such-service", orderSign(draft("m1", true))))
        .isEqualTo(HookException.Kind.NOT_FOUND);
    ObjectNode noInstance = orderSign(draft("m1", true));
    noInstance.remove("hookInstance");
    assertThatThrownBy(() -> services().call(MriAdviceHooks.ORDER_SIGN, bind(noInstance)))
        .isInstanceOf(HookException.class)
        .hasMessage("hookInstance must not be blank");
    ObjectNode noContext = request("order-sign");
    noContext.remove("context");
    assertThat(refusal(MriAdviceHooks.ORDER_SIGN, noContext))
        .isEqualTo(HookException.Kind.BAD_REQUEST);
    assertThat(refusal(MriAdviceHooks.ORDER_SIGN, request("patient-view")))
        .as("another hook")
        .isEqualTo(HookException.Kind.BAD_REQUEST);
    assertThatThrownBy(
            () -> services().call(MriAdviceHooks.ORDER_SIGN, bind(request("order-sign"))))
        .hasMessage("context.draftOrders is required");
    ObjectNode tokenAlone = orderSign(draft("m1", true));
    tokenAlone.putObject("fhirAuthorization").put("access_token", "t");
    assertThatThrownBy(() -> services().call(MriAdviceHooks.ORDER_SIGN, bind(tokenAlone)))
        .hasMessage("fhirAuthorization needs fhirServer");
    ObjectNode notABundle = request("order-sign");
    ((ObjectNode) notABundle.get("context"))
        .putObject("draftOrders")
        .put("resourceType", "Patient");
    assertThat(refusal(MriAdviceHooks.ORDER_SIGN, notABundle))
        .isEqualTo(HookException.Kind.BAD_REQUEST);
    assertThat(reads).isEmpty();
  }

  @Test
  void orderSignReadsTheRecordOnlyWhenALumbarMriIsDrafted() throws Exception {
    MriAdviceHooks.Answer none =
        services().call(MriAdviceHooks.ORDER_SIGN, bind(orderSign(draft("other", false))));
    assertThat(none.response().cards()).isEmpty();
    assertThat(reads).isEmpty();

    MriAdviceHooks.Answer advice =
        services()
            .call(
                MriAdviceHooks.ORDER_SIGN,
                bind(orderSign(draft("other", false), draft("m1", true))));
    assertThat(advice.response().cards()).hasSize(1);
    assertThat(reads)
        .extracting(MriAdviceHooks.Definition::id)
        .containsExactly(MriAdviceHooks.ORDER_SIGN);
  }

  @Test
  void orderSelectLooksOnlyAtTheOrdersJustSelected() throws Exception {
    ObjectNode otherSelected = orderSign(draft("other", false), draft("m1", true));
    otherSelected.put("hook", "order-select");
    ((ObjectNode) otherSelected.get("context")).putArray("selections").add("ServiceRequest/other");
    assertThat(services().call(MriAdviceHooks.ORDER_SELECT, bind(otherSelected)).response().cards())
        .as("the MRI was drafted earlier, not selected now")
        .isEmpty();
    assertThat(reads).isEmpty();

    ObjectNode mriSelected = otherSelected.deepCopy();
    ((ObjectNode) mriSelected.get("context")).putArray("selections").add("ServiceRequest/m1");
    assertThat(services().call(MriAdviceHooks.ORDER_SELECT, bind(mriSelected)).response().cards())
        .hasSize(1);
    assertThat(reads).hasSize(1);
  }

  // --- order-complete -------------------------------------------------------------------------

  private static ObjectNode orderComplete(String patient) {
    ObjectNode r = request(MriAdviceHooks.ORDER_COMPLETE_HOOK);
    ((ObjectNode) r.get("context"))
        .put("patientId", patient)
        .put("serviceRequestId", "ServiceRequest/xr1");
    return r;
  }

  private static ServiceRequest radiographOrder() {
    ServiceRequest o = new ServiceRequest();
    o.setId("ServiceRequest/xr1");
    o.setStatus(ServiceRequest.ServiceRequestStatus.COMPLETED);
    o.setSubject(new Reference("Patient/p1"));
    return o;
  }

  private static Observation result(String version, double probability) {
    Observation o = new Observation();
    o.setId("Observation/r1/_history/" + version);
    o.addIdentifier()
        .setSystem(AiResultFactory.ANALYSIS_SYSTEM)
        .setValue("2.25.7|" + card.id() + "|" + card.version());
    o.setStatus(Observation.ObservationStatus.PRELIMINARY);
    o.setCode(FhirCodes.concept(Codes.LSS_AI_PROBABILITY));
    o.setSubject(new Reference("Patient/p1"));
    o.setIssued(Date.from(NOW.atZone(ZoneOffset.UTC).toInstant()));
    o.setValue(new Quantity().setValue(probability).setUnit("1"));
    return o;
  }

  @Test
  void orderCompleteJoinsTheResultAsWrittenToTheRecordInPlaceOfItsOlderCopy() throws Exception {
    order = Optional.of(radiographOrder());
    analysed = result("2", Math.min(0.99, card.ruleIn() + 0.1));
    // the record still holds version 1 of the same result, a quality failure
    Observation older = result("1", 0);
    older.setValue(null);
    record = record.withAiResult(older);

    MriAdviceHooks.Answer answer =
        services().call(MriAdviceHooks.ORDER_COMPLETE, bind(orderComplete("Patient/p1")));

    assertThat(answer.issued())
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.observationId()).contains("r1");
              // the record's copy (a failure) would give no usable result
              assertThat(i.recommendation())
                  .isNotEqualTo(MriAdviceRules.Recommendation.NO_USABLE_AI_RESULT);
            });
    // the system action records the result in the caller's record: no id or version of ours
    assertThat(answer.response().systemActions())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.type()).isEqualTo("create");
              assertThat(a.resource().has("id")).isFalse();
              assertThat(a.resource().has("meta")).isFalse();
            });
  }

  @Test
  void orderCompleteRefusesAnOrderItCannotAnalyseForThisPatient() throws Exception {
    assertThat(refusal(MriAdviceHooks.ORDER_COMPLETE, orderComplete("p1")))
        .as("not on this server")
        .isEqualTo(HookException.Kind.PRECONDITION_FAILED);
    order = Optional.of(radiographOrder());
    assertThat(refusal(MriAdviceHooks.ORDER_COMPLETE, orderComplete("p2")))
        .as("another patient's order")
        .isEqualTo(HookException.Kind.BAD_REQUEST);
    failure = new AnalysisException("the PACS did not answer", true);
    assertThat(refusal(MriAdviceHooks.ORDER_COMPLETE, orderComplete("p1")))
        .isEqualTo(HookException.Kind.UNAVAILABLE);
    failure = new AnalysisException("no available ImagingStudy", false);
    assertThat(refusal(MriAdviceHooks.ORDER_COMPLETE, orderComplete("p1")))
        .isEqualTo(HookException.Kind.PRECONDITION_FAILED);
    assertThat(reads).isEmpty();
  }
}
