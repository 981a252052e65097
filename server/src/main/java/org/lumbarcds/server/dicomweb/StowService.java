package org.lumbarcds.server.dicomweb;

import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomException;
import org.lumbarcds.model.dicom.DicomFile;
import org.lumbarcds.model.dicom.DicomLimits;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.model.dicom.PixelDecoder;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.model.dicom.TransferSyntax;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks and stores one STOW-RS part. An instance is stored only when it parses, is of an accepted
 * SOP class, belongs to the study the request names, and its first frame decodes: the store holds
 * nothing the analysis could not read.
 */
class StowService {

  /** PS3.18 Table 10.5.3-2 / PS3.4 failure reasons. */
  static final int PROCESSING_FAILURE = 0x0110;

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
  record Result(
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

  private static final Logger log = LoggerFactory.getLogger(StowService.class);

  private final DicomStore store;
  private final InstanceIndex index;
  private final Set<String> sopClasses;
  private final DicomReader reader;
  private final PixelDecoder decoder;

  StowService(DicomStore store, InstanceIndex index, DicomWebProperties properties) {
    this.store = store;
    this.index = index;
    this.sopClasses = Set.copyOf(properties.sopClasses());
    DicomLimits limits =
        new DicomLimits(
            properties.maxInstanceSize().toBytes(),
            DicomLimits.DEFAULT.maxInflatedBytes(),
            DicomLimits.DEFAULT.maxDepth(),
            DicomLimits.DEFAULT.maxElements(),
            DicomLimits.DEFAULT.maxPixels());
    this.reader = new DicomReader(limits);
    this.decoder = new PixelDecoder(limits);
  }

  Result store(String partType, byte[] bytes, Optional<String> requiredStudy) {
    if (!partType.equals("application/dicom")) {
      return failure(
          null, CANNOT_UNDERSTAND, "part of type " + partType + " is not application/dicom");
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
            ds,
            DOES_NOT_MATCH_SOP_CLASS,
            String.format("(%04X,%04X) is missing or not a valid UID", tag >>> 16, tag & 0xffff));
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
    boolean otherPatient =
        index.instances(study, Optional.empty()).stream()
            .map(r -> r.patientId() == null ? "" : r.patientId().strip())
            .anyMatch(stored -> !stored.equals(patientId));
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
      log.error("Storing a DICOM instance failed", e);
      return failure(ds, PROCESSING_FAILURE, "the store could not write the instance");
    }
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
