package org.lumbarcds.server.dicomweb;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the embedded DICOMweb store ({@code lumbarcds.dicomweb.*}).
 *
 * @param maxInstanceSize largest DICOM instance accepted by STOW-RS
 * @param maxRequestSize largest STOW-RS request body, all instances together
 * @param sopClasses SOP Class UIDs the store accepts: the radiograph classes the model reads
 * @param patientIdentifierSystem the identifier system of DICOM Patient ID (0010,0020) in this
 *     hospital's FHIR Patients; empty: match on the value alone
 * @param accessionIdentifierSystem the identifier system of the order's accession number on
 *     ServiceRequest.identifier; empty: match on the value alone
 * @param publicUrl the store's base URL as clients reach it (written to the Endpoint resource);
 *     empty: derived from lumbarcds.fhir.public-base-url, else the loopback address and port
 * @param storeCheckGrace the start-up check of the store's folder ({@link DicomStoreCheck}) leaves
 *     files younger than this alone at first (another instance sharing the folder may be writing
 *     them) and checks them once this much time has passed
 */
@ConfigurationProperties("lumbarcds.dicomweb")
public record DicomWebProperties(
    @DefaultValue("256MB") DataSize maxInstanceSize,
    @DefaultValue("1GB") DataSize maxRequestSize,
    @DefaultValue({
          "1.2.840.10008.5.1.4.1.1.1.1",
          "1.2.840.10008.5.1.4.1.1.1.1.1",
          "1.2.840.10008.5.1.4.1.1.1"
        })
        List<String> sopClasses,
    String patientIdentifierSystem,
    String accessionIdentifierSystem,
    String publicUrl,
    @DefaultValue("10m") Duration storeCheckGrace) {

  static Optional<String> blankToEmpty(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }

  /** The identifier system of DICOM Patient ID in Patients, if one is configured. */
  public Optional<String> patientSystem() {
    return blankToEmpty(patientIdentifierSystem);
  }

  /** The identifier system of accession numbers in ServiceRequests, if one is configured. */
  public Optional<String> accessionSystem() {
    return blankToEmpty(accessionIdentifierSystem);
  }
}
