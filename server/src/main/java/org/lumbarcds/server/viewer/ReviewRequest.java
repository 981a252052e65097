package org.lumbarcds.server.viewer;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.lumbarcds.server.web.ApiException;

/**
 * A physician's review as the viewer page posts it ({@code POST /viewer/api/{id}/review}), bound by
 * Jackson and checked by {@link #checked()}. Missing text fields read as empty.
 *
 * @param action {@code acknowledge} or {@code dispute}
 * @param version the version of the result the page showed (a review of another is refused)
 * @param comment why, required to dispute; at most {@value #MAX_COMMENT} characters
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record ReviewRequest(String action, String version, String comment) {

  static final int MAX_COMMENT = 1000;

  ReviewRequest {
    version = version == null ? "" : version;
    comment = comment == null ? "" : comment;
  }

  /**
   * The review asked for, once the request is complete.
   *
   * @throws ApiException 400 saying what is wrong (the first problem found)
   */
  ViewerService.Action checked() {
    ViewerService.Action checked =
        switch (action == null ? "" : action) {
          case "acknowledge" -> ViewerService.Action.ACKNOWLEDGE;
          case "dispute" -> ViewerService.Action.DISPUTE;
          default -> throw ApiException.badRequest("action must be acknowledge or dispute");
        };
    if (version.isEmpty()) {
      throw ApiException.badRequest("version (of the result shown) is required");
    }
    if (comment.length() > MAX_COMMENT) {
      throw ApiException.badRequest("the comment is longer than " + MAX_COMMENT + " characters");
    }
    if (checked == ViewerService.Action.DISPUTE && comment.isBlank()) {
      throw ApiException.badRequest("say why you dispute the result");
    }
    return checked;
  }
}
