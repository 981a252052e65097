package org.lumbarcds.model.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.MAPPER;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.assertJsonEquals;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.assertSameValues;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.dcm;
import static org.lumbarcds.model.dicom.DicomJsonFixtures.text;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** DICOM JSON written, read back and written again: the values, character sets and URIs kept. */
class DicomJsonRoundTripTest {

  @ParameterizedTest
  @ValueSource(strings = {"all-vrs.dcm", "all-vrs-be.dcm", "encapsulated.dcm", "ISO_IR 100"})
  void writeReadWriteIsStable(String name) throws IOException {
    DicomDataset dataset = name.endsWith(".dcm") ? dcm(name) : latin1();
    ObjectNode first = DicomJsonWriter.write(dataset);

    ObjectNode second = DicomJsonWriter.write(DicomJsonReader.read(first));
    assertThat(second).isEqualTo(first);

    byte[] text = MAPPER.writeValueAsBytes(first);
    ObjectNode third = DicomJsonWriter.write(DicomJsonReader.read(new ByteArrayInputStream(text)));
    assertJsonEquals(first, third, "");
  }

  /**
   * An ISO_IR 100 dataset keeps its (0008,0005) in JSON, and its text round-trips: JSON text is
   * Unicode, which the dataset read from it decodes as UTF-8, its items too.
   */
  @Test
  void isoIr100TextRoundTripsAndKeepsItsCharacterSet() throws DicomException {
    ObjectNode json = DicomJsonWriter.write(latin1());
    assertThat(json.at("/00080005/Value/0").asText()).isEqualTo("ISO_IR 100");
    assertThat(json.at("/00100010/Value/0/Alphabetic").asText()).isEqualTo("Müller^Jürgen");
    assertThat(json.at("/00204000/Value/0").asText()).isEqualTo("  Größe 1,82 m\\ok");
    assertThat(json.at("/0008010E/Value/0").asText()).isEqualTo("http://example.com/a\\b");
    assertThat(json.at("/00540220/Value/0/00080104/Value/0").asText()).isEqualTo("Flexión");
    assertThat(json.at("/00540220/Value/1/00080005/Value/0").asText()).isEqualTo("ISO_IR 100");
    assertThat(json.at("/00540220/Value/1/00080104/Value/0").asText()).isEqualTo("Extensión");

    DicomDataset read = DicomJsonReader.read(json);
    assertSameValues(latin1(), read, "");
    assertThat(read.getString(Tags.SPECIFIC_CHARACTER_SET)).hasValue("ISO_IR 100");
    assertThat(read.getStrings(Tags.PATIENT_NAME)).containsExactly("Müller^Jürgen");
    List<DicomDataset> items = read.getSequence(Tags.VIEW_CODE_SEQUENCE);
    assertThat(items.get(0).getStrings(Tags.CODE_MEANING)).containsExactly("Flexión");
    assertThat(items.get(1).getString(Tags.SPECIFIC_CHARACTER_SET)).hasValue("ISO_IR 100");
    assertThat(items.get(1).getStrings(Tags.CODE_MEANING)).containsExactly("Extensión");
  }

  /**
   * A dataset as DicomReader gives an ISO_IR 100 file: Latin-1 text, one item inheriting the
   * character set and one with its own (0008,0005).
   */
  private static DicomDataset latin1() {
    DicomDataset ds = new DicomDataset(ByteOrder.LITTLE_ENDIAN, StandardCharsets.ISO_8859_1);
    ds.put(text(Tags.SPECIFIC_CHARACTER_SET, Vr.CS, "ISO_IR 100"));
    ds.put(text(Tags.PATIENT_NAME, Vr.PN, "Müller^Jürgen "));
    ds.put(text(Tags.IMAGE_COMMENTS, Vr.LT, "  Größe 1,82 m\\ok "));
    ds.put(text(0x0008010E, Vr.UR, "http://example.com/a\\b "));
    DicomDataset inherits = new DicomDataset(ByteOrder.LITTLE_ENDIAN, ds.charset());
    inherits.put(text(Tags.CODE_MEANING, Vr.LO, "Flexión "));
    DicomDataset own = new DicomDataset(ByteOrder.LITTLE_ENDIAN, ds.charset());
    own.put(text(Tags.SPECIFIC_CHARACTER_SET, Vr.CS, "ISO_IR 100"));
    own.put(text(Tags.CODE_MEANING, Vr.LO, "Extensión "));
    ds.put(
        new DicomElement(
            Tags.VIEW_CODE_SEQUENCE, Vr.SQ, new byte[0], List.of(inherits, own), List.of()));
    return ds;
  }

  @Test
  void bulkDataUrisAreWrittenAndKept() throws IOException {
    DicomDataset ds = dcm("all-vrs.dcm");
    ObjectNode json =
        DicomJsonWriter.write(
            ds,
            (tag, element) ->
                tag == Tags.PIXEL_DATA || tag == 0x00091001
                    ? Optional.of("https://example.com/bulk/" + String.format("%08X", tag))
                    : Optional.empty());

    assertThat(json.get("7FE00010").get("BulkDataURI").asText())
        .isEqualTo("https://example.com/bulk/7FE00010");
    assertThat(json.get("7FE00010").has("InlineBinary")).isFalse();
    assertThat(json.get("00281201").has("InlineBinary")).isTrue();

    // A URI inside a sequence item, keyed by its path.
    ObjectNode item = (ObjectNode) json.get("00540220").get("Value").get(0);
    item.putObject("00880200")
        .put("vr", "SQ")
        .putArray("Value")
        .addObject()
        .putObject("7FE00010")
        .put("vr", "OW")
        .put("BulkDataURI", "icon");
    DicomJsonReader.Parsed parsed = DicomJsonReader.parse(json);
    assertThat(parsed.bulkDataUris())
        .containsExactly(
            Map.entry("00091001", "https://example.com/bulk/00091001"),
            Map.entry("00540220/0/00880200/0/7FE00010", "icon"),
            Map.entry("7FE00010", "https://example.com/bulk/7FE00010"));
    assertThat(parsed.dataset().get(Tags.PIXEL_DATA).orElseThrow().value()).isEmpty();
  }

  @Test
  void floatsThatJsonCannotHoldAreStrings() throws DicomException {
    DicomDataset ds = new DicomDataset(ByteOrder.BIG_ENDIAN, StandardCharsets.ISO_8859_1);
    byte[] fd = java.nio.ByteBuffer.allocate(16).putDouble(Double.NaN).putDouble(-0.5).array();
    ds.put(new DicomElement(0x00720074, Vr.FD, fd, List.of(), List.of()));

    ObjectNode json = DicomJsonWriter.write(ds);
    assertThat(json.toString())
        .isEqualTo("{\"00720074\":{\"vr\":\"FD\",\"Value\":[\"NaN\",-0.5]}}");
    assertThat(DicomJsonReader.read(json).getDoubles(0x00720074)).containsExactly(Double.NaN, -0.5);
  }
}
