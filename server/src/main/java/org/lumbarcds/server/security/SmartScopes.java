package org.lumbarcds.server.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SMART scopes of an access token (SMART App Launch 2.2, "Scopes for requesting FHIR
 * resources"): {@code patient/}, {@code user/} or {@code system/}, a resource type or {@code *},
 * and the interactions granted: SMART v2's letters in their order ({@code c} create, {@code r}
 * read, {@code u} update, {@code d} delete, {@code s} search, e.g. {@code system/Observation.rs})
 * or SMART v1's {@code read} (= {@code rs}), {@code write} (= {@code cud}) and {@code *}.
 *
 * <p>What is not understood grants nothing: a scope with a query ({@code
 * patient/Observation.rs?category=laboratory}), letters out of order, an unknown context. A granted
 * scope is never widened: a narrower reading is always the safe one. Other scopes ({@code openid},
 * {@code launch/patient}, this server's {@code lumbarcds.ops}) are kept as they are, for {@link
 * #has(String)}.
 *
 * <p>The audit trail ({@code AuditEvent}) is reached only by a scope that names it, e.g. {@code
 * system/AuditEvent.rs}, the security team's; it is never written through the API.
 */
public final class SmartScopes {

  /**
   * The audit trail's type: no wildcard reaches it ({@code system/*.rs} reads no AuditEvent); a
   * scope that names it grants read and search, never a write.
   */
  public static final String AUDIT_EVENT = "AuditEvent";

  /** Whose data a scope reaches. */
  public enum Context {
    /** the compartment of the patient named in the token */
    PATIENT,
    /** whatever the user may see (this server has no per-user rules: as {@code system}) */
    USER,
    /** a backend service's own access */
    SYSTEM
  }

  /** One interaction on one resource type in one context ({@code type} {@code *}: every type). */
  public record Grant(Context context, String type, Set<Character> interactions) {
    boolean covers(char interaction, String resourceType) {
      if (AUDIT_EVENT.equals(resourceType)) {
        // the audit trail: only a scope that names it, and only read and search
        return type.equals(AUDIT_EVENT)
            && "rs".indexOf(interaction) >= 0
            && interactions.contains(interaction);
      }
      return interactions.contains(interaction) && (type.equals("*") || type.equals(resourceType));
    }
  }

  private static final Pattern SCOPE =
      Pattern.compile(
          "(patient|user|system)/(\\*|[A-Z][A-Za-z]{1,63})\\.(c?r?u?d?s?|read|write|\\*)");

  private final List<Grant> grants;
  private final Set<String> scopes;

  private SmartScopes(List<Grant> grants, Set<String> scopes) {
    this.grants = List.copyOf(grants);
    this.scopes = Set.copyOf(scopes);
  }

  /** The scopes of a token, as its {@code scope} claim lists them (space-separated). */
  public static SmartScopes parse(String scope) {
    return parse(scope == null ? List.of() : List.of(scope.strip().split("\\s+")));
  }

  /** The scopes of a token, one per element. */
  public static SmartScopes parse(Collection<String> scopes) {
    List<Grant> grants = new ArrayList<>();
    Set<String> all = new LinkedHashSet<>();
    for (String scope : scopes) {
      if (scope == null || scope.isBlank()) {
        continue;
      }
      all.add(scope);
      grant(scope).ifPresent(grants::add);
    }
    return new SmartScopes(grants, all);
  }

  private static Optional<Grant> grant(String scope) {
    Matcher m = SCOPE.matcher(scope);
    if (!m.matches() || m.group(3).isEmpty()) {
      return Optional.empty();
    }
    String letters =
        switch (m.group(3)) {
          case "read" -> "rs";
          case "write" -> "cud";
          case "*" -> "cruds";
          default -> m.group(3);
        };
    Set<Character> interactions = new LinkedHashSet<>();
    letters.chars().forEach(c -> interactions.add((char) c));
    return Optional.of(
        new Grant(
            Context.valueOf(m.group(1).toUpperCase(java.util.Locale.ROOT)),
            m.group(2),
            Set.copyOf(interactions)));
  }

  /** The resource scopes understood, in the token's order. */
  public List<Grant> grants() {
    return grants;
  }

  /** Whether the token carries this scope word for word. */
  public boolean has(String scope) {
    return scopes.contains(scope);
  }

  /** Whether some scope, in any context, grants the interaction on the type. */
  public boolean allows(char interaction, String resourceType) {
    return grants.stream().anyMatch(g -> g.covers(interaction, resourceType));
  }

  /**
   * Whether a {@code system/} or {@code user/} scope grants the interaction on the type: access
   * beyond one patient's compartment.
   */
  public boolean allowsBeyondPatient(char interaction, String resourceType) {
    return grants.stream()
        .anyMatch(g -> g.context() != Context.PATIENT && g.covers(interaction, resourceType));
  }

  /** Whether every resource scope is a {@code patient/} one (and there is one). */
  public boolean patientOnly() {
    return !grants.isEmpty() && grants.stream().allMatch(g -> g.context() == Context.PATIENT);
  }

  @Override
  public String toString() {
    return String.join(" ", scopes);
  }
}
