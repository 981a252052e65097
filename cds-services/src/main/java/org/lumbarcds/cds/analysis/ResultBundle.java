package org.lumbarcds.cds.analysis;

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
 */
public record ResultBundle(
    String identifier,
    String observationUrl,
    Observation observation,
    String deviceUrl,
    Device device,
    Provenance provenance) {}
