package org.lumbarcds.server.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;

/**
 * How a client finds out how to get a token: {@code /fhir/.well-known/smart-configuration} (SMART
 * App Launch 2.2, relative to the FHIR base) and the CapabilityStatement's {@code rest.security},
 * both naming the first configured authorization server.
 *
 * <p>The configuration document lists what this resource server supports with it: Backend Services
 * ({@code client_credentials} with an asymmetric client key, {@code
 * client-confidential-asymmetric}), SMART v2 scopes ({@code permission-v2}) in the system, user and
 * patient contexts, and, when an authorization endpoint is configured, the authorization code grant
 * with PKCE {@code S256}. The CapabilityStatement carries the {@code SMART-on-FHIR} service
 * (CodeSystem restful-security-service, FHIR R4) and, with an authorization endpoint, the {@code
 * oauth-uris} extension (whose {@code authorize} and {@code token} are both required).
 */
public final class SmartDiscovery {

  /**
   * FHIR R4 CodeSystem restful-security-service
   * (http://hl7.org/fhir/R4/codesystem-restful-security-service.html).
   */
  static final String SECURITY_SERVICE_SYSTEM =
      "http://terminology.hl7.org/CodeSystem/restful-security-service";

  /** FHIR R4 extension oauth-uris (http://hl7.org/fhir/R4/extension-oauth-uris.html). */
  static final String OAUTH_URIS =
      "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

  private final SecurityProperties.AuthorizationServer server;

  public SmartDiscovery(SecurityProperties.AuthorizationServer server) {
    this.server = server;
  }

  /** The SMART configuration document. */
  Map<String, Object> configuration() {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("issuer", server.issuer());
    if (server.jwksUrl() != null) {
      document.put("jwks_uri", server.jwksUrl().toString());
    }
    boolean userLogins = server.authorizationEndpoint() != null;
    if (userLogins) {
      document.put("authorization_endpoint", server.authorizationEndpoint().toString());
    }
    document.put(
        "grant_types_supported",
        userLogins
            ? List.of("client_credentials", "authorization_code")
            : List.of("client_credentials"));
    if (server.tokenEndpoint() != null) {
      document.put("token_endpoint", server.tokenEndpoint().toString());
    }
    document.put("token_endpoint_auth_methods_supported", List.of("private_key_jwt"));
    document.put("token_endpoint_auth_signing_alg_values_supported", List.of("RS384", "ES384"));
    document.put(
        "scopes_supported",
        List.of(
            "system/*.cruds",
            "system/Patient.rs",
            "system/ServiceRequest.rs",
            "system/ImagingStudy.cruds",
            "system/Observation.rs",
            "user/*.rs",
            "patient/*.rs",
            ResourceServerFilter.OPS_SCOPE));
    document.put("response_types_supported", userLogins ? List.of("code") : List.of());
    document.put("code_challenge_methods_supported", List.of("S256"));
    document.put(
        "capabilities",
        userLogins
            ? List.of(
                "client-confidential-asymmetric",
                "permission-v2",
                "permission-patient",
                "permission-user",
                "launch-standalone")
            : List.of("client-confidential-asymmetric", "permission-v2"));
    return document;
  }

  /** Adds {@code rest.security} to the CapabilityStatement HAPI generates. */
  @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
  public void capabilityStatement(IBaseConformance generated) {
    if (!(generated instanceof CapabilityStatement statement)) {
      return;
    }
    for (CapabilityStatement.CapabilityStatementRestComponent rest : statement.getRest()) {
      CapabilityStatement.CapabilityStatementRestSecurityComponent security =
          new CapabilityStatement.CapabilityStatementRestSecurityComponent();
      security.setCors(true);
      security.addService(
          new CodeableConcept(
              new Coding(SECURITY_SERVICE_SYSTEM, "SMART-on-FHIR", "SMART-on-FHIR")));
      security.setDescription(
          "OAuth 2.0 bearer tokens with SMART v2 scopes; see .well-known/smart-configuration");
      if (server.authorizationEndpoint() != null && server.tokenEndpoint() != null) {
        Extension uris = new Extension(OAUTH_URIS);
        uris.addExtension("authorize", new UriType(server.authorizationEndpoint().toString()));
        uris.addExtension("token", new UriType(server.tokenEndpoint().toString()));
        security.addExtension(uris);
      }
      rest.setSecurity(security);
    }
  }

  /** The servlet answering {@code /fhir/.well-known/smart-configuration}. */
  HttpServlet servlet() {
    ObjectMapper json = new ObjectMapper();
    byte[] body;
    try {
      body = json.writeValueAsBytes(configuration());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest request, HttpServletResponse response)
          throws IOException {
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "max-age=300");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
      }
    };
  }
}
