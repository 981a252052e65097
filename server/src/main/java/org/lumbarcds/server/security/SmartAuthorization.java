package org.lumbarcds.server.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizedList;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOp;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOpClassifier;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import ca.uhn.fhir.rest.server.interceptor.auth.SearchNarrowingInterceptor;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;

/**
 * SMART scopes on the FHIR API, in two steps that both must pass:
 *
 * <ol>
 *   <li>{@link #checkInteraction}: the interaction, by SMART v2's letters, on the resource type,
 *       for the request and for each entry of a batch or transaction: read {@code r} (read, vread,
 *       an instance's history), search {@code s} (search, a type's history; {@code *} for a search
 *       across types), create {@code c}, update {@code u} (update, patch), delete {@code d}.
 *       Operations: only {@code $validate} (any letter on the type), the terminology operations and
 *       {@code $everything}, {@code $meta} ({@code r}); every other operation is refused.
 *   <li>HAPI's {@link AuthorizationInterceptor} with rules built from the scopes ({@link
 *       #buildRuleList}): which types, and for {@code patient/} scopes only the compartment of the
 *       token's patient, checked on what is read (search results, includes) and on what is written.
 * </ol>
 *
 * A {@code patient/}-only token's searches are narrowed to its patient's compartment first ({@link
 * Narrowing}), so a search without a patient parameter finds that patient's resources rather than
 * being refused. {@code user/} scopes are honoured as {@code system/} ones: the server has no
 * per-user rules of its own; the authorization server decides what a user's token carries.
 */
public class SmartAuthorization extends AuthorizationInterceptor {

  private static final Set<String> TERMINOLOGY_OPERATIONS =
      Set.of("$expand", "$lookup", "$validate-code", "$subsumes", "$translate");

  public SmartAuthorization() {
    super(PolicyEnum.DENY);
  }

  /** The verified token of a request (left by {@link ResourceServerFilter}), if any. */
  static Optional<AccessToken> token(RequestDetails request) {
    if (request instanceof ServletRequestDetails servlet && servlet.getServletRequest() != null) {
      return Optional.ofNullable(
          (AccessToken) servlet.getServletRequest().getAttribute(AccessToken.ATTRIBUTE));
    }
    return Optional.empty();
  }

  /** Step 1: the interaction's letter on the type, for the request and each bundle entry. */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void checkInteraction(RequestDetails request, RestOperationTypeEnum operation) {
    if (operation == RestOperationTypeEnum.METADATA) {
      return;
    }
    SmartScopes scopes = token(request).map(AccessToken::scopes).orElse(SmartScopes.parse(""));
    String type = request.getResourceName();
    boolean allowed =
        switch (operation) {
          case READ, VREAD, HISTORY_INSTANCE -> scopes.allows('r', type);
          case SEARCH_TYPE, HISTORY_TYPE -> scopes.allows('s', type);
          case SEARCH_SYSTEM, HISTORY_SYSTEM -> scopes.allows('s', "*");
          case CREATE -> scopes.allows('c', type);
          case UPDATE, PATCH -> scopes.allows('u', type);
          case DELETE -> scopes.allows('d', type);
          case GET_PAGE -> true; // what a page holds is checked as it is sent (step 2)
          case TRANSACTION, BATCH -> entriesAllowed(scopes, request);
          case EXTENDED_OPERATION_SERVER, EXTENDED_OPERATION_TYPE, EXTENDED_OPERATION_INSTANCE ->
              operationAllowed(scopes, request.getOperation(), type);
          default -> false;
        };
    if (!allowed) {
      ForbiddenOperationException refused =
          new ForbiddenOperationException("the access token's scopes do not allow this");
      refused.addResponseHeader(
          "WWW-Authenticate", "Bearer realm=\"lumbar-cds\", error=\"insufficient_scope\"");
      throw refused;
    }
  }

  private static boolean operationAllowed(SmartScopes scopes, String operation, String type) {
    if (operation == null || type == null) {
      return false; // no server-level operation is open to tokens
    }
    if (operation.equals("$validate")) {
      return scopes.allows('c', type) || scopes.allows('u', type) || scopes.allows('r', type);
    }
    if (TERMINOLOGY_OPERATIONS.contains(operation)
        || operation.equals("$everything")
        || operation.equals("$meta")) {
      return scopes.allows('r', type);
    }
    return false;
  }

  private static boolean entriesAllowed(SmartScopes scopes, RequestDetails request) {
    if (!(request.getResource() instanceof Bundle bundle)) {
      return false;
    }
    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
      Bundle.BundleEntryRequestComponent call = entry.getRequest();
      String url = call.getUrl() == null ? "" : call.getUrl();
      String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
      String[] parts = path.split("/");
      String type =
          parts.length > 0 && !parts[0].isEmpty()
              ? parts[0]
              : entry.hasResource() ? entry.getResource().fhirType() : "";
      if (type.startsWith("$") || (parts.length > 1 && parts[parts.length - 1].startsWith("$"))) {
        return false; // operations inside bundles are not opened to tokens
      }
      char letter =
          switch (call.getMethod() == null ? Bundle.HTTPVerb.NULL : call.getMethod()) {
            case GET, HEAD -> parts.length > 1 && !url.contains("?") ? 'r' : 's';
            case POST -> 'c';
            case PUT, PATCH -> 'u';
            case DELETE -> 'd';
            default -> 0;
          };
      if (letter == 0 || type.isEmpty() || !scopes.allows(letter, type)) {
        return false;
      }
    }
    return true;
  }

  /** Step 2: the types, and the patient's compartment for {@code patient/} scopes. */
  @Override
  public List<IAuthRule> buildRuleList(RequestDetails request) {
    RuleBuilder rules = new RuleBuilder();
    rules.allow().metadata();
    Optional<AccessToken> token = token(request);
    if (token.isEmpty()) {
      return rules.denyAll().build();
    }
    // $everything returns what the token may read, no more; other allowed operations return
    // terminology or validation results, not patient data
    rules
        .allow()
        .operation()
        .named("$everything")
        .onInstancesOfType(Patient.class)
        .andRequireExplicitResponseAuthorization();
    rules.allow().operation().withAnyName().atAnyLevel().andAllowAllResponses();
    rules.allow().transaction().withAnyOperation().andApplyNormalRules();
    if (!token.get().scopes().allows('r', SmartScopes.AUDIT_EVENT)) {
      // a wildcard read (an include, a compartment) reaches no AuditEvent
      rules.deny().read().resourcesOfType(SmartScopes.AUDIT_EVENT).withAnyId();
    }
    Optional<IdType> patient = token.get().patient().map(p -> new IdType("Patient", p));
    boolean patches = false;
    for (SmartScopes.Grant grant : token.get().scopes().grants()) {
      if (grant.context() == SmartScopes.Context.PATIENT && patient.isEmpty()) {
        continue; // a patient/ scope without a patient reaches nothing
      }
      Set<Character> letters = grant.interactions();
      if (letters.contains('r') || letters.contains('s')) {
        limit(types(rules.allow().read(), grant.type()), grant, patient);
      }
      if (letters.contains('u')) {
        limit(types(rules.allow().write(), grant.type()), grant, patient);
        patches = true;
      } else if (letters.contains('c')) {
        limit(types(rules.allow().create(), grant.type()), grant, patient);
      }
      if (letters.contains('d')) {
        IAuthRuleBuilderRuleOpClassifier delete =
            grant.type().equals("*")
                ? rules.allow().delete().allResources()
                : rules.allow().delete().resourcesOfType(grant.type());
        limit(delete, grant, patient);
      }
    }
    if (patches) {
      // the patched resource is checked against the write rules as it is stored
      rules.allow().patch().allRequests();
    }
    return rules.denyAll().build();
  }

  private static IAuthRuleBuilderRuleOpClassifier types(IAuthRuleBuilderRuleOp op, String type) {
    return type.equals("*") ? op.allResources() : op.resourcesOfType(type);
  }

  private static void limit(
      IAuthRuleBuilderRuleOpClassifier rule, SmartScopes.Grant grant, Optional<IdType> patient) {
    if (grant.context() == SmartScopes.Context.PATIENT) {
      rule.inCompartment("Patient", patient.orElseThrow());
    } else {
      rule.withAnyId();
    }
  }

  /**
   * Narrows the searches of a token whose resource scopes are all {@code patient/} ones to its
   * patient's compartment (HAPI's {@link SearchNarrowingInterceptor}).
   */
  public static class Narrowing extends SearchNarrowingInterceptor {
    @Override
    protected AuthorizedList buildAuthorizedList(RequestDetails request) {
      Optional<AccessToken> token = token(request);
      if (token.isPresent()
          && token.get().scopes().patientOnly()
          && token.get().patient().isPresent()) {
        return new AuthorizedList().addCompartment("Patient/" + token.get().patient().get());
      }
      return null;
    }
  }
}
