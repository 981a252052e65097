package org.lumbarcds.model.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The greyscale pipeline against pydicom's apply_modality_lut / apply_voi_lut on the same files
 * (make_grey_fixtures.py): rescale, modality LUT, the three window functions, VOI LUTs and both
 * polarities.
 */
class GreyscaleTest {

  private static final String ROOT = "/dicom/grey/";

  static Stream<JsonNode> renderings() throws IOException {
    return TestResources.jsonArray(ROOT + "expected.json");
  }

  @ParameterizedTest(name = "{index} {0}")
  @MethodSource("renderings")
  void matchesPydicom(JsonNode entry) throws Exception {
    DicomFile file = read(entry.get("file").asText());
    JsonNode voiNode = entry.get("voi");
    Greyscale.Voi voi =
        switch (voiNode.get("kind").asText()) {
          case "window" -> Greyscale.Voi.window(voiNode.get("index").asInt());
          case "lut" -> Greyscale.Voi.lut(voiNode.get("index").asInt());
          default -> Greyscale.Voi.fullRange();
        };
    GreyImage grey = Greyscale.render(new PixelDecoder().decode(file), file.dataset(), 0, voi);

    JsonNode expected = entry.get("values");
    assertThat(grey.pixels()).hasSize(expected.size());
    assertThat(grey.inverted()).isEqualTo(entry.get("inverted").asBoolean());
    for (int i = 0; i < expected.size(); i++) {
      assertThat((double) grey.pixels()[i])
          .as("pixel %d", i)
          .isCloseTo(expected.get(i).asDouble(), within(1e-5));
    }
  }

  @Test
  void autoTakesTheFirstWindowAndSaysSo() throws Exception {
    DicomFile file = read("windows-12bit.dcm");
    DicomImage image = new PixelDecoder().decode(file);
    GreyImage auto = Greyscale.render(image, file.dataset(), 0, Greyscale.Voi.auto());
    GreyImage first = Greyscale.render(image, file.dataset(), 0, Greyscale.Voi.window(0));
    assertThat(auto.pixels()).containsExactly(first.pixels());
    assertThat(auto.voi()).isEqualTo("window 2048.0/4096.0 LINEAR");
    assertThat(auto.presentationIntent()).isEqualTo("FOR PRESENTATION");
  }

  @Test
  void autoFallsBackToTheVoiLutThenTheFullRange() throws Exception {
    DicomFile luts = read("voi-luts.dcm");
    assertThat(
            Greyscale.render(
                    new PixelDecoder().decode(luts), luts.dataset(), 0, Greyscale.Voi.auto())
                .voi())
        .isEqualTo("VOI LUT 0 (GAMMA 0.5)");

    DicomFile plain = read("/dicom/pixels/mono16s/explicit-le.dcm");
    GreyImage grey =
        Greyscale.render(
            new PixelDecoder().decode(plain), plain.dataset(), 0, Greyscale.Voi.auto());
    assertThat(grey.voi()).startsWith("full range");
    float min = 1;
    float max = 0;
    for (float v : grey.pixels()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertThat(min).isZero();
    assertThat(max).isEqualTo(1f);
  }

  @Test
  void anExplicitWindowOverridesTheDataset() throws Exception {
    DicomFile file = read("windows-12bit.dcm");
    GreyImage grey =
        Greyscale.render(
            new PixelDecoder().decode(file),
            file.dataset(),
            0,
            Greyscale.Voi.explicit(100, 2, "LINEAR_EXACT"));
    // stored values run 0, 16, 32, ... 96, 112, ...: those up to 99 are black, from 101 white
    assertThat(grey.pixels()[6]).isZero();
    assertThat(grey.pixels()[7]).isEqualTo(1f);
  }

  @Test
  void refusesColourWindowsItCannotApplyAndIndexesItDoesNotHave() throws Exception {
    DicomFile colour = read("/dicom/pixels/rgb8/explicit-le.dcm");
    DicomImage rgb = new PixelDecoder().decode(colour);
    assertThatThrownBy(() -> Greyscale.render(rgb, colour.dataset(), 0, Greyscale.Voi.auto()))
        .isInstanceOfSatisfying(
            DicomException.class,
            e -> assertThat(e.reason()).isEqualTo(DicomException.Reason.UNSUPPORTED_IMAGE));

    DicomFile file = read("windows-12bit.dcm");
    DicomImage image = new PixelDecoder().decode(file);
    assertThatThrownBy(
            () ->
                Greyscale.render(
                    image, file.dataset(), 0, Greyscale.Voi.explicit(2048, 0.5, "LINEAR")))
        .isInstanceOf(DicomException.class)
        .hasMessageContaining("Window width 0.5");
    assertThatThrownBy(
            () -> Greyscale.render(image, file.dataset(), 0, Greyscale.Voi.explicit(0, 1, "CUBIC")))
        .hasMessageContaining("CUBIC");
    assertThatThrownBy(() -> Greyscale.render(image, file.dataset(), 0, Greyscale.Voi.window(2)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Greyscale.render(image, file.dataset(), 0, Greyscale.Voi.lut(0)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static DicomFile read(String name) throws IOException {
    return TestResources.dicom(name.startsWith("/") ? name : ROOT + name);
  }
}
