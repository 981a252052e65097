package org.lumbarcds.server.dicomweb;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.lumbarcds.cds.imaging.ImageSourceException;
import org.lumbarcds.cds.imaging.Multipart;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomException;
import org.lumbarcds.model.dicom.DicomFile;
import org.lumbarcds.model.dicom.DicomLimits;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.model.dicom.PixelDecoder;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.model.dicom.TransferSyntax;
import org.lumbarcds.server.storage.StorageFailures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STOW-RS: stores the parts of a request one by one, then brings the ImagingStudy of each study
 * that received an instance up to date. An instance is stored only when it parses, is of an
 * accepted SOP class, belongs to the study the request names and to the patient of the instances
 * already stored under its Study Instance UID, and its first frame decodes: the store holds nothing
 * the analysis could not read. The server's own writers (the demo loader) store through {@link
 * #store(List)}, the same checks and indexing without the HTTP body.
 */
public class StowService {

  /** PS3.18 Table 10.5.3-2 / PS3.4 failure reasons. */
  static final int PROCESSING_FAILURE = 0x0110;

  /** Refused: Out of Resources (PS3.4 Table B.2-1, Storage Service Class statuses A7xx). */
  static final int OUT_OF_RESOURCES = 0xA700;

  static final int DUPLICATE_SOP_INSTANCE = 0x0111;
  static final int SOP_CLASS_NOT_SUPPORTED = 0x0122;
  static final int DOES_NOT_MATCH_SOP_CLASS = 0xA900;
  static final int CANNOT_UNDERSTAND = 0xC000;
  static final int TRANSFER_SYNTAX_NOT_SUPPORTED = 0xC122;

  /**
   * The outcome for one part.
   *
   * @param sopClassUid its SOP Class UID, when it could be read
   * @param sopInstanceUid its SOP Instance UID, when it could be read
   * @param studyUid its Study Instance UID, when it could be read
   * @param seriesUid its Series Instance UID, when it could be read
   * @param failureReason 0 when stored (or already stored), else a DICOM failure reason
   * @param message what happened, in words (no patient data)
   * @param stored whether this request added the instance to the store
   */
  public record Result(
      Optional<String> sopClassUid,
      Optional<String> sopInstanceUid,
      Optional<String> studyUid,
      Optional<String> seriesUid,
      int failureReason,
      String message,
      boolean stored) {
    boolean ok() {
      return failureReason == 0;
    }
  }

  /**
   * What one request did.
   *
   * @param results the outcome of each part, in the request's order
   * @param warnings what went wrong, in words: each failure's message, and each study whose
   *     ImagingStudy could not be updated
   */
  public record Stored(List<Result> results, List<String> warnings) {
    /** How many instances were refused. */
    public long failed() {
      return results.stream().filter(r -> !r.ok()).count();
    }
  }

  private static final Logger log = LoggerFactory.getLogger(StowService.class);

  private final DicomStore store;
  private final InstanceIndex index;
  private final ImagingStudyIndexer indexer;
  private final EmbeddedImageSource stored;
  private final EmbeddedEndpoint endpoint;
  private final Set<String> sopClasses;
  private final long maxInstanceBytes;
  private final long maxRequestBytes;
  private final DicomReader reader;
  private final PixelDecoder decoder;

  StowService(
      DicomStore store,
      InstanceIndex index,
      ImagingStudyIndexer indexer,
      EmbeddedImageSource stored,
      EmbeddedEndpoint endpoint,
      DicomWebProperties properties) {
    this.store = store;
    this.index = index;
    this.indexer = indexer;
    this.stored = stored;
    this.endpoint = endpoint;
    this.sopClasses = Set.copyOf(properties.sopClasses());
    this.maxInstanceBytes = properties.maxInstanceSize().toBytes();
    this.maxRequestBytes = properties.maxRequestSize().toBytes();
    DicomLimits limits =
        new DicomLimits(
            maxInstanceBytes,
            DicomLimits.DEFAULT.maxInflatedBytes(),
            DicomLimits.DEFAULT.maxDepth(),
            DicomLimits.DEFAULT.maxElements(),
            DicomLimits.DEFAULT.maxPixels());
    this.reader = new DicomReader(limits);
    this.decoder = new PixelDecoder(limits);
  }

  /**
   * Stores each part of a multipart/related body, then indexes each study that holds one of them. A
   * body that breaks off after some parts keeps those (each is whole and valid); the rest of it is
   * one failure.
   *
   * @param requiredStudy the study the request's URL names, if it names one
   * @throws Multipart.MultipartException when the body is malformed or too large before its first
   *     part was read
   * @throws IOException when the body cannot be read
   */
  Stored store(InputStream body, String contentType, Optional<String> requiredStudy)
      throws IOException {
    List<Result> results = new ArrayList<>();
    try {
      Multipart.read(
          body,
          contentType,
          maxInstanceBytes,
          maxRequestBytes,
          part -> results.add(store(part.mediaType(), part.body(), requiredStudy)));
    } catch (Multipart.MultipartException e) {
      if (results.isEmpty()) {
        throw e;
      }
      results.add(
          failure(
              null, CANNOT_UNDERSTAND, "the rest of the request was not read: " + e.getMessage()));
    }
    return indexed(results);
  }

  /**
   * Stores DICOM Part 10 files as a STOW-RS request holding them would, then indexes each study
   * that holds one of them.
   */
  public Stored store(List<byte[]> files) {
    List<Result> results = new ArrayList<>();
    for (byte[] file : files) {
      results.add(store(DicomWeb.DICOM, file, Optional.empty()));
    }
    return indexed(results);
  }

  /** Indexes the studies that received an instance; what went wrong, in words. */
  private Stored indexed(List<Result> results) {
    List<String> warnings = new ArrayList<>();
    Set<String> studies = new LinkedHashSet<>();
    for (Result r : results) {
      if (r.ok()) {
        r.studyUid().ifPresent(studies::add);
      } else {
        warnings.add(r.message());
      }
    }
    for (String study : studies) {
      try {
        indexer.index(stored.metadata(study), endpoint.reference());
      } catch (RuntimeException | ImageSourceException e) {
        // the instances are stored; the ImagingStudy is rebuilt the next time the study is indexed
        log.warn("Indexing a stored study failed: {}", e.getClass().getSimpleName());
        warnings.add("instances stored, but the ImagingStudy could not be updated");
      }
    }
    Stored outcome = new Stored(List.copyOf(results), List.copyOf(warnings));
    log.info(
        "STOW-RS: {} instances, {} failed, {} studies indexed",
        results.size(),
        outcome.failed(),
        studies.size());
    return outcome;
  }

  /** Checks and stores one part. */
  Result store(String partType, byte[] bytes, Optional<String> requiredStudy) {
    if (!partType.equals(DicomWeb.DICOM)) {
      return failure(
          null, CANNOT_UNDERSTAND, "part of type " + partType + " is not " + DicomWeb.DICOM);
    }
    DicomFile file;
    try {
      file = reader.read(bytes);
    } catch (DicomException e) {
      return failure(null, CANNOT_UNDERSTAND, "not a readable DICOM file: " + e.getMessage());
    }
    DicomDataset ds = file.dataset();
    for (int tag :
        new int[] {
          Tags.SOP_CLASS_UID,
          Tags.SOP_INSTANCE_UID,
          Tags.STUDY_INSTANCE_UID,
          Tags.SERIES_INSTANCE_UID
        }) {
      if (!DicomStore.validUid(ds.getString(tag).orElse(null))) {
        return failure(
            ds, DOES_NOT_MATCH_SOP_CLASS, Tags.format(tag) + " is missing or not a valid UID");
      }
    }
    String sopClass = ds.getString(Tags.SOP_CLASS_UID).orElseThrow();
    Optional<String> metaClass = file.fileMeta().getString(Tags.MEDIA_STORAGE_SOP_CLASS_UID);
    if (metaClass.isPresent() && !metaClass.get().equals(sopClass)) {
      return failure(
          ds, DOES_NOT_MATCH_SOP_CLASS, "file meta SOP class differs from the dataset's");
    }
    if (!sopClasses.contains(sopClass)) {
      return failure(
          ds,
          SOP_CLASS_NOT_SUPPORTED,
          "SOP class " + sopClass + " is not accepted (lumbarcds.dicomweb.sop-classes)");
    }
    String study = ds.getString(Tags.STUDY_INSTANCE_UID).orElseThrow();
    if (requiredStudy.isPresent() && !requiredStudy.get().equals(study)) {
      return failure(ds, DOES_NOT_MATCH_SOP_CLASS, "instance belongs to another study");
    }
    // one study, one patient: a second Patient ID under a stored Study Instance UID (a UID
    // collision or a mislabelled image) would let the analysis mix two patients' views
    String patientId = ds.getString(Tags.PATIENT_ID).map(String::strip).orElse("");
    boolean otherPatient;
    try {
      otherPatient =
          index.instances(study, Optional.empty()).stream()
              .map(r -> r.patientId() == null ? "" : r.patientId().strip())
              .anyMatch(stored -> !stored.equals(patientId));
    } catch (RuntimeException e) {
      return storageFailure(ds, e);
    }
    if (otherPatient) {
      return failure(
          ds,
          CANNOT_UNDERSTAND,
          "the study already holds instances of another Patient ID; refused to mix patients");
    }
    try {
      decoder.decodeFrame(file, 0);
    } catch (DicomException e) {
      boolean syntax = e.reason() == DicomException.Reason.UNSUPPORTED_TRANSFER_SYNTAX;
      return failure(
          ds,
          syntax ? TRANSFER_SYNTAX_NOT_SUPPORTED : CANNOT_UNDERSTAND,
          syntax
              ? "transfer syntax "
                  + TransferSyntax.describe(file.transferSyntax().uid())
                  + " cannot be decoded"
              : "pixel data cannot be decoded: " + e.getMessage());
    }
    try {
      return switch (store.put(file, bytes)) {
        case STORED -> success(ds, "stored", true);
        case ALREADY_STORED -> success(ds, "already stored with the same content", false);
        case CONFLICT ->
            failure(
                ds,
                DUPLICATE_SOP_INSTANCE,
                "another instance with this SOP Instance UID and different content is stored");
      };
    } catch (IOException | RuntimeException e) {
      return storageFailure(ds, e);
    }
  }

  /**
   * An instance the store could not take because its disk or database failed: Out of Resources
   * (A700) when the disk is full, else a processing failure; nothing of it is kept.
   */
  private Result storageFailure(DicomDataset ds, Exception e) {
    StorageFailures.Kind kind = StorageFailures.classify(e);
    if (kind == StorageFailures.Kind.DISK_FULL) {
      log.error("Storing a DICOM instance failed: no space left on the disk");
      return failure(
          ds,
          OUT_OF_RESOURCES,
          "no space left on the server's disk: the instance was not stored; send it again once"
              + " space is freed");
    }
    if (kind == StorageFailures.Kind.DATABASE_UNAVAILABLE) {
      log.error("Storing a DICOM instance failed: the database is unavailable");
      return failure(
          ds,
          PROCESSING_FAILURE,
          "the server's database is unavailable: the instance was not stored; send it again");
    }
    log.error("Storing a DICOM instance failed", e);
    return failure(ds, PROCESSING_FAILURE, "the store could not write the instance");
  }

  private static Result success(DicomDataset ds, String message, boolean stored) {
    return new Result(
        ds.getString(Tags.SOP_CLASS_UID),
        ds.getString(Tags.SOP_INSTANCE_UID),
        ds.getString(Tags.STUDY_INSTANCE_UID),
        ds.getString(Tags.SERIES_INSTANCE_UID),
        0,
        message,
        stored);
  }

  private static Result failure(DicomDataset ds, int reason, String message) {
    if (ds == null) {
      return new Result(
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          reason,
          message,
          false);
    }
    return new Result(
        ds.getString(Tags.SOP_CLASS_UID).filter(DicomStore::validUid),
        ds.getString(Tags.SOP_INSTANCE_UID).filter(DicomStore::validUid),
        ds.getString(Tags.STUDY_INSTANCE_UID).filter(DicomStore::validUid),
        ds.getString(Tags.SERIES_INSTANCE_UID).filter(DicomStore::validUid),
        reason,
        message,
        false);
  }
}
