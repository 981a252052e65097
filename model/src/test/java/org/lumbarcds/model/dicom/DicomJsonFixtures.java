package org.lumbarcds.model.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The DICOM JSON fixtures (make_json_fixtures.py) and the checks the DICOM JSON tests share. */
final class DicomJsonFixtures {

  static final ObjectMapper MAPPER = new ObjectMapper();

  private DicomJsonFixtures() {}

  static byte[] fixture(String name) throws IOException {
    try (InputStream in = DicomJsonFixtures.class.getResourceAsStream("/dicom/json/" + name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }

  static DicomDataset dcm(String name) throws IOException {
    return new DicomReader().read(fixture(name)).dataset();
  }

  static JsonNode pydicomJson(String name) throws IOException {
    return MAPPER.readTree(fixture(name));
  }

  /**
   * JSON trees equal, numbers by value: 0.139 as a double and as a decimal are one number. Where
   * decimal text differs, numbers that parse to the same double are equal too (Python and Java may
   * print a float's double value with different digits).
   */
  static void assertJsonEquals(JsonNode expected, JsonNode actual, String path) {
    if (expected.isNumber() && actual.isNumber()) {
      BigDecimal e = expected.decimalValue();
      BigDecimal a = actual.decimalValue();
      if (e.compareTo(a) != 0 && expected.doubleValue() != actual.doubleValue()) {
        fail("%s: expected %s, got %s", path, expected, actual);
      }
      return;
    }
    if (expected.getNodeType() != actual.getNodeType()) {
      fail("%s: expected %s, got %s", path, expected, actual);
    }
    if (expected.isObject()) {
      List<String> expectedKeys = new ArrayList<>();
      expected.fieldNames().forEachRemaining(expectedKeys::add);
      List<String> actualKeys = new ArrayList<>();
      actual.fieldNames().forEachRemaining(actualKeys::add);
      assertThat(actualKeys).as(path).containsExactlyInAnyOrderElementsOf(expectedKeys);
      for (String key : expectedKeys) {
        assertJsonEquals(expected.get(key), actual.get(key), path + "/" + key);
      }
    } else if (expected.isArray()) {
      assertThat(actual.size()).as(path + " size").isEqualTo(expected.size());
      for (int i = 0; i < expected.size(); i++) {
        assertJsonEquals(expected.get(i), actual.get(i), path + "/" + i);
      }
    } else {
      assertThat(actual).as(path).isEqualTo(expected);
    }
  }

  /**
   * Every element of {@code expected} (read from the file) is in {@code actual} (read from JSON)
   * with the same values.
   */
  static void assertSameValues(DicomDataset expected, DicomDataset actual, String path)
      throws DicomException {
    assertThat(actual.elements().keySet()).as(path).isEqualTo(expected.elements().keySet());
    for (DicomElement e : expected.elements().values()) {
      int tag = e.tag();
      String where = path + Tags.format(tag);
      DicomElement a = actual.get(tag).orElseThrow();
      assertThat(a.vr()).as(where).isEqualTo(e.vr());
      switch (e.vr()) {
        case SQ -> {
          assertThat(a.items()).as(where).hasSameSizeAs(e.items());
          for (int i = 0; i < e.items().size(); i++) {
            assertSameValues(e.items().get(i), a.items().get(i), where + "/" + i + "/");
          }
        }
        case IS -> {
          assertThat(actual.getInts(tag)).as(where).containsExactly(expected.getInts(tag));
          assertThat(actual.getDoubles(tag)).as(where).containsExactly(expected.getDoubles(tag));
        }
        case DS, FL, FD ->
            assertThat(actual.getDoubles(tag)).as(where).containsExactly(expected.getDoubles(tag));
        case US, SS, SL ->
            assertThat(actual.getInts(tag)).as(where).containsExactly(expected.getInts(tag));
        case AT, UL, SV, UV, OB, OD, OF, OL, OV, OW, UN -> {
          // Both little endian: the same bytes (UL beyond int, SV, UV and AT have no getter).
          assertThat(a.value()).as(where).isEqualTo(e.value());
          assertThat(a.fragments()).as(where).hasSameSizeAs(e.fragments());
          for (int i = 0; i < e.fragments().size(); i++) {
            assertThat(a.fragments().get(i))
                .as(where + " fragment " + i)
                .isEqualTo(e.fragments().get(i));
          }
        }
        default -> assertThat(actual.getStrings(tag)).as(where).isEqualTo(expected.getStrings(tag));
      }
    }
  }

  static DicomElement text(int tag, Vr vr, String value) {
    return new DicomElement(
        tag, vr, value.getBytes(StandardCharsets.ISO_8859_1), List.of(), List.of());
  }

  static InputStream stream(String json) {
    return new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
  }
}
