package org.lumbarcds.model.dicom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The DICOM test fixtures on the classpath (src/test/resources/dicom). */
final class TestResources {

  private TestResources() {}

  /** A fixture's bytes; fails when it is missing rather than returning null. */
  static byte[] bytes(String path) throws IOException {
    try (InputStream in = TestResources.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IOException("No test resource " + path);
      }
      return in.readAllBytes();
    }
  }

  /** The entries of a JSON array fixture, for parameterized tests. */
  static Stream<JsonNode> jsonArray(String path) throws IOException {
    List<JsonNode> entries = new ArrayList<>();
    new ObjectMapper().readTree(bytes(path)).forEach(entries::add);
    return entries.stream();
  }

  /** A Part 10 fixture, read with the default limits. */
  static DicomFile dicom(String path) throws IOException {
    return new DicomReader().read(bytes(path));
  }
}
