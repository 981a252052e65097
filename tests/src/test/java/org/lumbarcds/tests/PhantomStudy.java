package org.lumbarcds.tests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lumbarcds.cds.imaging.Multipart;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.model.testing.DicomFixtures;

/**
 * A fresh copy of a fixture study: every UID, the Patient ID and the Accession Number replaced by
 * new values of the same length (so the files stay valid byte for byte), so that each test has a
 * study, patient and order of its own on the shared server.
 */
record PhantomStudy(String studyUid, String patientId, String accession, List<byte[]> files) {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Copies the named fixtures (all of one study), e.g. {@code study1/neutral.dcm}. */
  static PhantomStudy copy(String... fixtures) throws IOException {
    Map<String, String> replace = new LinkedHashMap<>();
    List<byte[]> originals = new ArrayList<>();
    String studyUid = null;
    String patientId = null;
    String accession = null;
    for (String name : fixtures) {
      byte[] bytes = DicomFixtures.bytes(name);
      originals.add(bytes);
      DicomDataset ds = new DicomReader().read(bytes).dataset();
      for (var tag :
          List.of(Tags.STUDY_INSTANCE_UID, Tags.SERIES_INSTANCE_UID, Tags.SOP_INSTANCE_UID)) {
        String uid = ds.getString(tag).orElseThrow();
        replace.computeIfAbsent(uid, PhantomStudy::digitsLike);
      }
      String pid = ds.getString(Tags.PATIENT_ID).orElseThrow();
      String acc = ds.getString(Tags.ACCESSION_NUMBER).orElseThrow();
      replace.computeIfAbsent(pid, PhantomStudy::lettersLike);
      replace.computeIfAbsent(acc, PhantomStudy::lettersLike);
      studyUid = replace.get(ds.getString(Tags.STUDY_INSTANCE_UID).orElseThrow());
      patientId = replace.get(pid);
      accession = replace.get(acc);
    }
    List<byte[]> files = new ArrayList<>();
    for (byte[] bytes : originals) {
      byte[] copy = bytes.clone();
      replace.forEach((from, to) -> replaceAll(copy, from, to));
      files.add(copy);
    }
    return new PhantomStudy(studyUid, patientId, accession, files);
  }

  /** The same study with only some of its files (by position), e.g. to store a view later. */
  PhantomStudy only(int... positions) {
    List<byte[]> some = new ArrayList<>();
    for (int i : positions) {
      some.add(files.get(i));
    }
    return new PhantomStudy(studyUid, patientId, accession, some);
  }

  /** Stores the files in the server's embedded DICOMweb store (STOW-RS); fails unless 200. */
  void stow(java.net.http.HttpClient http, int port) throws IOException, InterruptedException {
    stow(http, port, null);
  }

  /** The same, with an Authorization header (a bearer token), if not null. */
  void stow(java.net.http.HttpClient http, int port, String authorization)
      throws IOException, InterruptedException {
    java.net.http.HttpResponse<String> stored = send(http, port, authorization);
    if (stored.statusCode() != 200) {
      throw new AssertionError("STOW-RS answered " + stored.statusCode() + ": " + stored.body());
    }
  }

  /** Sends the files to the embedded store (STOW-RS) and returns the answer, whatever it is. */
  java.net.http.HttpResponse<String> send(
      java.net.http.HttpClient http, int port, String authorization)
      throws IOException, InterruptedException {
    String boundary = Multipart.newBoundary();
    java.net.http.HttpRequest.Builder request =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/dicomweb/studies"))
            .header("Content-Type", contentType(boundary))
            .header("Accept", "application/dicom+json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(stowBody(boundary)));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  /** The files as one STOW-RS body; its content type is {@link #contentType}. */
  byte[] stowBody(String boundary) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] file : files) {
      Multipart.writePart(out, boundary, "application/dicom", file);
    }
    Multipart.writeEnd(out, boundary);
    return out.toByteArray();
  }

  static String contentType(String boundary) {
    return Multipart.contentType(boundary, "application/dicom");
  }

  /** A new UID of the same length: the same root, the digits after it random. */
  private static String digitsLike(String uid) {
    int keep = uid.indexOf('.', uid.indexOf('.') + 1) + 1; // "2.25."
    StringBuilder b = new StringBuilder(uid.substring(0, keep));
    b.append((char) ('1' + RANDOM.nextInt(9)));
    while (b.length() < uid.length()) {
      b.append((char) ('0' + RANDOM.nextInt(10)));
    }
    return b.toString();
  }

  private static String lettersLike(String value) {
    StringBuilder b = new StringBuilder("T");
    while (b.length() < value.length()) {
      b.append((char) ('A' + RANDOM.nextInt(26)));
    }
    return b.toString();
  }

  private static void replaceAll(byte[] data, String from, String to) {
    byte[] f = from.getBytes(StandardCharsets.US_ASCII);
    byte[] t = to.getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + f.length <= data.length; i++) {
      for (int j = 0; j < f.length; j++) {
        if (data[i + j] != f[j]) {
          continue outer;
        }
      }
      // whole value only: not a prefix of a longer UID
      if (i + f.length < data.length && Character.isDigit(data[i + f.length])) {
        continue;
      }
      System.arraycopy(t, 0, data, i, t.length);
    }
  }
}
