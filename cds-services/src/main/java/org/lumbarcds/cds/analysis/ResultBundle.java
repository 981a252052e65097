package org.lumbarcds.cds.analysis;

import java.util.Optional;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;

/**
 * The resources of one analysis result, to be stored together. The Observation's device and the
 * Provenance's target and agent refer to {@code deviceUrl} and {@code observationUrl} ({@code
 * urn:uuid:} placeholders) until the store gives them their ids.
 *
 * @param identifier the analysis identifier ({@code <Study UID>|<model id>|<version>})
 * @param observationUrl placeholder for the Observation
 * @param observation the Observation
 * @param deviceUrl placeholder for the model's Device
 * @param device the Device (created once per model file: conditional on its SHA-256 identifier)
 * @param provenance the Provenance of the Observation
 * @param heatmapsUrl placeholder for the heatmaps' Binary, which the Observation names ({@code
 *     StoredHeatmaps}); null with no heatmaps
 * @param heatmaps the heatmaps' Binary, to be stored before the Observation; null with none (a
 *     quality failure)
 */
public record ResultBundle(
    String identifier,
    String observationUrl,
    Observation observation,
    String deviceUrl,
    Device device,
    Provenance provenance,
    String heatmapsUrl,
    Binary heatmaps) {

  /** The heatmaps' placeholder and Binary, when the result has them. */
  public Optional<Binary> storedHeatmaps() {
    return Optional.ofNullable(heatmaps);
  }
}
