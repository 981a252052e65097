package org.lumbarcds.server.dicomweb;

import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.lumbarcds.cds.imaging.Multipart;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomDatasetBuilder;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.model.dicom.Vr;
import org.lumbarcds.server.audit.AuditTrail;
import org.lumbarcds.server.web.ApiErrors;
import org.lumbarcds.server.web.ApiException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * STOW-RS (PS3.18 10.5): {@code POST /dicomweb/studies[/{study}]} with a {@code multipart/related;
 * type="application/dicom"} body. {@link StowService} stores and indexes; this answers with the
 * PS3.18 response dataset (Referenced SOP Sequence with retrieve URLs, Failed SOP Sequence with
 * failure reasons), 200 when every instance was stored, 202 when some were, 409 when none, and a
 * {@code Warning} header per failure in words. A request refused whole (415, 413, 400) is an {@link
 * ApiException}.
 */
@RestController
@RequestMapping("/dicomweb")
class StowController {

  /** At most this many Warning headers: one per distinct failure. */
  private static final int MAX_WARNINGS = 10;

  private final StowService stow;
  private final DicomWebProperties properties;
  private final EmbeddedEndpoint endpoint;

  StowController(StowService stow, DicomWebProperties properties, EmbeddedEndpoint endpoint) {
    this.stow = stow;
    this.properties = properties;
    this.endpoint = endpoint;
  }

  @PostMapping("/studies")
  ResponseEntity<ObjectNode> storeInstances(HttpServletRequest request) throws IOException {
    return store(request, Optional.empty());
  }

  @PostMapping("/studies/{study}")
  ResponseEntity<ObjectNode> storeInstancesOfStudy(
      HttpServletRequest request, @PathVariable("study") String study) throws IOException {
    if (!DicomStore.validUid(study)) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "the study in the URL is not a valid UID");
    }
    return store(request, Optional.of(study));
  }

  private ResponseEntity<ObjectNode> store(HttpServletRequest request, Optional<String> study)
      throws IOException {
    String contentType = Optional.ofNullable(request.getContentType()).orElse("");
    if (!Multipart.mediaType(contentType).equals("multipart/related")
        || !Multipart.typeParameter(contentType).map(DicomWeb.DICOM::equals).orElse(false)) {
      throw new ApiException(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          "STOW-RS takes multipart/related; type=\"application/dicom\"");
    }
    long maxRequest = properties.maxRequestSize().toBytes();
    if (request.getContentLengthLong() > maxRequest) {
      throw new ApiException(
          HttpStatus.PAYLOAD_TOO_LARGE, "request larger than " + maxRequest + " bytes");
    }
    StowService.Stored stored;
    try (InputStream body = request.getInputStream()) {
      stored = stow.store(body, contentType, study);
    } catch (Multipart.MultipartException e) {
      throw new ApiException(
          e.tooLarge() ? HttpStatus.PAYLOAD_TOO_LARGE : HttpStatus.BAD_REQUEST, e.getMessage());
    }
    AuditTrail.touched(
        null,
        null,
        List.of(),
        stored.results().stream()
            .flatMap(r -> r.studyUid().stream())
            .distinct()
            .map(uid -> "urn:oid:" + uid)
            .toList());
    long failed = stored.failed();
    HttpStatus status =
        failed == 0
            ? HttpStatus.OK
            : failed == stored.results().size() ? HttpStatus.CONFLICT : HttpStatus.ACCEPTED;
    HttpHeaders headers = new HttpHeaders();
    stored.warnings().stream()
        .distinct()
        .limit(MAX_WARNINGS)
        .forEach(w -> headers.add(HttpHeaders.WARNING, ApiErrors.warning(w)));
    headers.set(HttpHeaders.CONTENT_TYPE, DicomWeb.DICOM_JSON);
    DicomDataset response = response(stored.results(), DicomWeb.base(request, endpoint), study);
    return ResponseEntity.status(status).headers(headers).body(DicomWeb.json(response));
  }

  /** The PS3.18 Table 10.5.3-1 response: what was stored, where, and what was not, and why. */
  private static DicomDataset response(
      List<StowService.Result> results, String base, Optional<String> study) {
    List<DicomDataset> referenced = new ArrayList<>();
    List<DicomDataset> failed = new ArrayList<>();
    for (StowService.Result r : results) {
      DicomDatasetBuilder item = new DicomDatasetBuilder();
      r.sopClassUid().ifPresent(uid -> item.text(Tags.REFERENCED_SOP_CLASS_UID, Vr.UI, uid));
      r.sopInstanceUid().ifPresent(uid -> item.text(Tags.REFERENCED_SOP_INSTANCE_UID, Vr.UI, uid));
      if (r.ok()) {
        String url =
            base
                + "/studies/"
                + r.studyUid().orElseThrow()
                + "/series/"
                + r.seriesUid().orElseThrow()
                + "/instances/"
                + r.sopInstanceUid().orElseThrow();
        referenced.add(item.text(Tags.RETRIEVE_URL, Vr.UR, url).build());
      } else {
        failed.add(item.unsignedShort(Tags.FAILURE_REASON, r.failureReason()).build());
      }
    }
    DicomDatasetBuilder response = new DicomDatasetBuilder();
    study.ifPresent(s -> response.text(Tags.RETRIEVE_URL, Vr.UR, base + "/studies/" + s));
    if (!referenced.isEmpty()) {
      response.sequence(Tags.REFERENCED_SOP_SEQUENCE, referenced);
    }
    if (!failed.isEmpty()) {
      response.sequence(Tags.FAILED_SOP_SEQUENCE, failed);
    }
    return response.build();
  }
}
