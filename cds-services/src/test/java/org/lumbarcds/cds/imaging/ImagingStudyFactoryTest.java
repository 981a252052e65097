package org.lumbarcds.cds.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lumbarcds.model.testing.Headers.header;

import ca.uhn.fhir.context.FhirContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomException;
import org.lumbarcds.model.inference.ViewRules;

class ImagingStudyFactoryTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private final ImagingStudyFactory factory = new ImagingStudyFactory(ViewRules.defaults());
  private final ImagingStudyFactory.Links matched =
      new ImagingStudyFactory.Links(
          Optional.of(new Reference("Patient/7")),
          Optional.of("urn:oid:1.2.3.4"),
          List.of(new Reference("ServiceRequest/9")),
          new Reference("Endpoint/store"));

  private static DicomDataset view(int series, String code, String description)
      throws DicomException {
    return header(
        "StudyInstanceUID=1.2.3|SeriesInstanceUID=1.2.3."
            + series
            + "|SOPInstanceUID=1.2.3."
            + series
            + ".1|SOPClassUID=1.2.840.10008.5.1.4.1.1.1.1|SeriesNumber="
            + series
            + "|InstanceNumber=1|AccessionNumber=ACC42|PatientID=MRN-1|StudyDate=20260315"
            + "|StudyTime=143012.5|TimezoneOffsetFromUTC=+0100|code="
            + code
            + "|SeriesDescription="
            + description);
  }

  private static List<DicomDataset> study() throws DicomException {
    return List.of(
        view(1, "DCM|109136", "L-SPINE LAT NEUTRAL"),
        view(2, "SCT|9964006", "L-SPINE LAT FLEXION"),
        view(3, "SCT|24154002", "L-SPINE LAT EXTENSION"));
  }

  @Test
  void theStudyCarriesIdentifiersLinksSeriesPosturesAndInstances() throws Exception {
    ImagingStudy s = factory.create(study(), matched);
    assertThat(s.getStatus()).isEqualTo(ImagingStudy.ImagingStudyStatus.AVAILABLE);
    assertThat(s.getIdentifierFirstRep().getSystem()).isEqualTo("urn:dicom:uid");
    assertThat(s.getIdentifierFirstRep().getValue()).isEqualTo("urn:oid:1.2.3");
    assertThat(s.getIdentifier().get(1).getType().getCodingFirstRep().getCode()).isEqualTo("ACSN");
    assertThat(s.getIdentifier().get(1).getValue()).isEqualTo("ACC42");
    assertThat(s.getSubject().getReference()).isEqualTo("Patient/7");
    assertThat(s.getBasedOnFirstRep().getReference()).isEqualTo("ServiceRequest/9");
    assertThat(s.getEndpointFirstRep().getReference()).isEqualTo("Endpoint/store");
    assertThat(s.getStartedElement().getValueAsString()).isEqualTo("2026-03-15T14:30:12+01:00");
    assertThat(s.getNumberOfSeries()).isEqualTo(3);
    assertThat(s.getNumberOfInstances()).isEqualTo(3);
    assertThat(s.getModalityFirstRep().getCode()).isEqualTo("DX");
    ImagingStudy.ImagingStudySeriesComponent flexion = s.getSeries().get(1);
    assertThat(flexion.getUid()).isEqualTo("1.2.3.2");
    assertThat(flexion.getNumber()).isEqualTo(2);
    assertThat(flexion.getDescription()).isEqualTo("L-SPINE LAT FLEXION");
    assertThat(flexion.getBodySite().getCode()).isEqualTo("122496007");
    Coding posture =
        (Coding) flexion.getExtensionByUrl(ImagingStudyFactory.POSTURE_EXTENSION).getValue();
    assertThat(posture.getCode()).isEqualTo("9964006");
    assertThat(flexion.getInstanceFirstRep().getUid()).isEqualTo("1.2.3.2.1");
    assertThat(flexion.getInstanceFirstRep().getSopClass().getCode())
        .isEqualTo("urn:oid:1.2.840.10008.5.1.4.1.1.1.1");
    assertThat(s.getMeta().getTag()).isEmpty();
  }

  @Test
  void theSameInstancesInAnyOrderGiveTheSameResource() throws Exception {
    List<DicomDataset> shuffled = new ArrayList<>(study());
    Collections.reverse(shuffled);
    String a = FHIR.newJsonParser().encodeResourceToString(factory.create(study(), matched));
    String b = FHIR.newJsonParser().encodeResourceToString(factory.create(shuffled, matched));
    assertThat(b).isEqualTo(a);
  }

  @Test
  void anUnmatchedPatientGetsALogicalReferenceAndAFlagNeverAMadeUpPatient() throws Exception {
    ImagingStudy s =
        factory.create(
            study(),
            new ImagingStudyFactory.Links(
                Optional.empty(),
                Optional.of("urn:oid:1.2.3.4"),
                List.of(),
                new Reference("Endpoint/store")));
    assertThat(s.getSubject().hasReference()).isFalse();
    assertThat(s.getSubject().getIdentifier().getSystem()).isEqualTo("urn:oid:1.2.3.4");
    assertThat(s.getSubject().getIdentifier().getValue()).isEqualTo("MRN-1");
    assertThat(s.getMeta().getTag())
        .extracting(Coding::getCode)
        .containsExactly("patient-not-matched");
    assertThat(s.getBasedOn()).isEmpty();
  }

  @Test
  void withoutATimezoneOnlyTheDateIsKept() throws Exception {
    ImagingStudy s =
        factory.create(
            List.of(
                header(
                    "StudyInstanceUID=9|SeriesInstanceUID=9.1|SOPInstanceUID=9.1.1"
                        + "|StudyDate=20260315|StudyTime=143012")),
            matched);
    assertThat(s.getStartedElement().getValueAsString()).isEqualTo("2026-03-15");
    // no posture named: no posture extension
    assertThat(s.getSeriesFirstRep().getExtension()).isEmpty();
  }

  @Test
  void anImpossibleTimeKeepsTheDateAndNoPatientIdGivesADisplayNotAnEmptySubject() throws Exception {
    ImagingStudy s =
        factory.create(
            List.of(
                header(
                    "StudyInstanceUID=9|SeriesInstanceUID=9.1|SOPInstanceUID=9.1.1"
                        + "|StudyDate=20260315|StudyTime=256100|TimezoneOffsetFromUTC=+0100")),
            new ImagingStudyFactory.Links(
                Optional.empty(), Optional.empty(), List.of(), new Reference("Endpoint/store")));
    assertThat(s.getStartedElement().getValueAsString()).isEqualTo("2026-03-15");
    assertThat(s.getSubject().getDisplay()).contains("no Patient ID");
    assertThat(s.getSubject().hasIdentifier()).isFalse();
  }

  @Test
  void instancesOfTwoStudiesAreRefused() throws Exception {
    List<DicomDataset> mixed = new ArrayList<>(study());
    mixed.add(header("StudyInstanceUID=4.5.6|SeriesInstanceUID=4.5.6.1|SOPInstanceUID=4.5.6.1.1"));
    assertThatThrownBy(() -> factory.create(mixed, matched))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
