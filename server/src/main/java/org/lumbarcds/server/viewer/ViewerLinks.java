package org.lumbarcds.server.viewer;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.lumbarcds.cds.hooks.CdsHooks;

/**
 * The viewer link a card carries for an AI result: the page's URL with, in its fragment, a token
 * opening that result for the user the card is shown to, and for the card's patient only.
 */
public final class ViewerLinks {

  /** The path of the viewer page for an AI result. */
  public static final String PATH = "/viewer/";

  private final LinkTokens tokens;
  private final Function<String, Optional<String>> subjectOf;

  /**
   * @param tokens signs the links
   * @param subjectOf the patient (id) of a stored AI result of this server, if there is one
   */
  ViewerLinks(LinkTokens tokens, Function<String, Optional<String>> subjectOf) {
    this.tokens = tokens;
    this.subjectOf = subjectOf;
  }

  LinkTokens tokens() {
    return tokens;
  }

  /**
   * The link with its token when {@code url} is a viewer link ({@code root + PATH + id}) to a
   * result of this server about the card's patient; empty when it is a viewer link to anything else
   * (a result from the EHR's own record, whose id means nothing here, or another patient's): such a
   * link is dropped, never signed. Any other URL is returned as it is.
   *
   * @param root the server's root URL
   * @param patient the patient of the hook call (its id, with or without {@code Patient/})
   * @param user the EHR user the card is shown to (the hook's {@code userId}), if named
   * @param issuer the EHR's issuer, if the call was authenticated
   */
  public Optional<String> withAccess(
      String url, String root, String patient, Optional<String> user, Optional<String> issuer) {
    String prefix = root + PATH;
    if (!url.startsWith(prefix)) {
      return Optional.of(url);
    }
    String id = url.substring(prefix.length());
    String patientId = patient.replaceFirst("^Patient/", "");
    if (id.contains("#") || !subjectOf.apply(id).map(patientId::equals).orElse(false)) {
      return Optional.empty();
    }
    return Optional.of(
        url
            + "#access="
            + tokens.sign(id, new LinkTokens.Reader(user, issuer, Optional.of(patientId))));
  }

  /**
   * The response with each card's viewer links opened for the user the card is shown to ({@link
   * #withAccess(String, String, String, Optional, Optional)}); a link that may not be signed is
   * dropped.
   */
  public CdsHooks.Response withAccess(
      CdsHooks.Response response,
      String root,
      String patient,
      Optional<String> user,
      Optional<String> issuer) {
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
                                        withAccess(l.url(), root, patient, user, issuer)
                                            .map(u -> new CdsHooks.Link(l.label(), u, l.type()))
                                            .stream())
                                .toList()))
            .toList();
    return new CdsHooks.Response(cards, response.systemActions());
  }
}
