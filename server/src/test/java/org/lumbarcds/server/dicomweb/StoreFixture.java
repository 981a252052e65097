package org.lumbarcds.server.dicomweb;

import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.cds.imaging.Multipart;
import org.lumbarcds.model.testing.DicomFixtures;
import org.lumbarcds.server.fhir.FhirProperties;
import org.lumbarcds.server.network.ServerAddress;
import org.lumbarcds.server.storage.ProjectDatabase;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.util.unit.DataSize;

/**
 * The embedded store as the server wires it, without the server: files in a temporary folder, the
 * catalogue in an in-memory H2 database with the project's tables, and only the FHIR side ({@link
 * ImagingStudyIndexer}) a Mockito mock. DICOM files are the model's DICOMweb fixtures
 * (model/src/test/resources/dicomweb).
 */
final class StoreFixture {

  static final String ENDPOINT = "Endpoint/" + ImageSources.EMBEDDED_ENDPOINT_ID;

  /** A multipart/related body and its Content-Type. */
  record Body(String contentType, byte[] bytes) {}

  final DicomWebProperties properties;
  final InstanceIndex index;
  final DicomStore store;
  final ImagingStudyIndexer indexer = mock(ImagingStudyIndexer.class);
  final EmbeddedImageSource source;
  final EmbeddedEndpoint endpoint;
  final StowService stow;

  StoreFixture(Path folder) throws IOException {
    this(folder, properties(DataSize.ofMegabytes(256), DataSize.ofGigabytes(1), null));
  }

  StoreFixture(Path folder, DicomWebProperties properties) throws IOException {
    this.properties = properties;
    index = new InstanceIndex(ProjectDatabase.withProjectTables());
    store = new DicomStore(folder.resolve("dicom"), index);
    source = new EmbeddedImageSource(store, index);
    when(indexer.embeddedEndpoint(anyString())).thenReturn(new Reference(ENDPOINT));
    FhirProperties fhir = new FhirProperties(List.of(), 20, 200, true, false, null);
    endpoint =
        new EmbeddedEndpoint(indexer, properties, new ServerAddress(fhir, new MockEnvironment()));
    stow = new StowService(store, index, indexer, source, endpoint, properties);
  }

  /** The server's defaults but for the size bounds and the public URL. */
  static DicomWebProperties properties(
      DataSize maxInstance, DataSize maxRequest, String publicUrl) {
    return new DicomWebProperties(
        maxInstance,
        maxRequest,
        List.of(
            "1.2.840.10008.5.1.4.1.1.1.1",
            "1.2.840.10008.5.1.4.1.1.1.1.1",
            "1.2.840.10008.5.1.4.1.1.1"),
        null,
        null,
        publicUrl,
        java.time.Duration.ofMinutes(10));
  }

  /** A STOW-RS body of these fixtures, e.g. {@code study1/neutral.dcm}. */
  static Body body(String... fixtures) throws IOException {
    return body(false, fixtures);
  }

  /** A body of these fixtures that then breaks off inside one more part. */
  static Body brokenOff(String... fixtures) throws IOException {
    return body(true, fixtures);
  }

  private static Body body(boolean brokenOff, String... fixtures) throws IOException {
    String boundary = Multipart.newBoundary();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String fixture : fixtures) {
      Multipart.writePart(out, boundary, DicomWeb.DICOM, DicomFixtures.bytes(fixture));
    }
    if (brokenOff) {
      String cut = "--" + boundary + "\r\nContent-Type: application/dicom\r\n\r\nDICM";
      out.write(cut.getBytes(StandardCharsets.US_ASCII));
    } else {
      Multipart.writeEnd(out, boundary);
    }
    return new Body(Multipart.contentType(boundary, DicomWeb.DICOM), out.toByteArray());
  }

  /** Stores fixtures as a STOW-RS request would. */
  StowService.Stored stored(String... fixtures) throws IOException {
    Body body = body(fixtures);
    return stow.store(new ByteArrayInputStream(body.bytes()), body.contentType(), Optional.empty());
  }

  /** The parts of a multipart/related body. */
  static List<Multipart.Part> parts(String contentType, byte[] body) throws IOException {
    List<Multipart.Part> parts = new ArrayList<>();
    Multipart.read(new ByteArrayInputStream(body), contentType, 1 << 26, 1 << 28, parts::add);
    return parts;
  }
}
