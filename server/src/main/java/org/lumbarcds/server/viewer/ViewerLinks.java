package org.lumbarcds.server.viewer;

import java.util.Optional;

/**
 * The viewer link a card carries for an AI result: the page's URL with, in its fragment, a token
 * opening that result for the user the card is shown to.
 */
public final class ViewerLinks {

  /** The path of the viewer page for an AI result. */
  public static final String PATH = "/viewer/";

  private final LinkTokens tokens;

  ViewerLinks(LinkTokens tokens) {
    this.tokens = tokens;
  }

  LinkTokens tokens() {
    return tokens;
  }

  /**
   * The link with its token, when {@code url} is a viewer link ({@code root + PATH + id}); else
   * {@code url} as it is.
   *
   * @param root the server's root URL
   * @param user the EHR user the card is shown to (the hook's {@code userId}), if named
   * @param issuer the EHR's issuer, if the call was authenticated
   */
  public String withAccess(
      String url, String root, Optional<String> user, Optional<String> issuer) {
    String prefix = root + PATH;
    if (!url.startsWith(prefix) || url.contains("#")) {
      return url;
    }
    String id = url.substring(prefix.length());
    return url + "#access=" + tokens.sign(id, new LinkTokens.Reader(user, issuer));
  }
}
