package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.LocalDate;
import java.util.Date;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.BeforeEach;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;

/**
 * What the CDS Hooks tests share: an EHR client, a patient's record written to the server, hook
 * requests, and the checks every card must pass.
 */
abstract class CdsHooksTestBase extends ServerTestBase {

  protected CdsClient cds;
  protected JsonNode modelCard;

  @BeforeEach
  void client() throws Exception {
    cds = new CdsClient(port);
    modelCard = CdsClient.JSON.readTree(send("GET", "/model/card", null, null).body());
  }

  // --- the record of a case --------------------------------------------------------------------

  IIdType patient() {
    return client
        .create()
        .resource(Fixtures.patient("MRN-" + UUID.randomUUID()))
        .execute()
        .getId()
        .toUnqualifiedVersionless();
  }

  void condition(IIdType patient, Coding code, LocalDate onset) {
    client.create().resource(activeCondition(patient, code, onset)).execute();
  }

  /** An active, confirmed Condition of the patient (onset: when given). */
  static Condition activeCondition(IIdType patient, Coding code, LocalDate onset) {
    Condition c = new Condition();
    c.setSubject(new Reference(patient));
    c.setCode(new CodeableConcept(code));
    c.getClinicalStatus()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-clinical")
        .setCode("active");
    c.getVerificationStatus()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-ver-status")
        .setCode("confirmed");
    if (onset != null) {
      c.setOnset(new DateTimeType(onset.toString()));
    }
    return c;
  }

  void lowBackPainSince(IIdType patient, LocalDate onset) {
    condition(patient, Fixtures.coding(Codes.LOW_BACK_PAIN), onset);
  }

  IIdType aiResult(IIdType patient, Double probability, String qualityFlag) {
    return client
        .create()
        .resource(aiResultResource(patient, probability, qualityFlag))
        .execute()
        .getId()
        .toUnqualifiedVersionless();
  }

  /** An AI result of the model in use for the patient: a probability, or a quality flag. */
  Observation aiResultResource(IIdType patient, Double probability, String qualityFlag) {
    Observation o = new Observation();
    o.addIdentifier()
        .setSystem("http://lumbarcds.org/fhir/NamingSystem/analysis")
        .setValue(
            Fixtures.dicomUid()
                + "|"
                + modelCard.path("id").asText()
                + "|"
                + modelCard.path("version").asText());
    o.setStatus(Observation.ObservationStatus.PRELIMINARY);
    o.getMeta().addSecurity(Fixtures.coding(Codes.SECURITY_AI_ASSERTED));
    o.addCategory(Fixtures.concept(Codes.CATEGORY_IMAGING));
    o.setCode(Fixtures.concept(Codes.LSS_AI_PROBABILITY));
    o.setSubject(new Reference(patient));
    o.setIssued(new Date());
    if (probability != null) {
      o.setValue(
          new Quantity()
              .setValue(probability)
              .setUnit("1")
              .setSystem(CodeSystems.UCUM)
              .setCode("1"));
    } else {
      o.getDataAbsentReason()
          .addCoding()
          .setSystem("http://terminology.hl7.org/CodeSystem/data-absent-reason")
          .setCode("error");
      o.addComponent()
          .setCode(Fixtures.concept(Codes.LSS_AI_QUALITY_FLAG))
          .setValue(
              new CodeableConcept(
                  new Coding(
                      CodeSystems.LUMBAR_CDS, qualityFlag, "Extension lateral view missing")));
    }
    return o;
  }

  double ruleIn() {
    return modelCard.path("operating_points").path("rule_in").path("threshold").asDouble();
  }

  double ruleOut() {
    return modelCard.path("operating_points").path("rule_out").path("threshold").asDouble();
  }

  // --- requests --------------------------------------------------------------------------------

  static ServiceRequest draftMri(String id, IIdType patient) {
    ServiceRequest mri = new ServiceRequest();
    mri.setId(id);
    mri.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
    mri.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
    mri.setCode(Fixtures.concept(Codes.MRI_LSPINE_WO_CONTRAST));
    mri.setSubject(new Reference(patient));
    return mri;
  }

  ObjectNode request(String hook, IIdType patient) {
    ObjectNode r = CdsClient.JSON.createObjectNode();
    r.put("hook", hook);
    r.put("hookInstance", UUID.randomUUID().toString());
    ObjectNode context = r.putObject("context");
    context.put("userId", "Practitioner/example");
    context.put("patientId", patient.getIdPart());
    return r;
  }

  /** An order-sign request by {@code userId} for the patient, with one draft lumbar MRI. */
  static ObjectNode orderSignWithDraftMri(String userId, IIdType patient) throws Exception {
    ObjectNode sign = CdsClient.JSON.createObjectNode();
    sign.put("hook", "order-sign").put("hookInstance", UUID.randomUUID().toString());
    ObjectNode context = sign.putObject("context");
    context.put("userId", userId).put("patientId", patient.getIdPart());
    Bundle drafts = new Bundle().setType(Bundle.BundleType.COLLECTION);
    drafts.addEntry().setResource(draftMri("draft-mri", patient));
    context.set(
        "draftOrders",
        CdsClient.JSON.readTree(FHIR.newJsonParser().encodeResourceToString(drafts)));
    return sign;
  }

  ObjectNode orderSign(IIdType patient, ServiceRequest... drafts) throws Exception {
    ObjectNode r = request("order-sign", patient);
    Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
    for (ServiceRequest d : drafts) {
      bundle.addEntry().setResource(d);
    }
    ((ObjectNode) r.get("context"))
        .set(
            "draftOrders",
            CdsClient.JSON.readTree(FHIR.newJsonParser().encodeResourceToString(bundle)));
    return r;
  }

  /** A feedback item saying the card was overridden for a reason of the project's code system. */
  static ObjectNode overridden(
      com.fasterxml.jackson.databind.node.ArrayNode items,
      JsonNode card,
      String code,
      String display) {
    ObjectNode item =
        items
            .addObject()
            .put("card", card.path("uuid").asText())
            .put("outcome", "overridden")
            .put("outcomeTimestamp", java.time.Instant.now().toString());
    item.putObject("overrideReason")
        .putObject("reason")
        .put("system", CodeSystems.LUMBAR_CDS)
        .put("code", code)
        .put("display", display);
    return item;
  }

  static JsonNode onlyCard(JsonNode response) {
    assertThat(response.path("cards")).hasSize(1);
    JsonNode card = response.path("cards").get(0);
    // what the spec requires of every card
    assertThat(card.path("uuid").asText()).isNotBlank();
    assertThat(card.path("summary").asText()).isNotBlank().hasSizeLessThan(140);
    assertThat(card.path("indicator").asText()).isIn("info", "warning", "critical");
    assertThat(card.path("source").path("label").asText()).isNotBlank();
    assertThat(card.path("source").path("url").asText()).endsWith("/model/card");
    if (card.has("suggestions")) {
      assertThat(card.path("selectionBehavior").asText()).isEqualTo("at-most-one");
      card.path("suggestions")
          .forEach(
              s ->
                  s.path("actions")
                      .forEach(a -> assertThat(a.path("description").asText()).isNotBlank()));
    }
    if (card.has("overrideReasons")) {
      card.path("overrideReasons")
          .forEach(o -> assertThat(o.path("display").asText()).isNotBlank());
    }
    return card;
  }
}
