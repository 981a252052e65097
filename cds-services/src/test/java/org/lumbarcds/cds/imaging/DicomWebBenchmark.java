package org.lumbarcds.cds.imaging;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.model.dicom.Tags;

/**
 * DICOMweb benchmark (tests/bench/dicomweb.sh runs it): STOW-RS ingest of a folder of phantom
 * studies (one request per study, sequential), then the fetch of a three-view study as the analysis
 * does it — WADO-RS metadata, then each of the three instances — through {@link DicomWebClient}.
 *
 * <p>Arguments: {@code NAME DICOMWEB_ROOT AUTHORIZATION|- STUDIES_FOLDER FETCH_RUNS}.
 */
public final class DicomWebBenchmark {

  private DicomWebBenchmark() {}

  public static void main(String[] args) throws Exception {
    String name = args[0];
    String root = args[1];
    Optional<String> auth = args[2].equals("-") ? Optional.empty() : Optional.of(args[2]);
    Path folder = Path.of(args[3]);
    int runs = Integer.parseInt(args[4]);
    List<Path> studies;
    try (Stream<Path> s = Files.list(folder)) {
      studies = s.filter(Files::isDirectory).sorted().toList();
    }
    HttpClient http = HttpClient.newHttpClient();
    long bytes = 0;
    int instances = 0;
    long start = System.nanoTime();
    List<String> studyUids = new ArrayList<>();
    for (Path study : studies) {
      String boundary = Multipart.newBoundary();
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      List<Path> files;
      try (Stream<Path> s = Files.list(study)) {
        files = s.filter(p -> p.toString().endsWith(".dcm")).sorted().toList();
      }
      for (Path f : files) {
        byte[] b = Files.readAllBytes(f);
        bytes += b.length;
        instances++;
        Multipart.writePart(body, boundary, "application/dicom", b);
      }
      Multipart.writeEnd(body, boundary);
      studyUids.add(
          new DicomReader()
              .read(files.get(0))
              .dataset()
              .getString(Tags.STUDY_INSTANCE_UID)
              .orElseThrow());
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(root + "/studies"))
              .header("Content-Type", Multipart.contentType(boundary, "application/dicom"))
              .header("Accept", "application/dicom+json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
      auth.ifPresent(a -> request.header("Authorization", a));
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(name + " STOW-RS answered " + response.statusCode());
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "%s STOW-RS: %d studies, %d instances, %.1f MB in %.1f s: %.1f instances/s, %.1f MB/s%n",
        name,
        studies.size(),
        instances,
        bytes / 1e6,
        seconds,
        instances / seconds,
        bytes / 1e6 / seconds);

    DicomWebClient client =
        new DicomWebClient(
            new DicomWebClient.Settings(
                root,
                Duration.ofSeconds(5),
                Duration.ofSeconds(60),
                1,
                Duration.ofMillis(100),
                512L << 20,
                auth));
    double[] ms = new double[runs];
    for (int i = -3; i < runs; i++) { // three warm-up fetches
      String uid = studyUids.get(Math.floorMod(i, studyUids.size()));
      long t0 = System.nanoTime();
      List<DicomDataset> headers = client.metadata(uid);
      for (DicomDataset h : headers) {
        client.retrieve(
            uid,
            h.getString(Tags.SERIES_INSTANCE_UID).orElseThrow(),
            h.getString(Tags.SOP_INSTANCE_UID).orElseThrow());
      }
      if (i >= 0) {
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    Arrays.sort(ms);
    System.out.printf(
        "%s three-view fetch (metadata + 3 instances), %d runs: p50 %.0f ms, p95 %.0f ms, max %.0f ms%n",
        name, runs, ms[runs / 2], ms[(int) Math.ceil(runs * 0.95) - 1], ms[runs - 1]);
  }
}
