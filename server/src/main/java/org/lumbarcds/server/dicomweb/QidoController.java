package org.lumbarcds.server.dicomweb;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomDatasetBuilder;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.model.dicom.Vr;
import org.lumbarcds.server.web.ApiErrors;
import org.lumbarcds.server.web.ApiException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * QIDO-RS (PS3.18 10.6), answered from {@link InstanceIndex} without opening a file: studies by
 * PatientID, AccessionNumber, StudyInstanceUID, StudyDate (a date or a range with either end open)
 * and ModalitiesInStudy, exact matches, most recent first, with {@code limit} and {@code offset};
 * other keys are ignored and named in a {@code Warning} header. And the series of one study.
 */
@RestController
@RequestMapping("/dicomweb")
class QidoController {

  /** The keys searched on, each by keyword or by tag (lower case), and the paging keys. */
  private static final Set<String> STUDY_KEYS =
      Set.of(
          "patientid",
          key(Tags.PATIENT_ID),
          "accessionnumber",
          key(Tags.ACCESSION_NUMBER),
          "studyinstanceuid",
          key(Tags.STUDY_INSTANCE_UID),
          "studydate",
          key(Tags.STUDY_DATE),
          "modalitiesinstudy",
          key(Tags.MODALITIES_IN_STUDY),
          "limit",
          "offset",
          "includefield",
          "fuzzymatching");

  private static final int DEFAULT_LIMIT = 100;
  private static final int MAX_LIMIT = 1000;

  private final InstanceIndex index;
  private final EmbeddedEndpoint endpoint;

  QidoController(InstanceIndex index, EmbeddedEndpoint endpoint) {
    this.index = index;
    this.endpoint = endpoint;
  }

  @GetMapping("/studies")
  ResponseEntity<ArrayNode> searchStudies(
      HttpServletRequest request, @RequestParam Map<String, String> query) {
    Map<String, String> q = new LinkedHashMap<>();
    query.forEach((k, v) -> q.put(k.toLowerCase(Locale.ROOT), v));
    List<String> ignored =
        q.keySet().stream().filter(k -> !STUDY_KEYS.contains(k)).sorted().toList();
    int limit;
    int offset;
    try {
      limit =
          Math.min(
              Integer.parseInt(q.getOrDefault("limit", String.valueOf(DEFAULT_LIMIT))), MAX_LIMIT);
      offset = Integer.parseInt(q.getOrDefault("offset", "0"));
      if (limit < 0 || offset < 0) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "limit and offset are non-negative integers");
    }
    Optional<String> date = first(q, "studydate", Tags.STUDY_DATE);
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
    String base = DicomWeb.base(request, endpoint);
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    for (String uid :
        index.studies(
            first(q, "patientid", Tags.PATIENT_ID),
            first(q, "accessionnumber", Tags.ACCESSION_NUMBER),
            first(q, "studyinstanceuid", Tags.STUDY_INSTANCE_UID),
            from,
            to,
            first(q, "modalitiesinstudy", Tags.MODALITIES_IN_STUDY),
            limit,
            offset)) {
      array.add(DicomWeb.json(study(uid, base)));
    }
    HttpHeaders headers = new HttpHeaders();
    if (!ignored.isEmpty()) {
      headers.add(
          HttpHeaders.WARNING,
          ApiErrors.warning(
              "The following query parameters were ignored: " + String.join(", ", ignored)));
    }
    headers.set(HttpHeaders.CONTENT_TYPE, DicomWeb.DICOM_JSON);
    return ResponseEntity.ok().headers(headers).body(array);
  }

  @GetMapping("/studies/{study}/series")
  ResponseEntity<ArrayNode> searchSeries(
      HttpServletRequest request, @PathVariable("study") String study) {
    List<InstanceIndex.Row> rows = index.instances(study, Optional.empty(), Optional.empty());
    if (rows.isEmpty()) {
      throw new ApiException(HttpStatus.NOT_FOUND, "no such study");
    }
    String base = DicomWeb.base(request, endpoint);
    Map<String, List<InstanceIndex.Row>> bySeries = new LinkedHashMap<>();
    rows.forEach(
        r -> bySeries.computeIfAbsent(r.seriesInstanceUid(), k -> new ArrayList<>()).add(r));
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    bySeries.forEach((uid, members) -> array.add(DicomWeb.json(series(uid, members, base))));
    return ResponseEntity.ok().header(HttpHeaders.CONTENT_TYPE, DicomWeb.DICOM_JSON).body(array);
  }

  /** A study's attributes, from its first instance's row and counted over all of them. */
  private DicomDataset study(String uid, String base) {
    List<InstanceIndex.Row> rows = index.instances(uid, Optional.empty());
    InstanceIndex.Row r = rows.get(0);
    String[] modalities =
        rows.stream()
            .map(InstanceIndex.Row::modality)
            .filter(Objects::nonNull)
            .distinct()
            .toArray(String[]::new);
    long series = rows.stream().map(InstanceIndex.Row::seriesInstanceUid).distinct().count();
    return new DicomDatasetBuilder()
        .text(Tags.STUDY_DATE, Vr.DA, r.studyDate())
        .text(Tags.STUDY_TIME, Vr.TM, r.studyTime())
        .text(Tags.ACCESSION_NUMBER, Vr.SH, r.accessionNumber())
        .text(Tags.MODALITIES_IN_STUDY, Vr.CS, modalities)
        .text(Tags.STUDY_DESCRIPTION, Vr.LO, r.studyDescription())
        .text(Tags.PATIENT_NAME, Vr.PN, r.patientName())
        .text(Tags.PATIENT_ID, Vr.LO, r.patientId())
        .text(Tags.STUDY_INSTANCE_UID, Vr.UI, uid)
        .integerString(Tags.NUMBER_OF_STUDY_RELATED_SERIES, series)
        .integerString(Tags.NUMBER_OF_STUDY_RELATED_INSTANCES, rows.size())
        .text(Tags.RETRIEVE_URL, Vr.UR, base + "/studies/" + uid)
        .build();
  }

  /** A series' attributes, from its first instance's row. */
  private static DicomDataset series(String uid, List<InstanceIndex.Row> members, String base) {
    InstanceIndex.Row r = members.get(0);
    return new DicomDatasetBuilder()
        .text(Tags.MODALITY, Vr.CS, r.modality())
        .text(Tags.SERIES_DESCRIPTION, Vr.LO, r.seriesDescription())
        .text(Tags.STUDY_INSTANCE_UID, Vr.UI, r.studyInstanceUid())
        .text(Tags.SERIES_INSTANCE_UID, Vr.UI, uid)
        .text(Tags.SERIES_NUMBER, Vr.IS, Objects.toString(r.seriesNumber(), null))
        .integerString(Tags.NUMBER_OF_SERIES_RELATED_INSTANCES, members.size())
        .text(
            Tags.RETRIEVE_URL, Vr.UR, base + "/studies/" + r.studyInstanceUid() + "/series/" + uid)
        .build();
  }

  /** A search key's value, given by keyword or by tag; blank is no value. */
  private static Optional<String> first(Map<String, String> q, String keyword, int tag) {
    return Optional.ofNullable(q.getOrDefault(keyword, q.get(key(tag))))
        .map(String::strip)
        .filter(s -> !s.isEmpty());
  }

  /** A tag as a query key names it, lower case. */
  private static String key(int tag) {
    return String.format("%08x", tag);
  }
}
