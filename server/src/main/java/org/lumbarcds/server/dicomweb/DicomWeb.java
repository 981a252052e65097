package org.lumbarcds.server.dicomweb;

import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomException;
import org.lumbarcds.model.dicom.DicomJsonWriter;
import org.lumbarcds.server.web.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;

/** What the STOW-RS, WADO-RS and QIDO-RS controllers share. */
final class DicomWeb {

  static final String DICOM = "application/dicom";
  static final String DICOM_JSON = "application/dicom+json";

  private static final Logger log = LoggerFactory.getLogger(DicomWeb.class);

  private DicomWeb() {}

  /**
   * The store's base URL for the URLs in an answer: the configured public URL, else the URL this
   * request reached (answers are not stored, so the request may decide them).
   */
  static String base(HttpServletRequest request, EmbeddedEndpoint endpoint) {
    return endpoint
        .publicUrl()
        .orElseGet(
            () -> {
              String url = request.getRequestURL().toString();
              int at = url.indexOf("/dicomweb");
              return url.substring(0, at + "/dicomweb".length());
            });
  }

  /** A dataset as DICOM JSON; a stored value DICOM JSON cannot hold is a server error. */
  static ObjectNode json(DicomDataset dataset) {
    try {
      return DicomJsonWriter.write(dataset);
    } catch (DicomException e) {
      log.error("Writing DICOM JSON failed: {}", e.getMessage());
      throw new ApiException(
          HttpStatus.INTERNAL_SERVER_ERROR, "a stored instance holds a value DICOM JSON cannot");
    }
  }
}
