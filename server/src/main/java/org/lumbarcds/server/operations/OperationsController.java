package org.lumbarcds.server.operations;

import org.lumbarcds.server.network.PageAssets;
import org.lumbarcds.server.web.ApiException;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The operations view: {@code /ops} (a page, no external assets) and {@code /ops/api/summary}
 * (JSON). With an authorization server configured, {@code /ops/api} needs a token with the scope
 * {@code lumbarcds.ops} ({@link org.lumbarcds.server.security.ResourceServerFilter}); in open mode
 * the server listens on loopback only.
 */
@RestController
class OperationsController {

  private final OperationsService operations;

  OperationsController(OperationsService operations) {
    this.operations = operations;
  }

  @GetMapping(path = "/ops")
  ResponseEntity<byte[]> page() {
    return asset("ops.html");
  }

  @GetMapping(path = "/ops/assets/{name}")
  ResponseEntity<byte[]> assets(@PathVariable("name") String name) {
    if (name.endsWith(".html")) {
      throw ApiException.notFound("no such asset");
    }
    return asset(name);
  }

  @GetMapping(path = "/ops/api/summary", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Summary> summary(@RequestParam(name = "days", defaultValue = "30") String days) {
    int d;
    try {
      d = Integer.parseInt(days);
    } catch (NumberFormatException e) {
      d = -1;
    }
    if (d < 1 || d > 366) {
      throw ApiException.badRequest("days must be a whole number from 1 to 366");
    }
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .cacheControl(CacheControl.noStore())
        .body(operations.summary(d));
  }

  private static ResponseEntity<byte[]> asset(String name) {
    return PageAssets.serve("ops", name).orElseThrow(() -> ApiException.notFound("no such asset"));
  }
}
