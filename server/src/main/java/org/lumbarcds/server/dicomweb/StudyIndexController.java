package org.lumbarcds.server.dicomweb;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.cds.imaging.ImageSource;
import org.lumbarcds.cds.imaging.ImageSourceException;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.server.web.ApiException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /imaging/index}: builds or refreshes the ImagingStudy of a study held by a PACS (or
 * by the embedded store) from the study's WADO-RS metadata. Body: {@code {"endpoint":
 * "Endpoint/123", "studyInstanceUid": "1.2.3"}}. Answers what was written, or a problem+json error
 * saying why not (404 unknown endpoint or study, 400 unusable endpoint, 502 the PACS refused or
 * answered wrongly, 504 the PACS is unavailable).
 */
@RestController
class StudyIndexController {

  /**
   * What to index.
   *
   * @param endpoint the PACS's Endpoint ({@code Endpoint/123})
   * @param studyInstanceUid the study
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record IndexRequest(String endpoint, String studyInstanceUid) {}

  /**
   * What was written.
   *
   * @param imagingStudy the ImagingStudy ({@code ImagingStudy/…})
   * @param change created, updated or unchanged
   * @param patientMatched whether the study's patient was found
   * @param orderMatched whether its order was found
   * @param instances how many instances the PACS listed
   */
  record IndexAnswer(
      String imagingStudy,
      String change,
      boolean patientMatched,
      boolean orderMatched,
      int instances) {}

  private final ImageSources sources;
  private final ImagingStudyIndexer indexer;

  StudyIndexController(ImageSources sources, ImagingStudyIndexer indexer) {
    this.sources = sources;
    this.indexer = indexer;
  }

  @PostMapping(path = "/imaging/index", consumes = "application/json")
  IndexAnswer index(@RequestBody IndexRequest body) {
    String endpoint = body.endpoint() == null ? "" : body.endpoint();
    String study = body.studyInstanceUid() == null ? "" : body.studyInstanceUid();
    if (!DicomStore.validUid(study)) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST, "studyInstanceUid is missing or not a DICOM UID");
    }
    ImageSource source;
    try {
      source = sources.forEndpoint(endpoint);
    } catch (ImageSources.UnusableEndpoint e) {
      throw new ApiException(
          e.missing() ? HttpStatus.NOT_FOUND : HttpStatus.BAD_REQUEST, e.getMessage());
    }
    List<DicomDataset> headers;
    try {
      headers = source.metadata(study);
    } catch (ImageSourceException e) {
      HttpStatus status =
          switch (e.reason()) {
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case UNAVAILABLE -> HttpStatus.GATEWAY_TIMEOUT;
            case REFUSED, TOO_LARGE, BAD_RESPONSE -> HttpStatus.BAD_GATEWAY;
          };
      throw new ApiException(status, e.getMessage());
    }
    if (headers.isEmpty()) {
      throw new ApiException(HttpStatus.NOT_FOUND, "the study has no instances");
    }
    // what the PACS sent must be the study asked for, each instance fully identified
    for (DicomDataset h : headers) {
      if (!h.getString(Tags.STUDY_INSTANCE_UID).map(study::equals).orElse(false)
          || !DicomStore.validUid(h.getString(Tags.SERIES_INSTANCE_UID).orElse(null))
          || !DicomStore.validUid(h.getString(Tags.SOP_INSTANCE_UID).orElse(null))) {
        throw new ApiException(
            HttpStatus.BAD_GATEWAY,
            "the PACS answered with instances of another study or without their UIDs");
      }
    }
    Reference reference = new Reference(new IdType(endpoint).toUnqualifiedVersionless().getValue());
    ImagingStudyIndexer.Indexed indexed = indexer.index(headers, reference);
    return new IndexAnswer(
        "ImagingStudy/" + indexed.id(),
        indexed.change().name().toLowerCase(Locale.ROOT),
        indexed.patientMatched(),
        indexed.orderMatched(),
        headers.size());
  }
}
