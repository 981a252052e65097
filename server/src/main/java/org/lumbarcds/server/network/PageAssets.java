package org.lumbarcds.server.network;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * The server's own pages (the landing page, the viewer, the operations view): their HTML, script
 * and style files, read from the jar (or, for a page rendered by the server, its HTML) and served
 * with a Content-Security-Policy that lets a page load only what the server serves (no external
 * assets: the pages work offline).
 */
public final class PageAssets {

  private static final Map<String, MediaType> TYPES =
      Map.of(
          "html", MediaType.valueOf("text/html;charset=UTF-8"),
          "js", MediaType.valueOf("text/javascript;charset=UTF-8"),
          "css", MediaType.valueOf("text/css;charset=UTF-8"));

  /**
   * Scripts, styles, data and images from the server only ({@code blob:} images too); never in a
   * frame (a review button must not be clickjacked).
   */
  public static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:;"
          + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private PageAssets() {}

  /**
   * A page file from {@code /<folder>/<name>} on the class path, or empty when there is none (a
   * name that is not a plain file name of a known type is none).
   */
  public static Optional<ResponseEntity<byte[]>> serve(String folder, String name) {
    int dot = name.lastIndexOf('.');
    MediaType type = dot < 0 ? null : TYPES.get(name.substring(dot + 1));
    if (type == null || !name.matches("[a-z][a-z0-9-]*\\.[a-z]+")) {
      return Optional.empty();
    }
    try (InputStream in = PageAssets.class.getResourceAsStream("/" + folder + "/" + name)) {
      if (in == null) {
        return Optional.empty();
      }
      return Optional.of(respond(type, in.readAllBytes()));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + folder + "/" + name + " from the jar", e);
    }
  }

  /** The text of a page file from {@code /<folder>/<name>} on the class path, for rendering. */
  public static String text(String folder, String name) {
    try (InputStream in = PageAssets.class.getResourceAsStream("/" + folder + "/" + name)) {
      if (in == null) {
        throw new IllegalStateException("no " + folder + "/" + name + " in the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + folder + "/" + name + " from the jar", e);
    }
  }

  /** A page the server rendered, with the headers of the files it serves. */
  public static ResponseEntity<byte[]> html(String page) {
    return respond(TYPES.get("html"), page.getBytes(StandardCharsets.UTF_8));
  }

  private static ResponseEntity<byte[]> respond(MediaType type, byte[] body) {
    return ResponseEntity.ok()
        .contentType(type)
        .header("Content-Security-Policy", CSP)
        .header("Referrer-Policy", "no-referrer")
        .header("X-Content-Type-Options", "nosniff")
        .header("X-Frame-Options", "DENY")
        .cacheControl(CacheControl.noStore())
        .body(body);
  }
}
