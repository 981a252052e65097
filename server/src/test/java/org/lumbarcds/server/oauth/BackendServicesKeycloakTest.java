package org.lumbarcds.server.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The server as a SMART Backend Services client of a real authorization server: Keycloak, with a
 * client that authenticates by {@code private_key_jwt} (its public key registered as a JWKS) and
 * may ask for the scope {@code system/ImagingStudy.rs}; its tokens carry the PACS as audience.
 */
@Tag("keycloak")
class BackendServicesKeycloakTest {

  private static final String REALM = "lumbarcds-test";
  private static final String CLIENT = "lumbarcds-pacs-reader";
  private static final String PACS = "https://pacs.example.test/dicom-web";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static RSAKey key;
  private static KeycloakServer keycloak;

  @BeforeAll
  static void start() throws Exception {
    key = new RSAKeyGenerator(2048).keyID("pacs-reader-1").keyUse(KeyUse.SIGNATURE).generate();
    keycloak = KeycloakServer.start(REALM, realm(new JWKSet(key.toPublicJWK()).toString()));
  }

  @AfterAll
  static void stop() throws IOException {
    if (keycloak != null) {
      keycloak.close();
    }
  }

  /** The realm: one backend-services client, one SMART scope, an audience mapper. */
  static String realm(String jwks) throws IOException {
    ObjectNode realm = JSON.createObjectNode();
    realm.put("realm", REALM).put("enabled", true);
    ArrayNode scopes = realm.putArray("clientScopes");
    scopes
        .addObject()
        .put("name", "system/ImagingStudy.rs")
        .put("protocol", "openid-connect")
        .putObject("attributes")
        .put("include.in.token.scope", "true")
        .put("display.on.consent.screen", "false");
    ObjectNode client = realm.putArray("clients").addObject();
    client
        .put("clientId", CLIENT)
        .put("enabled", true)
        .put("publicClient", false)
        .put("bearerOnly", false)
        .put("standardFlowEnabled", false)
        .put("serviceAccountsEnabled", true)
        .put("clientAuthenticatorType", "client-jwt");
    client
        .putObject("attributes")
        .put("use.jwks.string", "true")
        .put("jwks.string", jwks)
        .put("token.endpoint.auth.signing.alg", "RS384");
    client.putArray("optionalClientScopes").add("system/ImagingStudy.rs");
    client.putArray("defaultClientScopes");
    client
        .putArray("protocolMappers")
        .addObject()
        .put("name", "pacs-audience")
        .put("protocol", "openid-connect")
        .put("protocolMapper", "oidc-audience-mapper")
        .putObject("config")
        .put("included.custom.audience", PACS)
        .put("access.token.claim", "true")
        .put("id.token.claim", "false");
    return JSON.writeValueAsString(realm);
  }

  private static BackendServicesClient client(RSAKey signingKey, String scope) {
    return new BackendServicesClient(
        new BackendServicesClient.Settings(
            keycloak.tokenUrl(REALM), CLIENT, signingKey, scope, Duration.ofSeconds(10)),
        Clock.systemUTC());
  }

  @Test
  void theServerGetsAnAccessTokenForThePacsWithItsSignedAssertion() throws Exception {
    BackendServicesClient client = client(key, "system/ImagingStudy.rs");
    String header = client.authorization().orElseThrow();
    assertThat(header).startsWith("Bearer ");
    // the token as the PACS would check it: Keycloak's signature, issuer, audience, scope
    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    processor.setJWSKeySelector(
        new JWSVerificationKeySelector<>(
            Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.ES384),
            JWKSourceBuilder.create(keycloak.jwksUrl(REALM).toURL()).build()));
    JWTClaimsSet claims = processor.process(header.substring(7), null);
    assertThat(claims.getIssuer()).isEqualTo(keycloak.issuer(REALM));
    assertThat(claims.getAudience()).contains(PACS);
    assertThat(claims.getStringClaim("azp")).isEqualTo(CLIENT);
    assertThat(claims.getStringClaim("scope").split(" ")).contains("system/ImagingStudy.rs");
    // kept: the same token for the next request
    assertThat(client.authorization()).contains(header);
  }

  @Test
  void aForeignKeyOrAScopeNotGrantedIsRefused() throws Exception {
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("pacs-reader-1").generate();
    assertThatThrownBy(() -> client(stranger, "system/ImagingStudy.rs").authorization())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("invalid_client");
    assertThatThrownBy(() -> client(key, "system/Patient.cruds").authorization())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("invalid_scope");
  }
}
