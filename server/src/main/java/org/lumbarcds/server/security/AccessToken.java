package org.lumbarcds.server.security;

import java.util.Optional;

/**
 * A verified access token: who called and what they may do.
 *
 * @param issuer the authorization server that issued it ({@code iss})
 * @param subject its {@code sub}: the user, or the client's service account
 * @param clientId the client it was issued to ({@code client_id}, else {@code azp}), if named
 * @param scopes what it grants
 * @param patient the patient whose compartment {@code patient/} scopes reach (the configured claim,
 *     {@code patient} by default, as SMART's launch context names it), if any
 */
public record AccessToken(
    String issuer,
    Optional<String> subject,
    Optional<String> clientId,
    SmartScopes scopes,
    Optional<String> patient) {

  /** Request attribute under which the resource-server filter leaves the verified token. */
  public static final String ATTRIBUTE = "org.lumbarcds.security.accessToken";
}
