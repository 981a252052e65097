package org.lumbarcds.model.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pixel decoding of files written by pydicom, dcmtk and GDCM (see make_pixel_fixtures.py): every
 * claimed transfer syntax decodes to the values the image was made from, exactly when lossless and
 * within the manifest's tolerance when lossy; JPEG-LS is refused by name.
 */
class PixelDecoderTest {

  private static final String ROOT = "/dicom/pixels/";

  private final DicomReader reader = new DicomReader();
  private final PixelDecoder decoder = new PixelDecoder();

  static Stream<JsonNode> fixtures() throws IOException {
    return TestResources.jsonArray(ROOT + "manifest.json");
  }

  @ParameterizedTest(name = "{index} {0}")
  @MethodSource("fixtures")
  void decodesThirdPartyFiles(JsonNode entry) throws Exception {
    DicomFile file = reader.read(bytes(entry.get("file").asText()));
    assertThat(file.transferSyntax().uid()).isEqualTo(entry.get("transferSyntax").asText());
    String expect = entry.get("expect").asText();
    if (expect.equals("refused")) {
      assertThatThrownBy(() -> decoder.decode(file))
          .isInstanceOfSatisfying(
              DicomException.class,
              e ->
                  assertThat(e.reason())
                      .isEqualTo(DicomException.Reason.UNSUPPORTED_TRANSFER_SYNTAX))
          .hasMessageContaining(entry.get("refusal").asText());
      return;
    }
    DicomImage image = decoder.decode(file);
    int[] expected =
        ints(
            expect.equals("exact")
                ? bytes(entry.get("image").asText() + ".raw")
                : bytes(entry.get("file").asText() + ".ref"));
    PixelFormat format = image.format();
    assertThat(format.rows()).isEqualTo(48);
    assertThat(format.columns()).isEqualTo(64);
    assertThat(format.photometric())
        .isEqualTo(format.samplesPerPixel() == 3 ? "RGB" : entry.get("photometric").asText());
    assertThat(format.frames() * format.samplesPerFrame()).isEqualTo(expected.length);

    int maxError = 0;
    int at = 0;
    for (int[] frame : image.frames()) {
      for (int value : frame) {
        maxError = Math.max(maxError, Math.abs(value - expected[at++]));
      }
    }
    assertThat(maxError)
        .as("largest difference from the expected values")
        .isLessThanOrEqualTo(entry.path("maxError").asInt(0));
  }

  static byte[] bytes(String name) throws IOException {
    return TestResources.bytes(ROOT + name);
  }

  static int[] ints(byte[] raw) {
    int[] out = new int[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
    return out;
  }
}
