package org.lumbarcds.server.dicomweb;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lumbarcds.cds.imaging.Multipart;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomJsonWriter;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.server.web.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * WADO-RS (PS3.18 10.4): a study, a series or an instance as {@code multipart/related;
 * type="application/dicom"}, each instance in the transfer syntax it was stored in (no transcoding:
 * an Accept header that names only other syntaxes is 406), and their metadata as DICOM JSON without
 * bulk data. An unknown or malformed UID is 404.
 */
@RestController
@RequestMapping("/dicomweb")
class WadoController {

  private static final Logger log = LoggerFactory.getLogger(WadoController.class);
  private static final Pattern TRANSFER_SYNTAX =
      Pattern.compile("(?i)transfer-syntax\\s*=\\s*\"?([0-9.*]+)\"?");

  private final DicomStore store;
  private final InstanceIndex index;
  private final DicomReader reader = new DicomReader();

  WadoController(DicomStore store, InstanceIndex index) {
    this.store = store;
    this.index = index;
  }

  @GetMapping("/studies/{study}")
  ResponseEntity<StreamingResponseBody> retrieveStudy(
      @PathVariable("study") String study,
      @RequestHeader(value = HttpHeaders.ACCEPT, required = false) String accept) {
    return retrieve(study, Optional.empty(), Optional.empty(), accept);
  }

  @GetMapping("/studies/{study}/series/{series}")
  ResponseEntity<StreamingResponseBody> retrieveSeries(
      @PathVariable("study") String study,
      @PathVariable("series") String series,
      @RequestHeader(value = HttpHeaders.ACCEPT, required = false) String accept) {
    return retrieve(study, Optional.of(series), Optional.empty(), accept);
  }

  @GetMapping("/studies/{study}/series/{series}/instances/{instance}")
  ResponseEntity<StreamingResponseBody> retrieveInstance(
      @PathVariable("study") String study,
      @PathVariable("series") String series,
      @PathVariable("instance") String instance,
      @RequestHeader(value = HttpHeaders.ACCEPT, required = false) String accept) {
    return retrieve(study, Optional.of(series), Optional.of(instance), accept);
  }

  private ResponseEntity<StreamingResponseBody> retrieve(
      String study, Optional<String> series, Optional<String> instance, String accept) {
    Optional<Set<String>> syntaxes = acceptedSyntaxes(accept);
    List<InstanceIndex.Row> rows = found(study, series, instance);
    if (syntaxes.isPresent()
        && rows.stream().anyMatch(r -> !syntaxes.get().contains(r.transferSyntaxUid()))) {
      throw new ApiException(
          HttpStatus.NOT_ACCEPTABLE,
          "instances are served in the transfer syntax they were stored in; ask for"
              + " transfer-syntax=* or omit it");
    }
    String boundary = Multipart.newBoundary();
    // streamed one instance at a time: a large study is never held in memory whole
    StreamingResponseBody body =
        out -> {
          for (InstanceIndex.Row row : rows) {
            Multipart.writePart(
                out,
                boundary,
                DicomWeb.DICOM + "; transfer-syntax=" + row.transferSyntaxUid(),
                store.read(row));
          }
          Multipart.writeEnd(out, boundary);
        };
    return ResponseEntity.ok()
        .header(HttpHeaders.CONTENT_TYPE, Multipart.contentType(boundary, DicomWeb.DICOM))
        .body(body);
  }

  @GetMapping("/studies/{study}/metadata")
  ResponseEntity<ArrayNode> studyMetadata(@PathVariable("study") String study) {
    return metadata(study, Optional.empty(), Optional.empty());
  }

  @GetMapping("/studies/{study}/series/{series}/metadata")
  ResponseEntity<ArrayNode> seriesMetadata(
      @PathVariable("study") String study, @PathVariable("series") String series) {
    return metadata(study, Optional.of(series), Optional.empty());
  }

  @GetMapping("/studies/{study}/series/{series}/instances/{instance}/metadata")
  ResponseEntity<ArrayNode> instanceMetadata(
      @PathVariable("study") String study,
      @PathVariable("series") String series,
      @PathVariable("instance") String instance) {
    return metadata(study, Optional.of(series), Optional.of(instance));
  }

  private ResponseEntity<ArrayNode> metadata(
      String study, Optional<String> series, Optional<String> instance) {
    List<InstanceIndex.Row> rows = found(study, series, instance);
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    try {
      for (InstanceIndex.Row row : rows) {
        DicomDataset ds = reader.read(store.read(row)).dataset();
        // bulk data (pixel data, overlays) are left out: they come with the instance itself
        ObjectNode json = DicomJsonWriter.write(ds, (tag, element) -> Optional.of(""));
        json.properties().removeIf(e -> e.getValue().has("BulkDataURI"));
        array.add(json);
      }
    } catch (IOException e) {
      log.error("Reading a stored instance failed", e);
      throw new ApiException(
          HttpStatus.INTERNAL_SERVER_ERROR, "a stored instance could not be read");
    }
    return ResponseEntity.ok().header(HttpHeaders.CONTENT_TYPE, DicomWeb.DICOM_JSON).body(array);
  }

  private List<InstanceIndex.Row> found(
      String study, Optional<String> series, Optional<String> instance) {
    List<InstanceIndex.Row> rows = index.instances(study, series, instance);
    if (rows.isEmpty()) {
      throw new ApiException(HttpStatus.NOT_FOUND, "no such study, series or instance");
    }
    return rows;
  }

  /**
   * The transfer syntaxes the Accept header takes, over all its acceptable ranges; empty when any
   * syntax will do ("*", no parameter, or no header). 406 when no range takes DICOM parts.
   */
  static Optional<Set<String>> acceptedSyntaxes(String accept) {
    if (accept == null || accept.isBlank()) {
      return Optional.empty();
    }
    Set<String> syntaxes = new LinkedHashSet<>();
    boolean acceptable = false;
    for (String range : accept.split(",")) {
      String media = Multipart.mediaType(range);
      if (media.equals("*/*") || media.equals("multipart/*")) {
        return Optional.empty();
      }
      if (!media.equals("multipart/related")
          || !Multipart.typeParameter(range).map(DicomWeb.DICOM::equals).orElse(true)) {
        continue;
      }
      acceptable = true;
      Matcher m = TRANSFER_SYNTAX.matcher(range);
      if (!m.find() || m.group(1).equals("*")) {
        return Optional.empty();
      }
      syntaxes.add(m.group(1));
    }
    if (!acceptable) {
      throw new ApiException(
          HttpStatus.NOT_ACCEPTABLE,
          "only multipart/related; type=\"application/dicom\" is served here");
    }
    return Optional.of(syntaxes);
  }
}
