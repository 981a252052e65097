package org.lumbarcds.server.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import org.lumbarcds.model.inference.ModelCard;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The model card of the model in use, as written by the evaluation script: what cards and the
 * Device resource link to, so a physician or the data team can read the validation figures and
 * limitations behind a result.
 */
@RestController
class ModelCardController {

  static final String PATH = "/model/card";

  private final ModelCard card;

  ModelCardController(ModelCard card) {
    this.card = card;
  }

  @GetMapping(path = PATH, produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<JsonNode> card() {
    return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(card.document());
  }
}
