package org.lumbarcds.server.dicomweb;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.RowMapper;

/**
 * The store's catalogue: one row per SOP instance, in the server's database (H2 or PostgreSQL), so
 * that searches never open files and a SOP Instance UID is stored once, whichever request wins a
 * race. Plain SQL that both databases run.
 */
class InstanceIndex {

  /** One stored instance and the attributes QIDO-RS answers with. */
  record Row(
      String sopInstanceUid,
      String studyInstanceUid,
      String seriesInstanceUid,
      String sopClassUid,
      String transferSyntaxUid,
      String sha256,
      long sizeBytes,
      String relativePath,
      String patientId,
      String patientName,
      String accessionNumber,
      String studyDate,
      String studyTime,
      String studyDescription,
      String modality,
      String seriesDescription,
      Integer seriesNumber,
      Integer instanceNumber,
      Instant storedAt) {}

  private static final String COLUMNS =
      "sop_instance_uid, study_instance_uid, series_instance_uid, sop_class_uid,"
          + " transfer_syntax_uid, sha256, size_bytes, relative_path, patient_id, patient_name,"
          + " accession_number, study_date, study_time, study_description, modality,"
          + " series_description, series_number, instance_number, stored_at";

  private static final RowMapper<Row> MAPPER = InstanceIndex::row;

  private final JdbcTemplate jdbc;

  InstanceIndex(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  Optional<Row> find(String sopInstanceUid) {
    return jdbc
        .query(
            "SELECT " + COLUMNS + " FROM lcds_dicom_instance WHERE sop_instance_uid = ?",
            MAPPER,
            sopInstanceUid)
        .stream()
        .findFirst();
  }

  /** Every listed file: its path under the store's folder and its size in bytes. */
  Map<String, Long> files() {
    Map<String, Long> files = new HashMap<>();
    jdbc.query(
        "SELECT relative_path, size_bytes FROM lcds_dicom_instance",
        (RowCallbackHandler) rs -> files.put(rs.getString(1), rs.getLong(2)));
    return files;
  }

  /** Whether a row names this file (its path under the store's folder). */
  boolean listed(String relativePath) {
    Integer n =
        jdbc.queryForObject(
            "SELECT COUNT(*) FROM lcds_dicom_instance WHERE relative_path = ?",
            Integer.class,
            relativePath);
    return n != null && n > 0;
  }

  /** Adds a row; false when its SOP Instance UID is already there. */
  boolean insert(Row r) {
    try {
      jdbc.update(
          "INSERT INTO lcds_dicom_instance ("
              + COLUMNS
              + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          r.sopInstanceUid(),
          r.studyInstanceUid(),
          r.seriesInstanceUid(),
          r.sopClassUid(),
          r.transferSyntaxUid(),
          r.sha256(),
          r.sizeBytes(),
          r.relativePath(),
          cut(r.patientId(), 64),
          cut(r.patientName(), 324),
          cut(r.accessionNumber(), 64),
          cut(r.studyDate(), 8),
          cut(r.studyTime(), 16),
          cut(r.studyDescription(), 64),
          cut(r.modality(), 16),
          cut(r.seriesDescription(), 64),
          r.seriesNumber(),
          r.instanceNumber(),
          Timestamp.from(r.storedAt()));
      return true;
    } catch (DuplicateKeyException e) {
      return false;
    }
  }

  /** The instances of a study (optionally of one series), by series then instance number. */
  List<Row> instances(String studyUid, Optional<String> seriesUid) {
    String sql =
        "SELECT "
            + COLUMNS
            + " FROM lcds_dicom_instance WHERE study_instance_uid = ?"
            + (seriesUid.isPresent() ? " AND series_instance_uid = ?" : "")
            + " ORDER BY series_number, series_instance_uid, instance_number, sop_instance_uid";
    return seriesUid.isPresent()
        ? jdbc.query(sql, MAPPER, studyUid, seriesUid.get())
        : jdbc.query(sql, MAPPER, studyUid);
  }

  /**
   * The instances a DICOMweb path names: a study, one of its series or one instance; none when a
   * UID in the path is not a valid one.
   */
  List<Row> instances(String studyUid, Optional<String> seriesUid, Optional<String> sopUid) {
    if (!DicomStore.validUid(studyUid)
        || !seriesUid.map(DicomStore::validUid).orElse(true)
        || !sopUid.map(DicomStore::validUid).orElse(true)) {
      return List.of();
    }
    return instances(studyUid, seriesUid).stream()
        .filter(r -> sopUid.map(r.sopInstanceUid()::equals).orElse(true))
        .toList();
  }

  /**
   * Study UIDs matching the QIDO-RS keys that are given (exact values; a study date may be a range
   * {@code from-to} with either end open), most recent study date first.
   */
  List<String> studies(
      Optional<String> patientId,
      Optional<String> accession,
      Optional<String> studyUid,
      Optional<String> dateFrom,
      Optional<String> dateTo,
      Optional<String> modality,
      int limit,
      int offset) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT study_instance_uid, MAX(study_date) AS d FROM lcds_dicom_instance WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    patientId.ifPresent(v -> add(sql, args, " AND patient_id = ?", v));
    accession.ifPresent(v -> add(sql, args, " AND accession_number = ?", v));
    studyUid.ifPresent(v -> add(sql, args, " AND study_instance_uid = ?", v));
    dateFrom.ifPresent(v -> add(sql, args, " AND study_date >= ?", v));
    dateTo.ifPresent(v -> add(sql, args, " AND study_date <= ?", v));
    modality.ifPresent(
        v ->
            add(
                sql,
                args,
                " AND study_instance_uid IN (SELECT study_instance_uid FROM lcds_dicom_instance"
                    + " WHERE modality = ?)",
                v));
    sql.append(" GROUP BY study_instance_uid ORDER BY d DESC, study_instance_uid")
        .append(" LIMIT ")
        .append(limit)
        .append(" OFFSET ")
        .append(offset);
    return jdbc.query(sql.toString(), (rs, i) -> rs.getString(1), args.toArray());
  }

  private static void add(StringBuilder sql, List<Object> args, String clause, Object value) {
    sql.append(clause);
    args.add(value);
  }

  private static String cut(String value, int max) {
    return value == null || value.length() <= max ? value : value.substring(0, max);
  }

  private static Row row(ResultSet rs, int i) throws SQLException {
    return new Row(
        rs.getString("sop_instance_uid"),
        rs.getString("study_instance_uid"),
        rs.getString("series_instance_uid"),
        rs.getString("sop_class_uid"),
        rs.getString("transfer_syntax_uid"),
        rs.getString("sha256"),
        rs.getLong("size_bytes"),
        rs.getString("relative_path"),
        rs.getString("patient_id"),
        rs.getString("patient_name"),
        rs.getString("accession_number"),
        rs.getString("study_date"),
        rs.getString("study_time"),
        rs.getString("study_description"),
        rs.getString("modality"),
        rs.getString("series_description"),
        (Integer) rs.getObject("series_number"),
        (Integer) rs.getObject("instance_number"),
        rs.getTimestamp("stored_at").toInstant());
  }
}
