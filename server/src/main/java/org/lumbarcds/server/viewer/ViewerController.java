package org.lumbarcds.server.viewer;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Observation;
import org.lumbarcds.cds.analysis.AnalysisException;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.server.audit.AuditTrail;
import org.lumbarcds.server.cdshooks.CdsHooksProperties;
import org.lumbarcds.server.network.PageAssets;
import org.lumbarcds.server.security.SecurityProperties;
import org.lumbarcds.server.web.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The viewer page of an AI result ({@code /viewer/{id}}) and the API it reads. The page itself is a
 * static shell (no data, no external assets); everything about the result comes from {@code
 * /viewer/api/{id}…} with the link's token as a bearer token. With CDS Hooks security {@code jwt}
 * or an authorization server configured the token is required (the way in is a card shown to an
 * authenticated EHR user); when both are open (loopback only) it is optional and a review is
 * recorded as made by an unverified local user.
 */
@RestController
class ViewerController {

  private static final Logger log = LoggerFactory.getLogger(ViewerController.class);
  static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

  private final ViewerService viewer;
  private final LinkTokens tokens;
  private final boolean tokenRequired;

  ViewerController(
      ViewerService viewer,
      ViewerLinks links,
      CdsHooksProperties cdsHooks,
      SecurityProperties security) {
    this.viewer = viewer;
    this.tokens = links.tokens();
    // open only where nothing else is: CDS Hooks open and no authorization server (loopback only)
    this.tokenRequired = !cdsHooks.open() || !security.open();
  }

  @GetMapping(path = "/viewer/{id}")
  ResponseEntity<byte[]> page(@PathVariable String id) {
    checkId(id);
    return asset("viewer.html");
  }

  @GetMapping(path = "/viewer/assets/{name}")
  ResponseEntity<byte[]> assets(@PathVariable("name") String name) {
    if (name.endsWith(".html")) {
      throw new ApiException(HttpStatus.NOT_FOUND, "no such asset");
    }
    return asset(name);
  }

  private static ResponseEntity<byte[]> asset(String name) {
    return PageAssets.serve("viewer", name)
        .orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, "no such asset"));
  }

  @GetMapping(path = "/viewer/api/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Basis> basis(
      @PathVariable String id,
      @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
    checkId(id);
    LinkTokens.Reader reader = reader(authorization, id);
    return noStore(
        viewer.basis(
            opened(reader, id), reader.user(), reader.user().isPresent() || !tokenRequired));
  }

  @GetMapping(path = "/viewer/api/{id}/views", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Renderings.Available> views(
      @PathVariable String id,
      @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
    checkId(id);
    return noStore(renderings(opened(reader(authorization, id), id)).available());
  }

  @GetMapping(path = "/viewer/api/{id}/views/{posture}.png", produces = MediaType.IMAGE_PNG_VALUE)
  ResponseEntity<byte[]> view(
      @PathVariable String id,
      @PathVariable String posture,
      @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
    return image(id, posture, authorization, false);
  }

  @GetMapping(
      path = "/viewer/api/{id}/heatmaps/{posture}.png",
      produces = MediaType.IMAGE_PNG_VALUE)
  ResponseEntity<byte[]> heatmap(
      @PathVariable String id,
      @PathVariable String posture,
      @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
    return image(id, posture, authorization, true);
  }

  @PostMapping(
      path = "/viewer/api/{id}/review",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Basis> review(
      @PathVariable String id,
      @RequestBody ReviewRequest body,
      @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
    checkId(id);
    LinkTokens.Reader reader = reader(authorization, id);
    if (tokenRequired && reader.user().isEmpty()) {
      throw new ApiException(
          HttpStatus.FORBIDDEN,
          "this link names no user: open the result from a card shown to you to review it");
    }
    ViewerService.Action action = body.checked();
    Observation shown = opened(reader, id);
    Observation updated = viewer.review(shown, body.version(), action, body.comment(), reader);
    log.info("AI result reviewed in the viewer: {}", action.name().toLowerCase(Locale.ROOT));
    return noStore(viewer.basis(updated, reader.user(), true));
  }

  private ResponseEntity<byte[]> image(
      String id, String posture, String authorization, boolean heatmap) {
    checkId(id);
    Observation obs = opened(reader(authorization, id), id);
    Posture p =
        Arrays.stream(Posture.values())
            .filter(v -> v.id().equals(posture))
            .findFirst()
            .orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, "no such view"));
    Renderings r = renderings(obs);
    byte[] png = (heatmap ? r.heatmaps() : r.views()).get(p);
    if (png == null) {
      throw new ApiException(
          HttpStatus.NOT_FOUND, "no " + (heatmap ? "heatmap" : "image") + " here");
    }
    return ResponseEntity.ok()
        .contentType(MediaType.IMAGE_PNG)
        .cacheControl(CacheControl.noStore())
        .body(png);
  }

  /** The result's radiographs and heatmaps, read again from its image source. */
  private Renderings renderings(Observation obs) {
    try {
      return viewer.renderings(obs);
    } catch (AnalysisException e) {
      log.warn("Viewer: the result's images could not be read: {}", e.getMessage());
      throw new ApiException(
          e.retryable() ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.UNPROCESSABLE_ENTITY,
          "the radiographs could not be read: " + e.getMessage());
    }
  }

  /** Who the link's token (the {@code Authorization} header's bearer token) was made for. */
  private LinkTokens.Reader reader(String authorization, String id) {
    Optional<String> token =
        Optional.ofNullable(authorization)
            .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
            .map(h -> h.substring(7).trim())
            .filter(t -> !t.isEmpty());
    if (token.isEmpty()) {
      if (tokenRequired) {
        throw new ApiException(
            HttpStatus.UNAUTHORIZED, "open this page from the link on a decision-support card");
      }
      return LinkTokens.Reader.nobody();
    }
    try {
      return tokens.verify(token.get(), id);
    } catch (LinkTokens.Invalid e) {
      throw new ApiException(HttpStatus.UNAUTHORIZED, e.getMessage());
    }
  }

  /** The result, if the link was made for its patient (a link's token names the patient). */
  private Observation opened(LinkTokens.Reader reader, String id) {
    Observation obs = viewer.result(id);
    String subject = obs.getSubject().getReference();
    AuditTrail.touched(
        reader.issuer().orElse(null),
        reader.user().orElse(null),
        subject == null ? List.of() : List.of(subject),
        List.of("Observation/" + id));
    if (reader.patient().isPresent()
        && !reader.patient().get().equals(obs.getSubject().getReferenceElement().getIdPart())) {
      throw new ApiException(HttpStatus.FORBIDDEN, "the link was made for another result");
    }
    if (tokenRequired && reader.patient().isEmpty()) {
      throw new ApiException(HttpStatus.UNAUTHORIZED, "the link names no patient");
    }
    return obs;
  }

  private static void checkId(String id) {
    if (!ID.matcher(id).matches()) {
      throw new ApiException(HttpStatus.NOT_FOUND, "no such AI result");
    }
  }

  private static <T> ResponseEntity<T> noStore(T body) {
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .cacheControl(CacheControl.noStore())
        .body(body);
  }
}
