package org.lumbarcds.server.web;

import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UnsupportedEncodingException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.cds.result.AiResultFactory;
import org.lumbarcds.model.inference.Interpretation;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.model.inference.ModelException;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.Prediction;
import org.lumbarcds.terminology.QualityFlag;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.ResultMatcher;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/**
 * What the controllers' slice tests share: a controller in MockMvc with the server's one error
 * model ({@link ApiErrors}) and nothing else (no HAPI, no database), the reference model's card,
 * and matchers for what the pages read.
 */
public final class SliceTests {

  /** The patient of the AI results made here. */
  public static final String PATIENT = "p1";

  private static final String REFERENCE_FOLDER = "/org/lumbarcds/server/analysis/reference/";
  private static final String REFERENCE_CARD = "lumbar-cds-lss-3view-phantom.card.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AiResultFactory.Subject SUBJECT =
      new AiResultFactory.Subject(
          new Reference("Patient/" + PATIENT),
          new Reference("ServiceRequest/o1"),
          new Reference("ImagingStudy/s1"),
          "1.2.3",
          null);
  private static final Reference DEVICE = new Reference("Device/d1");

  private SliceTests() {}

  /** MockMvc over one controller, its refusals answered as the server answers them. */
  public static MockMvc mvc(Object controller) {
    return MockMvcBuilders.standaloneSetup(controller).setControllerAdvice(new ApiErrors()).build();
  }

  /**
   * A refusal as the pages read it: {@code application/problem+json} with its status and detail.
   */
  public static ResultMatcher problem(int status, String detail) {
    return ResultMatcher.matchAll(
        status().is(status),
        content().contentType(MediaType.APPLICATION_PROBLEM_JSON),
        jsonPath("$.status").value(status),
        jsonPath("$.detail").value(detail));
  }

  /** The body of a JSON answer. */
  public static JsonNode json(MvcResult result) throws Exception {
    return JSON.readTree(body(result));
  }

  /** The names of an object's fields, in the order written. */
  public static List<String> fields(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** The reference model's card, as the server jar carries it. */
  public static ModelCard referenceCard() throws URISyntaxException, ModelException {
    return ModelCard.read(
        Path.of(SliceTests.class.getResource(REFERENCE_FOLDER + REFERENCE_CARD).toURI()));
  }

  /** The card with another name, synthetic flag and document; everything else the same. */
  public static ModelCard variant(
      ModelCard card, String name, boolean synthetic, JsonNode document) {
    return new ModelCard(
        card.id(),
        card.version(),
        name,
        synthetic,
        card.statement(),
        card.fileName(),
        card.sha256(),
        card.height(),
        card.width(),
        card.mean(),
        card.std(),
        card.ruleOut(),
        card.ruleIn(),
        card.camRows(),
        card.camColumns(),
        card.twoViewPoints(),
        document);
  }

  /**
   * An AI result of the patient {@value #PATIENT} with a probability, as the analysis writes it (no
   * id yet; issued now): the model named, the card's operating points.
   */
  public static Observation aiResult(
      ModelCard card, String modelId, String modelVersion, double p) {
    Prediction prediction =
        new Prediction(
            p,
            p <= card.ruleOut()
                ? Interpretation.UNLIKELY
                : p >= card.ruleIn() ? Interpretation.LIKELY : Interpretation.INDETERMINATE,
            card.ruleOut(),
            card.ruleIn(),
            Map.of(Posture.NEUTRAL, 0.2, Posture.FLEXION, 0.1, Posture.EXTENSION, 0.3),
            EnumSet.allOf(Posture.class),
            Map.of(),
            new Prediction.ModelIdentity(modelId, modelVersion, card.sha256(), card.synthetic()));
    return new AiResultFactory()
        .observation(SUBJECT, prediction, DEVICE, model(card, modelId, modelVersion));
  }

  /**
   * An AI result of the patient {@value #PATIENT} by the card's model whose quality checks failed
   * (no flexion view), as the analysis writes it (no id yet; issued now).
   */
  public static Observation qualityFailure(ModelCard card) {
    return new AiResultFactory()
        .qualityFailure(
            SUBJECT,
            Set.of(QualityFlag.VIEW_MISSING_FLEXION),
            EnumSet.of(Posture.NEUTRAL, Posture.EXTENSION),
            DEVICE,
            model(card, card.id(), card.version()));
  }

  private static AiResultFactory.Model model(ModelCard card, String id, String version) {
    return new AiResultFactory.Model(
        id, version, card.sha256(), "http://127.0.0.1/model/card", card.synthetic());
  }

  private static String body(MvcResult result) throws UnsupportedEncodingException {
    return result.getResponse().getContentAsString();
  }
}
