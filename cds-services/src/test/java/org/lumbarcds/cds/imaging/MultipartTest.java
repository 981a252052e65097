package org.lumbarcds.cds.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MultipartTest {

  private static byte[] body(String boundary, byte[]... parts) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      Multipart.writePart(out, boundary, "application/dicom", part);
    }
    Multipart.writeEnd(out, boundary);
    return out.toByteArray();
  }

  private static List<Multipart.Part> read(byte[] body, String contentType, long maxPart)
      throws Exception {
    List<Multipart.Part> parts = new ArrayList<>();
    Multipart.read(new ByteArrayInputStream(body), contentType, maxPart, 1 << 24, parts::add);
    return parts;
  }

  @Test
  void binaryPartsSurviveARoundTrip() throws Exception {
    byte[] a = new byte[100_000];
    new Random(1).nextBytes(a);
    byte[] b = "line one\r\n--not-the-boundary\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    String boundary = Multipart.newBoundary();
    List<Multipart.Part> parts =
        read(body(boundary, a, b), Multipart.contentType(boundary, "application/dicom"), 1 << 20);
    assertThat(parts).hasSize(2);
    assertThat(parts.get(0).mediaType()).isEqualTo("application/dicom");
    assertThat(parts.get(0).body()).isEqualTo(a);
    assertThat(parts.get(1).body()).isEqualTo(b);
  }

  @Test
  void contentTypeParameters() {
    String ct = "Multipart/Related; type=\"application/dicom\"; boundary=abc";
    assertThat(Multipart.mediaType(ct)).isEqualTo("multipart/related");
    assertThat(Multipart.typeParameter(ct)).contains("application/dicom");
    assertThat(Multipart.typeParameter("multipart/related; boundary=x")).isEmpty();
  }

  @Test
  void refusals() throws Exception {
    String boundary = Multipart.newBoundary();
    byte[] ok = body(boundary, new byte[10]);
    assertThatThrownBy(() -> read(ok, "application/dicom", 100))
        .hasMessageContaining("is not multipart");
    assertThatThrownBy(() -> read(ok, "multipart/related; type=\"application/dicom\"", 100))
        .hasMessageContaining("no boundary");
    assertThatThrownBy(() -> read(ok, Multipart.contentType(boundary, "application/dicom"), 5))
        .isInstanceOfSatisfying(
            Multipart.MultipartException.class, e -> assertThat(e.tooLarge()).isTrue());
    byte[] truncated = java.util.Arrays.copyOf(ok, ok.length - boundary.length() - 6);
    assertThatThrownBy(
            () -> read(truncated, Multipart.contentType(boundary, "application/dicom"), 100))
        .isInstanceOf(Multipart.MultipartException.class);
    assertThatThrownBy(
            () ->
                read(
                    "no parts here".getBytes(StandardCharsets.US_ASCII),
                    Multipart.contentType(boundary, "application/dicom"),
                    100))
        .isInstanceOf(Multipart.MultipartException.class);
  }
}
