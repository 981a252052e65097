package org.lumbarcds.server.cdshooks;

import jakarta.validation.Validator;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import org.lumbarcds.cds.hooks.CdsServices;
import org.lumbarcds.cds.hooks.HookException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * CDS Hooks feedback: {@code POST /cds-services/{id}/feedback} stores the outcome of cards (all
 * items or none); {@code GET} reads it back since a time, with counts, for the service's owners.
 */
@RestController
class CdsFeedbackController {

  private static final Logger log = LoggerFactory.getLogger(CdsFeedbackController.class);

  private final CdsServices services;
  private final FeedbackStore feedback;
  private final Validator validator;

  CdsFeedbackController(CdsServices services, FeedbackStore feedback, Validator validator) {
    this.services = services;
    this.feedback = feedback;
    this.validator = validator;
  }

  @PostMapping(path = "/cds-services/{id}/feedback", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Void> feedback(@PathVariable String id, @RequestBody FeedbackRequest body) {
    services.service(id);
    CdsServices.requireValid(validator, body);
    List<FeedbackStore.Feedback> items =
        body.feedback().stream().map(item -> FeedbackStore.Feedback.of(id, item)).toList();
    if (items.stream()
        .anyMatch(
            f ->
                String.join(",", f.acceptedSuggestions()).length()
                    > FeedbackStore.MAX_SUGGESTIONS)) {
      throw HookException.badRequest("acceptedSuggestions is too long");
    }
    feedback.save(id, items);
    log.info("CDS Hooks feedback: {} item(s) for {}", items.size(), id);
    return ResponseEntity.ok().build();
  }

  @GetMapping(path = "/cds-services/{id}/feedback", produces = MediaType.APPLICATION_JSON_VALUE)
  FeedbackStore.Report feedbackSince(
      @PathVariable String id, @RequestParam Optional<String> since) {
    services.service(id);
    Instant from;
    try {
      from = since.map(Instant::parse).orElse(Instant.EPOCH);
    } catch (DateTimeParseException e) {
      throw HookException.badRequest("since must be an instant (e.g. 2026-01-01T00:00:00Z)");
    }
    return FeedbackStore.Report.of(id, feedback.since(id, from));
  }
}
