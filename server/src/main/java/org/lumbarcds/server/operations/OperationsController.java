package org.lumbarcds.server.operations;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lumbarcds.server.network.PageAssets;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The operations view: {@code /ops} (a page, no external assets) and {@code /ops/api/summary}
 * (JSON). Like {@code /fhir}, it has no authentication of its own: the server listens on loopback
 * unless an operator opts into exposure ({@code lumbarcds.network.allow-unauthenticated}).
 */
@RestController
class OperationsController {

  private final OperationsService operations;

  OperationsController(
      ca.uhn.fhir.jpa.api.dao.DaoRegistry daos,
      org.springframework.jdbc.core.JdbcTemplate jdbc,
      org.lumbarcds.server.cdshooks.FeedbackStore feedback,
      org.lumbarcds.model.inference.ThreeViewModel model,
      org.lumbarcds.cds.hooks.MriAdviceHooks hooks) {
    this.operations =
        new OperationsService(
            daos, jdbc, feedback, model.card(), Clock.systemUTC(), hooks::foreignResultsIgnored);
  }

  @GetMapping(path = "/ops")
  ResponseEntity<byte[]> page() {
    return asset("ops.html");
  }

  @GetMapping(path = "/ops/assets/{name}")
  ResponseEntity<byte[]> assets(@PathVariable("name") String name) {
    if (name.endsWith(".html")) {
      return notFound();
    }
    return asset(name);
  }

  @GetMapping(path = "/ops/api/summary", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> summary(
      @RequestParam(name = "days", defaultValue = "30") String days) {
    int d;
    try {
      d = Integer.parseInt(days);
    } catch (NumberFormatException e) {
      d = -1;
    }
    if (d < 1 || d > 366) {
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("error", HttpStatus.BAD_REQUEST.getReasonPhrase());
      error.put("message", "days must be a whole number from 1 to 366");
      return ResponseEntity.badRequest().contentType(MediaType.APPLICATION_JSON).body(error);
    }
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .cacheControl(CacheControl.noStore())
        .body(operations.summary(d));
  }

  private static ResponseEntity<byte[]> asset(String name) {
    return PageAssets.serve("ops", name).orElseGet(OperationsController::notFound);
  }

  private static ResponseEntity<byte[]> notFound() {
    return ResponseEntity.status(HttpStatus.NOT_FOUND)
        .contentType(MediaType.APPLICATION_JSON)
        .body(
            "{\"error\":\"Not Found\",\"message\":\"no such asset\"}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
