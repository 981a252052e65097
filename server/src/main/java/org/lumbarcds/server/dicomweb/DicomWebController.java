package org.lumbarcds.server.dicomweb;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lumbarcds.cds.imaging.Multipart;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomJsonWriter;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.server.web.ApiErrors;
import org.lumbarcds.server.web.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * The embedded DICOMweb store (PS3.18): STOW-RS to store, WADO-RS to retrieve studies, series and
 * instances (as stored: no transcoding) and their metadata, QIDO-RS to search studies and a study's
 * series. Errors are DICOMweb failure responses: a status code, a {@code Warning} header and a JSON
 * body saying what was wrong; never a stack trace.
 */
@RestController
@RequestMapping("/dicomweb")
class DicomWebController {

  static final String DICOM = "application/dicom";
  static final String DICOM_JSON = "application/dicom+json";

  private static final Logger log = LoggerFactory.getLogger(DicomWebController.class);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final StowService stow;
  private final DicomStore store;
  private final InstanceIndex index;
  private final ImagingStudyIndexer indexer;
  private final DicomWebProperties properties;
  private final EmbeddedEndpoint endpoint;
  private final EmbeddedImageSource stored;
  private final DicomReader reader = new DicomReader();

  DicomWebController(
      StowService stow,
      DicomStore store,
      InstanceIndex index,
      ImagingStudyIndexer indexer,
      DicomWebProperties properties,
      EmbeddedEndpoint endpoint,
      EmbeddedImageSource stored) {
    this.stow = stow;
    this.store = store;
    this.index = index;
    this.indexer = indexer;
    this.properties = properties;
    this.endpoint = endpoint;
    this.stored = stored;
  }

  // ------------------------------------------------------------------ STOW-RS

  @PostMapping("/studies")
  ResponseEntity<?> storeInstances(HttpServletRequest request) throws IOException {
    return storeInstances(request, Optional.empty());
  }

  @PostMapping("/studies/{study}")
  ResponseEntity<?> storeInstancesOfStudy(
      HttpServletRequest request, @PathVariable("study") String study) throws IOException {
    if (!DicomStore.validUid(study)) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "the study in the URL is not a valid UID");
    }
    return storeInstances(request, Optional.of(study));
  }

  private ResponseEntity<?> storeInstances(HttpServletRequest request, Optional<String> study)
      throws IOException {
    String contentType = Optional.ofNullable(request.getContentType()).orElse("");
    if (!Multipart.mediaType(contentType).equals("multipart/related")
        || !Multipart.typeParameter(contentType).map(DICOM::equals).orElse(false)) {
      throw new ApiException(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          "STOW-RS takes multipart/related; type=\"application/dicom\"");
    }
    long declared = request.getContentLengthLong();
    long maxRequest = properties.maxRequestSize().toBytes();
    if (declared > maxRequest) {
      throw new ApiException(
          HttpStatus.PAYLOAD_TOO_LARGE, "request larger than " + maxRequest + " bytes");
    }
    List<StowService.Result> results = new ArrayList<>();
    try (InputStream body = request.getInputStream()) {
      Multipart.read(
          body,
          contentType,
          properties.maxInstanceSize().toBytes(),
          maxRequest,
          part -> results.add(stow.store(part.mediaType(), part.body(), study)));
    } catch (Multipart.MultipartException e) {
      // instances already stored from this request stay stored: each is whole and valid
      if (results.isEmpty()) {
        throw new ApiException(
            e.tooLarge() ? HttpStatus.PAYLOAD_TOO_LARGE : HttpStatus.BAD_REQUEST, e.getMessage());
      }
      results.add(
          new StowService.Result(
              Optional.empty(),
              Optional.empty(),
              Optional.empty(),
              Optional.empty(),
              StowService.CANNOT_UNDERSTAND,
              "the rest of the request was not read: " + e.getMessage(),
              false));
    }
    String base = base(request);
    List<String> warnings = new ArrayList<>();
    Set<String> studies = new LinkedHashSet<>();
    for (StowService.Result r : results) {
      if (r.ok()) {
        r.studyUid().ifPresent(studies::add);
      } else {
        warnings.add(r.message());
      }
    }
    for (String uid : studies) {
      try {
        indexStudy(uid);
      } catch (RuntimeException | IOException e) {
        // the instances are stored; the ImagingStudy is rebuilt the next time the study is indexed
        log.warn("Indexing a stored study failed: {}", e.getClass().getSimpleName());
        warnings.add("instances stored, but the ImagingStudy could not be updated");
      }
    }
    ObjectNode response = stowResponse(results, base, study);
    long failed = results.stream().filter(r -> !r.ok()).count();
    HttpStatus status =
        failed == 0
            ? HttpStatus.OK
            : failed == results.size() ? HttpStatus.CONFLICT : HttpStatus.ACCEPTED;
    log.info(
        "STOW-RS: {} instances, {} failed, {} studies indexed",
        results.size(),
        failed,
        studies.size());
    return ResponseEntity.status(status)
        .headers(warningHeaders(warnings))
        .header(HttpHeaders.CONTENT_TYPE, DICOM_JSON)
        .body(response);
  }

  private ImagingStudyIndexer.Indexed indexStudy(String studyUid) throws IOException {
    return indexer.index(stored.metadata(studyUid), endpoint.reference());
  }

  private ObjectNode stowResponse(
      List<StowService.Result> results, String base, Optional<String> study) {
    ObjectNode response = NODES.objectNode();
    study.ifPresent(s -> put(response, "00081190", "UR", base + "/studies/" + s));
    ArrayNode referenced = NODES.arrayNode();
    ArrayNode failed = NODES.arrayNode();
    for (StowService.Result r : results) {
      ObjectNode item = NODES.objectNode();
      r.sopClassUid().ifPresent(v -> put(item, "00081150", "UI", v));
      r.sopInstanceUid().ifPresent(v -> put(item, "00081155", "UI", v));
      if (r.ok()) {
        put(
            item,
            "00081190",
            "UR",
            base
                + "/studies/"
                + r.studyUid().orElseThrow()
                + "/series/"
                + r.seriesUid().orElseThrow()
                + "/instances/"
                + r.sopInstanceUid().orElseThrow());
        referenced.add(item);
      } else {
        item.putObject("00081197").put("vr", "US").putArray("Value").add(r.failureReason());
        failed.add(item);
      }
    }
    if (!referenced.isEmpty()) {
      response.putObject("00081199").put("vr", "SQ").set("Value", referenced);
    }
    if (!failed.isEmpty()) {
      response.putObject("00081198").put("vr", "SQ").set("Value", failed);
    }
    return response;
  }

  // ------------------------------------------------------------------ WADO-RS

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
    Optional<Set<String>> syntaxes;
    try {
      syntaxes = acceptedSyntaxes(accept);
    } catch (IllegalArgumentException e) {
      throw new ApiException(HttpStatus.NOT_ACCEPTABLE, e.getMessage());
    }
    List<InstanceIndex.Row> rows = rows(study, series, instance);
    if (rows.isEmpty()) {
      throw new ApiException(HttpStatus.NOT_FOUND, "no such study, series or instance");
    }
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
                DICOM + "; transfer-syntax=" + row.transferSyntaxUid(),
                store.read(row));
          }
          Multipart.writeEnd(out, boundary);
        };
    return ResponseEntity.ok()
        .header(HttpHeaders.CONTENT_TYPE, Multipart.contentType(boundary, DICOM))
        .body(body);
  }

  @GetMapping("/studies/{study}/metadata")
  ResponseEntity<?> studyMetadata(HttpServletRequest request, @PathVariable("study") String study) {
    return metadata(request, study, Optional.empty(), Optional.empty());
  }

  @GetMapping("/studies/{study}/series/{series}/metadata")
  ResponseEntity<?> seriesMetadata(
      HttpServletRequest request,
      @PathVariable("study") String study,
      @PathVariable("series") String series) {
    return metadata(request, study, Optional.of(series), Optional.empty());
  }

  @GetMapping("/studies/{study}/series/{series}/instances/{instance}/metadata")
  ResponseEntity<?> instanceMetadata(
      HttpServletRequest request,
      @PathVariable("study") String study,
      @PathVariable("series") String series,
      @PathVariable("instance") String instance) {
    return metadata(request, study, Optional.of(series), Optional.of(instance));
  }

  private ResponseEntity<?> metadata(
      HttpServletRequest request,
      String study,
      Optional<String> series,
      Optional<String> instance) {
    List<InstanceIndex.Row> rows = rows(study, series, instance);
    if (rows.isEmpty()) {
      throw new ApiException(HttpStatus.NOT_FOUND, "no such study, series or instance");
    }
    String base = base(request);
    ArrayNode array = NODES.arrayNode();
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
    return ResponseEntity.ok().header(HttpHeaders.CONTENT_TYPE, DICOM_JSON).body(array);
  }

  private List<InstanceIndex.Row> rows(
      String study, Optional<String> series, Optional<String> instance) {
    if (!DicomStore.validUid(study)
        || !series.map(DicomStore::validUid).orElse(true)
        || !instance.map(DicomStore::validUid).orElse(true)) {
      return List.of();
    }
    return index.instances(study, series).stream()
        .filter(r -> instance.map(r.sopInstanceUid()::equals).orElse(true))
        .toList();
  }

  private static final java.util.regex.Pattern TRANSFER_SYNTAX =
      java.util.regex.Pattern.compile("(?i)transfer-syntax\\s*=\\s*\"?([0-9.*]+)\"?");

  /**
   * The transfer syntaxes the Accept header takes, over all its acceptable ranges; empty when any
   * syntax will do ("*", no parameter, or no header). Refused when no range takes DICOM parts.
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
          || !Multipart.typeParameter(range).map(DICOM::equals).orElse(true)) {
        continue;
      }
      acceptable = true;
      var m = TRANSFER_SYNTAX.matcher(range);
      if (!m.find() || m.group(1).equals("*")) {
        return Optional.empty();
      }
      syntaxes.add(m.group(1));
    }
    if (!acceptable) {
      throw new IllegalArgumentException(
          "only multipart/related; type=\"application/dicom\" is served here");
    }
    return Optional.of(syntaxes);
  }

  // ------------------------------------------------------------------ QIDO-RS

  private static final Map<String, String> STUDY_TAGS = new LinkedHashMap<>();

  static {
    STUDY_TAGS.put("00080020", "DA");
    STUDY_TAGS.put("00080030", "TM");
    STUDY_TAGS.put("00080050", "SH");
    STUDY_TAGS.put("00080061", "CS");
    STUDY_TAGS.put("00081030", "LO");
    STUDY_TAGS.put("00100010", "PN");
    STUDY_TAGS.put("00100020", "LO");
    STUDY_TAGS.put("0020000D", "UI");
    STUDY_TAGS.put("00201206", "IS");
    STUDY_TAGS.put("00201208", "IS");
  }

  private static final Set<String> STUDY_KEYS =
      Set.of(
          "patientid",
          "00100020",
          "accessionnumber",
          "00080050",
          "studyinstanceuid",
          "0020000d",
          "studydate",
          "00080020",
          "modalitiesinstudy",
          "00080061",
          "limit",
          "offset",
          "includefield",
          "fuzzymatching");

  @GetMapping("/studies")
  ResponseEntity<?> searchStudies(
      HttpServletRequest request, @RequestParam Map<String, String> query) {
    Map<String, String> q = new LinkedHashMap<>();
    query.forEach((k, v) -> q.put(k.toLowerCase(Locale.ROOT), v));
    List<String> ignored =
        q.keySet().stream().filter(k -> !STUDY_KEYS.contains(k)).sorted().toList();
    int limit;
    int offset;
    try {
      limit = Math.min(Integer.parseInt(q.getOrDefault("limit", "100")), 1000);
      offset = Integer.parseInt(q.getOrDefault("offset", "0"));
      if (limit < 0 || offset < 0) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "limit and offset are non-negative integers");
    }
    Optional<String> date = first(q, "studydate", "00080020");
    Optional<String> from = Optional.empty();
    Optional<String> to = Optional.empty();
    if (date.isPresent()) {
      String d = date.get();
      if (!d.matches("\\d{8}|\\d{8}-|-\\d{8}|\\d{8}-\\d{8}")) {
        throw new ApiException(
            HttpStatus.BAD_REQUEST, "StudyDate is YYYYMMDD or a range YYYYMMDD-YYYYMMDD");
      }
      String[] ends = d.split("-", -1);
      from = ends[0].isEmpty() ? Optional.empty() : Optional.of(ends[0]);
      to = ends.length == 1 ? from : ends[1].isEmpty() ? Optional.empty() : Optional.of(ends[1]);
    }
    String base = base(request);
    ArrayNode array = NODES.arrayNode();
    for (String uid :
        index.studies(
            first(q, "patientid", "00100020"),
            first(q, "accessionnumber", "00080050"),
            first(q, "studyinstanceuid", "0020000d"),
            from,
            to,
            first(q, "modalitiesinstudy", "00080061"),
            limit,
            offset)) {
      array.add(studyAttributes(uid, base));
    }
    HttpHeaders headers = new HttpHeaders();
    if (!ignored.isEmpty()) {
      headers.add(
          HttpHeaders.WARNING,
          "299 lumbar-cds \"The following query parameters were ignored: "
              + String.join(", ", ignored).replace("\"", "")
              + "\"");
    }
    return ResponseEntity.ok()
        .headers(headers)
        .header(HttpHeaders.CONTENT_TYPE, DICOM_JSON)
        .body(array);
  }

  @GetMapping("/studies/{study}/series")
  ResponseEntity<?> searchSeries(HttpServletRequest request, @PathVariable("study") String study) {
    List<InstanceIndex.Row> rows = rows(study, Optional.empty(), Optional.empty());
    if (rows.isEmpty()) {
      throw new ApiException(HttpStatus.NOT_FOUND, "no such study");
    }
    String base = base(request);
    Map<String, List<InstanceIndex.Row>> bySeries = new LinkedHashMap<>();
    rows.forEach(
        r -> bySeries.computeIfAbsent(r.seriesInstanceUid(), k -> new ArrayList<>()).add(r));
    ArrayNode array = NODES.arrayNode();
    bySeries.forEach(
        (uid, members) -> {
          InstanceIndex.Row r = members.get(0);
          ObjectNode o = NODES.objectNode();
          put(o, "00080060", "CS", r.modality());
          put(o, "0008103E", "LO", r.seriesDescription());
          put(o, "0020000D", "UI", r.studyInstanceUid());
          put(o, "0020000E", "UI", uid);
          if (r.seriesNumber() != null) {
            o.putObject("00200011").put("vr", "IS").putArray("Value").add(r.seriesNumber());
          }
          o.putObject("00201209").put("vr", "IS").putArray("Value").add(members.size());
          put(o, "00081190", "UR", base + "/studies/" + r.studyInstanceUid() + "/series/" + uid);
          array.add(o);
        });
    return ResponseEntity.ok().header(HttpHeaders.CONTENT_TYPE, DICOM_JSON).body(array);
  }

  private ObjectNode studyAttributes(String uid, String base) {
    List<InstanceIndex.Row> rows = index.instances(uid, Optional.empty());
    InstanceIndex.Row r = rows.get(0);
    ObjectNode o = NODES.objectNode();
    put(o, "00080020", "DA", r.studyDate());
    put(o, "00080030", "TM", r.studyTime());
    put(o, "00080050", "SH", r.accessionNumber());
    ArrayNode modalities = o.putObject("00080061").put("vr", "CS").putArray("Value");
    rows.stream()
        .map(InstanceIndex.Row::modality)
        .filter(m -> m != null)
        .distinct()
        .forEach(modalities::add);
    put(o, "00081030", "LO", r.studyDescription());
    if (r.patientName() != null && !r.patientName().isEmpty()) {
      o.putObject("00100010")
          .put("vr", "PN")
          .putArray("Value")
          .addObject()
          .put("Alphabetic", r.patientName());
    }
    put(o, "00100020", "LO", r.patientId());
    put(o, "0020000D", "UI", uid);
    o.putObject("00201206")
        .put("vr", "IS")
        .putArray("Value")
        .add(rows.stream().map(InstanceIndex.Row::seriesInstanceUid).distinct().count());
    o.putObject("00201208").put("vr", "IS").putArray("Value").add(rows.size());
    put(o, "00081190", "UR", base + "/studies/" + uid);
    return o;
  }

  // ------------------------------------------------------------------ helpers

  private static Optional<String> first(Map<String, String> q, String keyword, String tag) {
    return Optional.ofNullable(q.getOrDefault(keyword, q.get(tag)))
        .map(String::strip)
        .filter(s -> !s.isEmpty());
  }

  private static void put(ObjectNode o, String tag, String vr, String value) {
    ObjectNode element = o.putObject(tag).put("vr", vr);
    if (value != null && !value.isEmpty()) {
      element.putArray("Value").add(value);
    }
  }

  /** The store's base URL as this request reached it (or the configured public URL). */
  String base(HttpServletRequest request) {
    return endpoint
        .publicUrl()
        .orElseGet(
            () -> {
              String url = request.getRequestURL().toString();
              int at = url.indexOf("/dicomweb");
              return url.substring(0, at + "/dicomweb".length());
            });
  }

  private static HttpHeaders warningHeaders(List<String> messages) {
    HttpHeaders headers = new HttpHeaders();
    messages.stream()
        .distinct()
        .limit(10)
        .forEach(m -> headers.add(HttpHeaders.WARNING, ApiErrors.warning(m)));
    return headers;
  }
}
