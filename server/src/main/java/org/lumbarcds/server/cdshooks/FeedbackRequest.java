package org.lumbarcds.server.cdshooks;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * CDS Hooks 2.0.1 feedback ({@code POST /cds-services/{id}/feedback}), bound by Jackson and checked
 * by Bean Validation; the size limits are the columns' ({@link FeedbackStore}).
 *
 * @param feedback one item per card
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record FeedbackRequest(@NotEmpty List<@NotNull @Valid Item> feedback) {

  /**
   * The outcome of one card.
   *
   * @param card the card's uuid
   * @param outcome accepted or overridden
   * @param acceptedSuggestions the suggestions taken
   * @param overrideReason why the card was overridden
   * @param outcomeTimestamp when (default: when received)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Item(
      @NotBlank @Size(max = FeedbackStore.MAX_CODE) String card,
      @NotBlank @Pattern(regexp = "accepted|overridden") String outcome,
      List<@NotNull @Valid AcceptedSuggestion> acceptedSuggestions,
      @Valid OverrideReason overrideReason,
      OffsetDateTime outcomeTimestamp) {

    Item {
      acceptedSuggestions = acceptedSuggestions == null ? List.of() : acceptedSuggestions;
    }

    /** The ids of the suggestions taken. */
    List<String> acceptedIds() {
      return acceptedSuggestions.stream().map(AcceptedSuggestion::id).toList();
    }
  }

  /** A suggestion taken. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record AcceptedSuggestion(@NotBlank String id) {}

  /**
   * Why a card was overridden.
   *
   * @param reason one of the card's override reasons
   * @param userComment the user's words
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record OverrideReason(
      @Valid Coding reason, @Size(max = FeedbackStore.MAX_COMMENT) String userComment) {}

  /** An override reason's coding. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Coding(
      @Size(max = FeedbackStore.MAX_TEXT) String system,
      @Size(max = FeedbackStore.MAX_CODE) String code,
      @Size(max = FeedbackStore.MAX_TEXT) String display) {}
}
