package org.lumbarcds.model.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.model.dicom.Tags;

/**
 * The DICOMweb test studies (src/test/resources/dicomweb, made by its make_fixtures.py), read from
 * the classpath: shared with other modules through the model's test jar.
 */
public final class DicomFixtures {

  private DicomFixtures() {}

  /** The bytes of a fixture, e.g. {@code study1/flexion.dcm}. */
  public static byte[] bytes(String name) {
    try (InputStream in = DicomFixtures.class.getResourceAsStream("/dicomweb/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no DICOM fixture " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Study Instance UID of a fixture. */
  public static String studyUid(String name) throws IOException {
    return new DicomReader()
        .read(bytes(name))
        .dataset()
        .getString(Tags.STUDY_INSTANCE_UID)
        .orElseThrow();
  }
}
