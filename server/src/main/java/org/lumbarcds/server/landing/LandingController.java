package org.lumbarcds.server.landing;

import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.server.demo.DemoMode;
import org.lumbarcds.server.network.PageAssets;
import org.lumbarcds.server.operations.OperationsService;
import org.lumbarcds.server.web.ApiException;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The landing page at {@code /}: what the server is, its state, where its APIs and pages are, and,
 * where the demo may be loaded, the button that loads it ({@code /demo/api}). Rendered by the
 * server from the operations view's figures; its script and style under {@code /landing/assets}.
 */
@RestController
class LandingController {

  private final OperationsService operations;
  private final ModelCard card;
  private final DemoMode demo;

  LandingController(OperationsService operations, ModelCard card, DemoMode demo) {
    this.operations = operations;
    this.card = card;
    this.demo = demo;
  }

  @GetMapping(path = "/")
  ResponseEntity<byte[]> page() {
    return PageAssets.html(
        LandingPage.render(
            card, operations.summary(LandingPage.DAYS), demo.refusal().map(Exception::getMessage)));
  }

  @GetMapping(path = "/landing/assets/{name}")
  ResponseEntity<byte[]> assets(@PathVariable("name") String name) {
    if (name.endsWith(".html")) {
      throw ApiException.notFound("no such asset");
    }
    return PageAssets.serve("landing", name)
        .orElseThrow(() -> ApiException.notFound("no such asset"));
  }
}
