package org.lumbarcds.server.dicomweb;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.lumbarcds.cds.imaging.ImageSource;
import org.lumbarcds.cds.imaging.ImageSourceException;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomReader;

/** The embedded store as an image source: the same files WADO-RS serves, read without HTTP. */
class EmbeddedImageSource implements ImageSource {

  private final DicomStore store;
  private final InstanceIndex index;
  private final DicomReader reader = new DicomReader();

  EmbeddedImageSource(DicomStore store, InstanceIndex index) {
    this.store = store;
    this.index = index;
  }

  @Override
  public List<DicomDataset> metadata(String studyUid) throws ImageSourceException {
    List<InstanceIndex.Row> rows = index.instances(studyUid, Optional.empty());
    if (rows.isEmpty()) {
      throw new ImageSourceException(
          ImageSourceException.Reason.NOT_FOUND, "the embedded store has no such study");
    }
    List<DicomDataset> headers = new ArrayList<>();
    for (InstanceIndex.Row row : rows) {
      headers.add(parse(read(row)));
    }
    return headers;
  }

  @Override
  public byte[] retrieve(String studyUid, String seriesUid, String sopInstanceUid)
      throws ImageSourceException {
    InstanceIndex.Row row =
        index
            .find(sopInstanceUid)
            .filter(r -> r.studyInstanceUid().equals(studyUid))
            .filter(r -> r.seriesInstanceUid().equals(seriesUid))
            .orElseThrow(
                () ->
                    new ImageSourceException(
                        ImageSourceException.Reason.NOT_FOUND,
                        "the embedded store has no such instance"));
    return read(row);
  }

  private byte[] read(InstanceIndex.Row row) throws ImageSourceException {
    try {
      return store.read(row);
    } catch (IOException e) {
      throw new ImageSourceException(
          ImageSourceException.Reason.UNAVAILABLE, "a stored instance could not be read", e);
    }
  }

  private DicomDataset parse(byte[] bytes) throws ImageSourceException {
    try {
      return reader.read(bytes).dataset();
    } catch (IOException e) {
      throw new ImageSourceException(
          ImageSourceException.Reason.BAD_RESPONSE, "a stored instance does not parse", e);
    }
  }
}
