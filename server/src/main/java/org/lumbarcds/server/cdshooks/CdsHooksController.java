package org.lumbarcds.server.cdshooks;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.analysis.AnalysisException;
import org.lumbarcds.cds.hooks.CdsHooks;
import org.lumbarcds.cds.hooks.MriAdviceHooks;
import org.lumbarcds.cds.hooks.PatientRecord;
import org.lumbarcds.server.analysis.OrderAnalysis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * CDS Hooks 2.0.1 over HTTP: discovery ({@code GET /cds-services}), the services ({@code POST
 * /cds-services/{id}}) and feedback ({@code POST /cds-services/{id}/feedback}; {@code GET} reads it
 * back). Reads the request, resolves the patient's record, runs the analysis for order-complete,
 * and hands the rest to {@link MriAdviceHooks}. Every error is a JSON object ({@code error}, {@code
 * message}); request bodies are never logged.
 */
@RestController
class CdsHooksController {

  private static final Logger log = LoggerFactory.getLogger(CdsHooksController.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A request the service refuses, with its status. */
  static final class Refusal extends RuntimeException {
    final HttpStatus status;

    Refusal(HttpStatus status, String message) {
      super(message);
      this.status = status;
    }
  }

  private final MriAdviceHooks hooks;
  private final RecordResolver records;
  private final OrderAnalysis analysis;
  private final FeedbackStore feedback;
  private final FhirContext fhir;
  private final Map<String, List<String>> allowedFhirServers;
  private final org.lumbarcds.server.viewer.ViewerLinks viewerLinks;
  private final org.lumbarcds.server.network.ServerAddress address;

  CdsHooksController(
      MriAdviceHooks hooks,
      RecordResolver records,
      OrderAnalysis analysis,
      FeedbackStore feedback,
      FhirContext fhir,
      CdsHooksProperties properties,
      org.lumbarcds.server.viewer.ViewerLinks viewerLinks,
      org.lumbarcds.server.network.ServerAddress address) {
    this.viewerLinks = viewerLinks;
    this.address = address;
    this.allowedFhirServers = new java.util.HashMap<>();
    properties.issuers().forEach(i -> allowedFhirServers.put(i.issuer(), i.fhirServers()));
    this.hooks = hooks;
    this.records = records;
    this.analysis = analysis;
    this.feedback = feedback;
    this.fhir = fhir;
  }

  @GetMapping(path = "/cds-services", produces = MediaType.APPLICATION_JSON_VALUE)
  CdsHooks.Discovery discovery() {
    return new CdsHooks.Discovery(
        hooks.definitions().stream().map(MriAdviceHooks.Definition::discovery).toList());
  }

  @PostMapping(
      path = "/cds-services/{id}",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  CdsHooks.Response call(
      @PathVariable String id,
      @RequestBody String body,
      jakarta.servlet.http.HttpServletRequest servletRequest) {
    MriAdviceHooks.Definition service =
        hooks
            .definition(id)
            .orElseThrow(() -> new Refusal(HttpStatus.NOT_FOUND, "no CDS service " + id));
    JsonNode request = parse(body);
    if (!service.hook().equals(text(request, "hook"))) {
      throw new Refusal(
          HttpStatus.BAD_REQUEST, "service " + id + " answers the hook " + service.hook());
    }
    if (text(request, "hookInstance") == null) {
      throw new Refusal(HttpStatus.BAD_REQUEST, "hookInstance is required");
    }
    JsonNode context = request.get("context");
    if (context == null || !context.isObject()) {
      throw new Refusal(HttpStatus.BAD_REQUEST, "context is required");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    context
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isTextual()) {
                fields.put(e.getKey(), e.getValue().asText());
              }
            });
    for (String required : service.contextFields()) {
      if (!context.hasNonNull(required)) {
        throw new Refusal(HttpStatus.BAD_REQUEST, "context." + required + " is required");
      }
    }
    Optional<String> fhirServer = Optional.ofNullable(text(request, "fhirServer"));
    fhirServer.ifPresent(url -> checkFhirServer(url, servletRequest));
    JsonNode authorization = request.get("fhirAuthorization");
    Optional<String> token = Optional.empty();
    if (authorization != null && !authorization.isNull()) {
      if (fhirServer.isEmpty()) {
        throw new Refusal(HttpStatus.BAD_REQUEST, "fhirAuthorization needs fhirServer");
      }
      token = Optional.ofNullable(text(authorization, "access_token"));
    }
    RecordResolver.Call call =
        new RecordResolver.Call(
            Optional.ofNullable(request.get("prefetch")).filter(JsonNode::isObject),
            fhirServer,
            token,
            fields);
    MriAdviceHooks.Answer answer;
    try {
      answer = answer(service, call, context);
    } catch (RecordResolver.Missing e) {
      throw new Refusal(HttpStatus.PRECONDITION_FAILED, e.getMessage());
    } catch (RecordResolver.BadRequest e) {
      throw new Refusal(HttpStatus.BAD_REQUEST, e.getMessage());
    }
    feedback.issued(id, answer.issued());
    Object caller = servletRequest.getAttribute(CdsHooksSecurityFilter.CALLER);
    return withViewerAccess(
        answer.response(),
        fields.getOrDefault("patientId", ""),
        Optional.ofNullable(fields.get("userId")),
        caller instanceof ClientJwtVerifier.Caller c ? Optional.of(c.issuer()) : Optional.empty());
  }

  /**
   * Each viewer link opens its result for the user the card is shown to (a token in it), and only
   * for a result of this server about the call's patient; any other viewer link is dropped.
   */
  private CdsHooks.Response withViewerAccess(
      CdsHooks.Response response, String patient, Optional<String> user, Optional<String> issuer) {
    String root = address.root();
    List<CdsHooks.Card> cards =
        response.cards().stream()
            .map(
                c ->
                    c.links() == null || c.links().isEmpty()
                        ? c
                        : c.withLinks(
                            c.links().stream()
                                .flatMap(
                                    l ->
                                        viewerLinks
                                            .withAccess(l.url(), root, patient, user, issuer)
                                            .map(u -> new CdsHooks.Link(l.label(), u, l.type()))
                                            .stream())
                                .toList()))
            .toList();
    return new CdsHooks.Response(cards, response.systemActions());
  }

  private MriAdviceHooks.Answer answer(
      MriAdviceHooks.Definition service, RecordResolver.Call call, JsonNode context)
      throws RecordResolver.Missing {
    return switch (service.id()) {
      case MriAdviceHooks.ORDER_SELECT -> {
        List<ServiceRequest> drafts = draftOrders(context);
        List<String> selections = new ArrayList<>();
        context.path("selections").forEach(s -> selections.add(s.asText()));
        List<ServiceRequest> selected =
            drafts.stream()
                .filter(o -> selections.contains("ServiceRequest/" + o.getIdElement().getIdPart()))
                .toList();
        yield advise(service, call, selected);
      }
      case MriAdviceHooks.ORDER_SIGN -> advise(service, call, draftOrders(context));
      case MriAdviceHooks.PATIENT_VIEW -> hooks.patientView(records.resolve(service, call));
      case MriAdviceHooks.ORDER_COMPLETE -> orderComplete(service, call);
      default -> throw new IllegalStateException(service.id());
    };
  }

  /** No lumbar MRI among the orders: no advice, and the record is not even read. */
  private MriAdviceHooks.Answer advise(
      MriAdviceHooks.Definition service, RecordResolver.Call call, List<ServiceRequest> orders)
      throws RecordResolver.Missing {
    if (!hooks.anyLumbarMri(orders)) {
      return MriAdviceHooks.Answer.none();
    }
    return hooks.orderAdvice(records.resolve(service, call), orders);
  }

  private MriAdviceHooks.Answer orderComplete(
      MriAdviceHooks.Definition service, RecordResolver.Call call) throws RecordResolver.Missing {
    String orderId = call.context().get("serviceRequestId").replaceFirst("^ServiceRequest/", "");
    String patientId = call.context().get("patientId").replaceFirst("^Patient/", "");
    ServiceRequest order =
        analysis
            .order(orderId)
            .orElseThrow(
                () ->
                    new Refusal(HttpStatus.PRECONDITION_FAILED, "the order is not on this server"));
    if (!order.getSubject().getReference().equals("Patient/" + patientId)) {
      throw new Refusal(HttpStatus.BAD_REQUEST, "the order is not this patient's");
    }
    OrderAnalysis.Result result;
    try {
      result = analysis.analyze(orderId, Optional.ofNullable(call.context().get("imagingStudyId")));
    } catch (AnalysisException e) {
      throw new Refusal(
          e.retryable() ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.PRECONDITION_FAILED,
          "the analysis could not be run: " + e.getMessage());
    }
    Observation observation = analysis.observation(result.outcome().observation());
    PatientRecord record = records.resolve(service, call);
    List<Observation> results = new ArrayList<>(record.aiResults());
    results.removeIf(
        o -> o.getIdElement().getIdPart().equals(observation.getIdElement().getIdPart()));
    results.add(observation);
    return hooks.orderComplete(record.withAiResults(results), observation);
  }

  private List<ServiceRequest> draftOrders(JsonNode context) {
    JsonNode drafts = context.get("draftOrders");
    if (drafts == null || !drafts.isObject()) {
      throw new Refusal(HttpStatus.BAD_REQUEST, "context.draftOrders must be a Bundle");
    }
    Bundle bundle;
    try {
      bundle = fhir.newJsonParser().parseResource(Bundle.class, drafts.toString());
    } catch (ca.uhn.fhir.parser.DataFormatException e) {
      throw new Refusal(HttpStatus.BAD_REQUEST, "context.draftOrders is not a FHIR Bundle");
    }
    return bundle.getEntry().stream()
        .map(Bundle.BundleEntryComponent::getResource)
        .filter(ServiceRequest.class::isInstance)
        .map(ServiceRequest.class::cast)
        .toList();
  }

  @PostMapping(path = "/cds-services/{id}/feedback", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Void> feedback(@PathVariable String id, @RequestBody String body) {
    if (hooks.definition(id).isEmpty()) {
      throw new Refusal(HttpStatus.NOT_FOUND, "no CDS service " + id);
    }
    JsonNode items = parse(body).get("feedback");
    if (items == null || !items.isArray() || items.isEmpty()) {
      throw new Refusal(HttpStatus.BAD_REQUEST, "feedback must be a non-empty array");
    }
    List<FeedbackStore.Feedback> parsed = new ArrayList<>();
    for (JsonNode item : items) {
      String card = text(item, "card");
      String outcome = text(item, "outcome");
      String when = text(item, "outcomeTimestamp");
      if (card == null || !("accepted".equals(outcome) || "overridden".equals(outcome))) {
        throw new Refusal(
            HttpStatus.BAD_REQUEST, "each feedback needs card and outcome (accepted|overridden)");
      }
      Instant at;
      try {
        at = when == null ? Instant.now() : java.time.OffsetDateTime.parse(when).toInstant();
      } catch (DateTimeParseException e) {
        throw new Refusal(HttpStatus.BAD_REQUEST, "outcomeTimestamp is not an instant");
      }
      List<String> accepted = new ArrayList<>();
      item.path("acceptedSuggestions").forEach(s -> accepted.add(s.path("id").asText()));
      JsonNode reason = item.path("overrideReason").path("reason");
      if (tooLong(card, FeedbackStore.MAX_CODE)
          || tooLong(text(reason, "code"), FeedbackStore.MAX_CODE)
          || tooLong(text(reason, "system"), FeedbackStore.MAX_TEXT)
          || tooLong(text(reason, "display"), FeedbackStore.MAX_TEXT)
          || tooLong(text(item.path("overrideReason"), "userComment"), FeedbackStore.MAX_COMMENT)
          || tooLong(String.join(",", accepted), FeedbackStore.MAX_SUGGESTIONS)) {
        throw new Refusal(HttpStatus.BAD_REQUEST, "a feedback field is too long");
      }
      parsed.add(
          new FeedbackStore.Feedback(
              card,
              id,
              outcome,
              accepted,
              Optional.ofNullable(text(reason, "system")),
              Optional.ofNullable(text(reason, "code")),
              Optional.ofNullable(text(reason, "display")),
              Optional.ofNullable(text(item.path("overrideReason"), "userComment")),
              at,
              Optional.empty(),
              Optional.empty()));
    }
    feedback.save(id, parsed);
    log.info("CDS Hooks feedback: {} item(s) for {}", parsed.size(), id);
    return ResponseEntity.ok().build();
  }

  @GetMapping(path = "/cds-services/{id}/feedback", produces = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> feedbackSince(
      @PathVariable String id, @RequestParam(required = false) String since) {
    if (hooks.definition(id).isEmpty()) {
      throw new Refusal(HttpStatus.NOT_FOUND, "no CDS service " + id);
    }
    Instant from;
    try {
      from = since == null ? Instant.EPOCH : Instant.parse(since);
    } catch (DateTimeParseException e) {
      throw new Refusal(
          HttpStatus.BAD_REQUEST, "since must be an instant (e.g. 2026-01-01T00:00:00Z)");
    }
    List<FeedbackStore.Feedback> items = feedback.since(id, from);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("service", id);
    out.put("summary", FeedbackStore.summary(items));
    out.put("feedback", FeedbackStore.json(items));
    return out;
  }

  /**
   * A {@code fhirServer} the caller may name: one its issuer is configured with (https, or
   * loopback); in open mode, loopback only. Anything else would let a caller make this server send
   * requests, and a token, wherever it likes.
   */
  private void checkFhirServer(String url, jakarta.servlet.http.HttpServletRequest request) {
    java.net.URI uri;
    try {
      uri = java.net.URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new Refusal(HttpStatus.BAD_REQUEST, "fhirServer is not a URL");
    }
    boolean loopback = isLoopback(uri.getHost());
    if (!("https".equals(uri.getScheme()) || ("http".equals(uri.getScheme()) && loopback))) {
      throw new Refusal(HttpStatus.BAD_REQUEST, "fhirServer must be https");
    }
    Object caller = request.getAttribute(CdsHooksSecurityFilter.CALLER);
    boolean allowed =
        caller instanceof ClientJwtVerifier.Caller c
            ? allowedFhirServers.getOrDefault(c.issuer(), List.of()).stream()
                .anyMatch(base -> sameBase(url, base))
            : loopback;
    if (!allowed) {
      throw new Refusal(HttpStatus.BAD_REQUEST, "fhirServer is not one this client may name");
    }
  }

  /** The URL is the base or below it; a base ending in "/" or ":" is a prefix as written. */
  private static boolean sameBase(String url, String base) {
    if (base.endsWith("/") || base.endsWith(":")) {
      return url.startsWith(base);
    }
    return url.equals(base) || url.startsWith(base + "/");
  }

  private static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.replaceAll("^\\[|\\]$", "");
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1");
  }

  private static boolean tooLong(String value, int max) {
    return value != null && value.length() > max;
  }

  private static JsonNode parse(String body) {
    try {
      JsonNode node = JSON.readTree(body == null ? "" : body);
      if (node == null || !node.isObject()) {
        throw new Refusal(HttpStatus.BAD_REQUEST, "the body must be a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new Refusal(HttpStatus.BAD_REQUEST, "the body is not JSON");
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
  }

  @ExceptionHandler(Refusal.class)
  ResponseEntity<Map<String, Object>> refused(Refusal e) {
    return error(e.status, e.getMessage());
  }

  @ExceptionHandler({HttpMessageNotReadableException.class})
  ResponseEntity<Map<String, Object>> unreadable(Exception e) {
    return error(HttpStatus.BAD_REQUEST, "the body could not be read");
  }

  @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
  ResponseEntity<Map<String, Object>> mediaType(Exception e) {
    return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "the body must be application/json");
  }

  @ExceptionHandler(RuntimeException.class)
  ResponseEntity<Map<String, Object>> unexpected(RuntimeException e) {
    log.error("CDS Hooks call failed", e);
    return error(HttpStatus.INTERNAL_SERVER_ERROR, "the service failed; see the server's log");
  }

  private static ResponseEntity<Map<String, Object>> error(HttpStatus status, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", status.getReasonPhrase());
    body.put("message", message);
    return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
  }
}
