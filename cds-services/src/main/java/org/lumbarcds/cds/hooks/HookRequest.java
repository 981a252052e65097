package org.lumbarcds.cds.hooks;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A CDS Hooks 2.0.1 service call as the EHR sends it ({@code POST /cds-services/{id}}): bound by
 * Jackson, checked by Bean Validation. Fields this server does not use are ignored.
 *
 * @param hook the hook that fired; must be the service's
 * @param hookInstance the call's unique id
 * @param fhirServer the EHR's FHIR base URL, if the service may query it
 * @param fhirAuthorization the token for {@code fhirServer}, if any
 * @param context the hook's context
 * @param prefetch the prefetched data by key ({@code null} values: the EHR found none)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HookRequest(
    @NotBlank String hook,
    @NotBlank String hookInstance,
    String fhirServer,
    @Valid FhirAuthorization fhirAuthorization,
    @NotNull @Valid Context context,
    ObjectNode prefetch) {

  /** The OAuth 2.0 token for {@code fhirServer}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record FhirAuthorization(
      @JsonProperty("access_token") String accessToken,
      @JsonProperty("token_type") String tokenType,
      String scope,
      String subject) {}

  /**
   * The context fields of the hooks this server answers (order-select, order-sign, patient-view and
   * {@code org.lumbarcds.order-complete}).
   *
   * @param userId the user, e.g. {@code Practitioner/123}
   * @param patientId the patient's id
   * @param encounterId the encounter, if any
   * @param draftOrders order-select, order-sign: a Bundle of the draft orders
   * @param selections order-select: the orders just selected ({@code ServiceRequest/…})
   * @param serviceRequestId order-complete: the completed order
   * @param imagingStudyId order-complete: the study to analyse, if named
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Context(
      String userId,
      String patientId,
      String encounterId,
      ObjectNode draftOrders,
      List<String> selections,
      String serviceRequestId,
      String imagingStudyId) {

    public Context {
      selections = selections == null ? List.of() : List.copyOf(selections);
    }

    /** The text fields given (not blank), by name: what prefetch templates are filled from. */
    public Map<String, String> fields() {
      Map<String, String> fields = new LinkedHashMap<>();
      put(fields, "userId", userId);
      put(fields, "patientId", patientId);
      put(fields, "encounterId", encounterId);
      put(fields, "serviceRequestId", serviceRequestId);
      put(fields, "imagingStudyId", imagingStudyId);
      return fields;
    }

    /** Whether the named field was given. */
    public boolean has(String field) {
      return field.equals("draftOrders") ? draftOrders != null : fields().containsKey(field);
    }

    private static void put(Map<String, String> fields, String name, String value) {
      if (value != null && !value.isBlank()) {
        fields.put(name, value);
      }
    }
  }

  /** The access token, when {@code fhirAuthorization} has one. */
  public Optional<String> accessToken() {
    return Optional.ofNullable(fhirAuthorization)
        .map(FhirAuthorization::accessToken)
        .filter(t -> !t.isBlank());
  }

  /** The EHR's FHIR base URL, when given. */
  public Optional<String> fhirServerUrl() {
    return Optional.ofNullable(fhirServer).filter(s -> !s.isBlank());
  }
}
