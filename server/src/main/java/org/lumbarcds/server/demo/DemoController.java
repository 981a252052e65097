package org.lumbarcds.server.demo;

import jakarta.servlet.http.HttpServletRequest;
import org.lumbarcds.server.web.ApiException;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The demo loader's API, which the landing page calls (a load only from the server's own origin):
 * {@code POST /demo/api/load} starts a load (202 with its status and, in {@code Location}, where to
 * follow it; a load already running is answered the same), {@code GET /demo/api/status} says where
 * it stands. Both are refused ({@code application/problem+json}) unless the demo may be loaded here
 * ({@link DemoMode}): 404 when it is switched off, 403 when a network may reach the server.
 */
@RestController
class DemoController {

  static final String STATUS = "/demo/api/status";

  private static final java.util.Set<String> LOOPBACK_NAMES =
      java.util.Set.of("localhost", "127.0.0.1", "[::1]", "::1");

  private final DemoMode mode;
  private final DemoLoader loader;

  DemoController(DemoMode mode, DemoLoader loader) {
    this.mode = mode;
    this.loader = loader;
  }

  @PostMapping(path = "/demo/api/load", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<DemoStatus> load(HttpServletRequest request) {
    mode.require();
    sameOrigin(request);
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .header("Location", STATUS)
        .contentType(MediaType.APPLICATION_JSON)
        .cacheControl(CacheControl.noStore())
        .body(loader.start());
  }

  /**
   * A page of another site open in the same browser could post here (a "simple" cross-origin
   * request needs no preflight): a POST whose {@code Origin} is not this server's own is refused.
   * The landing page's own fetch sends this server's origin; curl sends none.
   */
  private static void sameOrigin(HttpServletRequest request) {
    // a page whose name was made to resolve to this machine (DNS rebinding) reaches it under that
    // name: the demo answers loopback names only, as the server listens on loopback only
    String name = request.getServerName();
    if (!LOOPBACK_NAMES.contains(name.toLowerCase(java.util.Locale.ROOT))) {
      throw new ApiException(
          HttpStatus.FORBIDDEN, "the demo is loaded through a loopback address (127.0.0.1) only");
    }
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin == null) {
      return;
    }
    String scheme = request.getScheme();
    int port = request.getServerPort();
    boolean defaultPort =
        ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
    String own = scheme + "://" + request.getServerName() + (defaultPort ? "" : ":" + port);
    if (!origin.equalsIgnoreCase(own)) {
      throw new ApiException(
          HttpStatus.FORBIDDEN, "the demo is loaded from this server's own landing page only");
    }
  }

  @GetMapping(path = STATUS, produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<DemoStatus> status() {
    mode.require();
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .cacheControl(CacheControl.noStore())
        .body(loader.status());
  }
}
