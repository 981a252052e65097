package org.lumbarcds.cds.hooks;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The JSON of CDS Hooks 2.0.1 that this server writes: discovery, responses, cards and their parts.
 * Absent or empty fields are left out. Requests are read as {@link HookRequest}.
 */
public final class CdsHooks {

  private CdsHooks() {}

  /** {@code GET /cds-services}. */
  public record Discovery(List<Service> services) {}

  /** One service of the discovery answer. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Service(
      String hook, String title, String description, String id, Map<String, String> prefetch) {}

  /** A service's answer. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Response(List<Card> cards, List<Action> systemActions) {
    public Response {
      cards = List.copyOf(cards);
      systemActions = systemActions == null ? List.of() : List.copyOf(systemActions);
    }

    /** "No advice". */
    public static Response none() {
      return new Response(List.of(), List.of());
    }

    // cards is required, even when empty
    @Override
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public List<Card> cards() {
      return cards;
    }
  }

  /** A card. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Card(
      String uuid,
      String summary,
      String detail,
      String indicator,
      Source source,
      List<Suggestion> suggestions,
      String selectionBehavior,
      List<Coding> overrideReasons,
      List<Link> links) {
    /** The spec's limit on a summary's length. */
    public static final int MAX_SUMMARY = 140;

    public Card {
      if (summary == null || summary.isBlank() || summary.length() >= MAX_SUMMARY) {
        throw new IllegalArgumentException("a card summary must be 1 to 139 characters");
      }
      if (suggestions != null && !suggestions.isEmpty() && selectionBehavior == null) {
        throw new IllegalArgumentException("suggestions need a selectionBehavior");
      }
    }

    /** The same card with other links. */
    public Card withLinks(List<Link> newLinks) {
      return new Card(
          uuid,
          summary,
          detail,
          indicator,
          source,
          suggestions,
          selectionBehavior,
          overrideReasons,
          newLinks);
    }
  }

  /** Who the advice is from. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Source(String label, String url, Coding topic) {}

  /** A coding (topic, override reason). */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Coding(String system, String code, String display) {}

  /** A suggestion: its actions are applied together. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Suggestion(
      String label, String uuid, Boolean isRecommended, List<Action> actions) {}

  /** create / update with a resource, delete with a resourceId. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Action(String type, String description, JsonNode resource, String resourceId) {}

  /** A link the card offers. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Link(String label, String url, String type) {}
}
