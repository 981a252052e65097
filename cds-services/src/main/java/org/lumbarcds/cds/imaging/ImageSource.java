package org.lumbarcds.cds.imaging;

import java.util.List;
import org.lumbarcds.model.dicom.DicomDataset;

/**
 * Where the instances of a study are read from: a PACS through DICOMweb, or the server's own store.
 * Headers first (to choose the views), then only the chosen instances' bytes.
 */
public interface ImageSource {

  /** The headers of every instance of a study (bulk data left out). */
  List<DicomDataset> metadata(String studyUid) throws ImageSourceException;

  /** One instance as a DICOM Part 10 file, as stored. */
  byte[] retrieve(String studyUid, String seriesUid, String sopInstanceUid)
      throws ImageSourceException;
}
