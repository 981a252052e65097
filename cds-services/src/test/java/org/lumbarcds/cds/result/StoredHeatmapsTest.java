package org.lumbarcds.cds.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.lumbarcds.model.dicom.GreyImage;
import org.lumbarcds.model.inference.Interpretation;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.Prediction;
import org.lumbarcds.model.inference.Preprocessor;

class StoredHeatmapsTest {

  private static final Prediction.Cam NEUTRAL =
      new Prediction.Cam(2, 3, new float[] {0.5f, -1.25f, 3e-7f, 0, 1, -2});
  private static final Prediction.Cam FLEXION =
      new Prediction.Cam(2, 3, new float[] {1, 2, 3, 4, 5, 6});

  private static Prediction prediction() {
    return new Prediction(
        0.4,
        Interpretation.INDETERMINATE,
        0.2,
        0.7,
        Map.of(),
        Set.of(Posture.NEUTRAL, Posture.FLEXION),
        Map.of(Posture.NEUTRAL, NEUTRAL, Posture.FLEXION, FLEXION),
        new Prediction.ModelIdentity("m", "1.2.0", "ab", true));
  }

  @Test
  void theMapsComeBackAsTheModelOutputThemPlacedAsTheViewsWere() {
    Preprocessor preprocessor = new Preprocessor(320, 256, 0, 1);
    GreyImage tall = new GreyImage(2500, 2048, new float[1], "", false, "");
    GreyImage wide = new GreyImage(1000, 2000, new float[1], "", false, "");
    StoredHeatmaps maps =
        StoredHeatmaps.of(
            prediction(), Map.of(Posture.NEUTRAL, tall, Posture.FLEXION, wide), preprocessor);
    Binary binary = maps.toBinary();
    assertThat(binary.getContentType()).isEqualTo("application/json");
    assertThat(binary.getData().length).isLessThan(1000);

    StoredHeatmaps read = StoredHeatmaps.fromBinary(binary);
    assertThat(read.modelId()).isEqualTo("m");
    assertThat(read.modelVersion()).isEqualTo("1.2.0");
    assertThat(read.canvasRows()).isEqualTo(320);
    assertThat(read.canvasColumns()).isEqualTo(256);
    assertThat(read.views()).containsOnlyKeys(Posture.NEUTRAL, Posture.FLEXION);
    assertThat(read.views().get(Posture.NEUTRAL).cam().values()).containsExactly(NEUTRAL.values());
    assertThat(read.views().get(Posture.NEUTRAL).placement())
        .isEqualTo(preprocessor.placement(2500, 2048));
    assertThat(read.views().get(Posture.FLEXION).placement())
        .isEqualTo(new Preprocessor.Placement(96, 0, 128, 256));
  }

  @Test
  void noMapsAtAllIsAnEmptySetNotAnError() {
    StoredHeatmaps none = new StoredHeatmaps("m", "1", 8, 8, Map.of());
    assertThat(StoredHeatmaps.fromBinary(none.toBinary()).views()).isEmpty();
  }

  @Test
  void aViewWithoutItsImageHasNoMap() {
    StoredHeatmaps maps =
        StoredHeatmaps.of(
            prediction(),
            Map.of(Posture.FLEXION, new GreyImage(4, 4, new float[16], "", false, "")),
            new Preprocessor(8, 8, 0, 1));
    assertThat(maps.views()).containsOnlyKeys(Posture.FLEXION);
  }

  @Test
  void anythingElseIsRefused() {
    for (String json :
        new String[] {
          "not json",
          "{\"format\":\"other/1\",\"views\":{}}",
          "{\"format\":\"lumbarcds-heatmaps/1\",\"views\":{\"neutral\":"
              + "{\"placement\":[0,0,1,1],\"cells\":[2,2],\"values\":[1,2,3]}}}",
          "{\"format\":\"lumbarcds-heatmaps/1\",\"views\":{\"neutral\":"
              + "{\"placement\":[0,0,1,1],\"cells\":[0,2],\"values\":[]}}}",
        }) {
      Binary binary = new Binary().setData(json.getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> StoredHeatmaps.fromBinary(binary))
          .as(json)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void theObservationNamesItsBinaryAndOnlyAReferenceCounts() {
    Observation obs = new Observation();
    assertThat(StoredHeatmaps.reference(obs)).isEmpty();
    obs.addExtension(StoredHeatmaps.EXTENSION_URL, new StringType("Binary/1"));
    assertThat(StoredHeatmaps.reference(obs)).isEmpty();
    StoredHeatmaps.link(obs, "Binary/7");
    assertThat(StoredHeatmaps.reference(obs)).contains("Binary/7");
  }
}
