package org.lumbarcds.server.demo;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomException;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.model.dicom.Tags;

/**
 * The demo's studies, carried in the server jar under {@code demo/}: synthetic phantom radiographs
 * (RLE Lossless DICOM) made by {@code tests/demo/bundle.py}, listed in {@code demo/manifest.json}
 * with their role. Each study's patient and order are read from its DICOM header, as a PACS's would
 * be.
 */
final class DemoBundle {

  static final String FOLDER = "/demo/";

  /** What a study is for. */
  enum Role {
    /** all three views: the pool the cases are chosen from */
    POOL,
    /** neutral and flexion only: the missing-view case */
    MISSING_VIEW
  }

  /**
   * A study's patient and order as its DICOM header gives them.
   *
   * @param patientId Patient ID (0010,0020)
   * @param accession Accession Number (0008,0050)
   * @param family the family name of Patient's Name (0010,0010)
   * @param given the given names of Patient's Name
   * @param sex Patient's Sex (0010,0040): {@code F}, {@code M}, {@code O} or empty
   */
  record Header(String patientId, String accession, String family, String given, String sex) {}

  /**
   * A study of the bundle.
   *
   * @param folder its folder under {@code demo/} (the phantom's patient id)
   * @param role what it is for
   * @param files its views as DICOM Part 10 files
   * @param header its patient and order
   */
  record Study(String folder, Role role, List<byte[]> files, Header header) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  private record Manifest(List<Entry> studies) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  private record Entry(String folder, String role, List<String> views) {}

  private DemoBundle() {}

  /** The studies of the bundle, in the manifest's order. */
  static List<Study> read() {
    Manifest manifest;
    try (InputStream in = resource("manifest.json")) {
      manifest = new ObjectMapper().readValue(in, Manifest.class);
    } catch (IOException e) {
      throw new IllegalStateException("the demo's manifest cannot be read from the jar", e);
    }
    List<Study> studies = new ArrayList<>();
    for (Entry e : manifest.studies()) {
      List<byte[]> files = new ArrayList<>();
      for (String view : e.views()) {
        try (InputStream in = resource(e.folder() + "/" + view + ".dcm")) {
          files.add(in.readAllBytes());
        } catch (IOException ex) {
          throw new IllegalStateException("a demo study cannot be read from the jar", ex);
        }
      }
      studies.add(
          new Study(
              e.folder(),
              Role.valueOf(e.role().toUpperCase(Locale.ROOT).replace('-', '_')),
              files,
              header(files.get(0))));
    }
    return studies;
  }

  private static Header header(byte[] file) {
    DicomDataset ds;
    try {
      ds = new DicomReader().read(file).dataset();
    } catch (DicomException e) {
      throw new IllegalStateException("a demo study is not readable DICOM", e);
    }
    String name = ds.getString(Tags.PATIENT_NAME).orElse("");
    int caret = name.indexOf('^');
    return new Header(
        ds.getString(Tags.PATIENT_ID).orElseThrow().strip(),
        ds.getString(Tags.ACCESSION_NUMBER).orElseThrow().strip(),
        caret < 0 ? name : name.substring(0, caret),
        caret < 0 ? "" : name.substring(caret + 1).replace('^', ' ').strip(),
        ds.getString(Tags.PATIENT_SEX).orElse("").strip());
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = DemoBundle.class.getResourceAsStream(FOLDER + name);
    if (in == null) {
      throw new IOException("no " + FOLDER + name + " in the jar");
    }
    return in;
  }
}
