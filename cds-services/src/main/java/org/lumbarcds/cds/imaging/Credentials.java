package org.lumbarcds.cds.imaging;

import java.io.IOException;
import java.util.Optional;

/**
 * The Authorization header a request to a PACS carries: none, a fixed value ({@code Basic …}), or
 * an access token obtained when needed (the server's SMART Backend Services client).
 */
@FunctionalInterface
public interface Credentials {

  /** No Authorization header. */
  Credentials NONE = Optional::empty;

  /**
   * The header's value for the next request.
   *
   * @throws IOException when it cannot be obtained (the authorization server refused or did not
   *     answer); the message names what failed, never a secret
   */
  Optional<String> authorization() throws IOException;

  /**
   * The PACS answered 401 to the header last given: a token is dropped, so that the next request
   * carries a new one. A fixed header has nothing to drop.
   */
  default void rejected() {}

  /** Always the same header value. */
  static Credentials fixed(String value) {
    Optional<String> header = Optional.of(value);
    return () -> header;
  }
}
