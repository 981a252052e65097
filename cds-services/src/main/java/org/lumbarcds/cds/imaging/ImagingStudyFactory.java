package org.lumbarcds.cds.imaging;

import static org.lumbarcds.cds.FhirCodes.coding;
import static org.lumbarcds.cds.FhirCodes.posture;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.cds.Narratives;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.Tags;
import org.lumbarcds.model.inference.Posture;
import org.lumbarcds.model.inference.ViewRules;
import org.lumbarcds.terminology.Code;
import org.lumbarcds.terminology.CodeSystems;
import org.lumbarcds.terminology.Codes;
import org.lumbarcds.terminology.QualityFlag;

/**
 * Builds the FHIR ImagingStudy of one DICOM study from its instances' headers. Deterministic: the
 * same instances, in any order, give an equal resource, so re-indexing a study can tell that
 * nothing changed. Knows nothing of the FHIR store: the caller resolves the patient and the order.
 */
public final class ImagingStudyFactory {

  /** Extension on a series or an instance: the posture of the lateral view (lumbar-postures). */
  public static final String POSTURE_EXTENSION =
      "http://lumbarcds.org/fhir/StructureDefinition/radiograph-posture";

  private static final String SOP_CLASS_SYSTEM = "urn:ietf:rfc:3986";
  private static final String V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203";

  /**
   * What the caller found in the FHIR store for the study.
   *
   * @param patient the matched Patient, as a literal reference; empty when none matched
   * @param patientIdentifierSystem the system of DICOM Patient ID in this hospital, used for a
   *     logical reference when no patient matched (never a made-up Patient resource)
   * @param orders the ServiceRequests the study fulfils (matched by accession number)
   * @param endpoint the Endpoint through which the study's instances are retrieved
   */
  public record Links(
      Optional<Reference> patient,
      Optional<String> patientIdentifierSystem,
      List<Reference> orders,
      Reference endpoint) {}

  private final ViewRules rules;

  public ImagingStudyFactory(ViewRules rules) {
    this.rules = rules;
  }

  /** The ImagingStudy for the instances of one study (all with the same Study Instance UID). */
  public ImagingStudy create(List<DicomDataset> instances, Links links) {
    if (instances.isEmpty()) {
      throw new IllegalArgumentException("a study needs at least one instance");
    }
    // study-level attributes from the first instance in series / instance order, not input order
    DicomDataset first =
        instances.stream().min(Comparator.comparing(ImagingStudyFactory::seriesKey)).orElseThrow();
    String studyUid = first.getString(Tags.STUDY_INSTANCE_UID).orElseThrow();
    for (DicomDataset ds : instances) {
      if (!studyUid.equals(ds.getString(Tags.STUDY_INSTANCE_UID).orElse(""))) {
        throw new IllegalArgumentException("instances of more than one study");
      }
    }
    ImagingStudy study = new ImagingStudy();
    study.setStatus(ImagingStudy.ImagingStudyStatus.AVAILABLE);
    study.addIdentifier().setSystem(CodeSystems.DICOM_UID).setValue("urn:oid:" + studyUid);
    first
        .getString(Tags.ACCESSION_NUMBER)
        .filter(s -> !s.isBlank())
        .ifPresent(
            accession ->
                study
                    .addIdentifier()
                    .setType(new CodeableConcept(new Coding(V2_0203, "ACSN", "Accession ID")))
                    .setValue(accession.strip()));
    if (links.patient().isPresent()) {
      study.setSubject(links.patient().get().copy());
    } else {
      // no patient matched: a logical reference by the DICOM Patient ID, flagged for follow-up
      Optional<String> patientId = first.getString(Tags.PATIENT_ID).filter(v -> !v.isBlank());
      if (patientId.isPresent()) {
        Identifier id = new Identifier().setValue(patientId.get().strip());
        links.patientIdentifierSystem().ifPresent(id::setSystem);
        study.setSubject(new Reference().setIdentifier(id));
      } else {
        study.setSubject(
            new Reference().setDisplay("unknown patient: no Patient ID in the images"));
      }
      Code flag = QualityFlag.PATIENT_NOT_MATCHED.code();
      study.getMeta().addTag(flag.system(), flag.code(), flag.display());
    }
    links.orders().forEach(order -> study.addBasedOn(order.copy()));
    study.addEndpoint(links.endpoint().copy());
    started(first).ifPresent(study::setStartedElement);
    first
        .getString(Tags.STUDY_DESCRIPTION)
        .filter(s -> !s.isBlank())
        .ifPresent(d -> study.setDescription(d.strip()));

    Map<String, List<DicomDataset>> bySeries = new LinkedHashMap<>();
    instances.stream()
        .sorted(Comparator.comparing(ImagingStudyFactory::seriesKey))
        .forEach(
            ds ->
                bySeries
                    .computeIfAbsent(
                        ds.getString(Tags.SERIES_INSTANCE_UID).orElseThrow(),
                        k -> new ArrayList<>())
                    .add(ds));
    Set<String> modalities = new LinkedHashSet<>();
    int instanceCount = 0;
    for (List<DicomDataset> members : bySeries.values()) {
      ImagingStudy.ImagingStudySeriesComponent series = series(members);
      modalities.add(series.getModality().getCode());
      instanceCount += series.getInstance().size();
      study.addSeries(series);
    }
    modalities.forEach(m -> study.addModality(new Coding(CodeSystems.DICOM_DCM, m, null)));
    study.setNumberOfSeries(bySeries.size());
    study.setNumberOfInstances(instanceCount);
    return Narratives.generated(
        study,
        String.format(
            Locale.ROOT,
            "Imaging study (%s): %d series, %d instances%s.",
            String.join(", ", modalities),
            bySeries.size(),
            instanceCount,
            study.hasStarted() ? ", started " + study.getStartedElement().getValueAsString() : ""));
  }

  private ImagingStudy.ImagingStudySeriesComponent series(List<DicomDataset> members) {
    DicomDataset first = members.get(0);
    ImagingStudy.ImagingStudySeriesComponent series =
        new ImagingStudy.ImagingStudySeriesComponent();
    series.setUid(first.getString(Tags.SERIES_INSTANCE_UID).orElseThrow());
    integer(first, Tags.SERIES_NUMBER).ifPresent(series::setNumber);
    series.setModality(
        new Coding(CodeSystems.DICOM_DCM, first.getString(Tags.MODALITY).orElse("OT"), null));
    first
        .getString(Tags.SERIES_DESCRIPTION)
        .filter(s -> !s.isBlank())
        .ifPresent(d -> series.setDescription(d.strip()));
    series.setNumberOfInstances(members.size());
    Set<Posture> postures = new LinkedHashSet<>();
    boolean allLumbar = true;
    for (DicomDataset ds : members) {
      ViewRules.Verdict verdict = rules.classify(ds);
      allLumbar &=
          ds.getString(Tags.BODY_PART_EXAMINED).isPresent()
              && !verdict.issues().contains(ViewRules.Issue.WRONG_BODY_PART);
      ImagingStudy.ImagingStudySeriesInstanceComponent instance = series.addInstance();
      instance.setUid(ds.getString(Tags.SOP_INSTANCE_UID).orElseThrow());
      instance.setSopClass(
          new Coding(
              SOP_CLASS_SYSTEM, "urn:oid:" + ds.getString(Tags.SOP_CLASS_UID).orElse(""), null));
      integer(ds, Tags.INSTANCE_NUMBER).ifPresent(instance::setNumber);
      verdict
          .posture()
          .filter(p -> !verdict.issues().contains(ViewRules.Issue.POSTURE_AMBIGUOUS))
          .ifPresentOrElse(
              p -> {
                postures.add(p);
                instance.addExtension(POSTURE_EXTENSION, coding(posture(p)));
              },
              () -> postures.add(null));
    }
    if (allLumbar) {
      series.setBodySite(coding(Codes.LUMBAR_SPINE_STRUCTURE));
    }
    if (postures.size() == 1 && !postures.contains(null)) {
      series.addExtension(POSTURE_EXTENSION, coding(posture(postures.iterator().next())));
    }
    return series;
  }

  private static String seriesKey(DicomDataset ds) {
    // series by number then UID; instances by number then UID: input order does not matter
    return String.format(
        "%010d/%s/%010d/%s",
        integer(ds, Tags.SERIES_NUMBER).orElse(0),
        ds.getString(Tags.SERIES_INSTANCE_UID).orElse(""),
        integer(ds, Tags.INSTANCE_NUMBER).orElse(0),
        ds.getString(Tags.SOP_INSTANCE_UID).orElse(""));
  }

  private static Optional<Integer> integer(DicomDataset ds, int tag) {
    return ds.getString(tag)
        .flatMap(
            s -> {
              try {
                return Optional.of(Integer.parseInt(s.strip()));
              } catch (NumberFormatException e) {
                return Optional.empty();
              }
            });
  }

  /**
   * Study Date and Time; with Timezone Offset From UTC a full dateTime, otherwise the date alone
   * (FHIR needs a zone for a time, and guessing the modality's zone could move the day).
   */
  static Optional<DateTimeType> started(DicomDataset ds) {
    Optional<String> date = ds.getString(Tags.STUDY_DATE).map(String::strip);
    LocalDate day;
    try {
      day = LocalDate.parse(date.orElse(""), DateTimeFormatter.BASIC_ISO_DATE);
    } catch (DateTimeException e) {
      return Optional.empty();
    }
    Optional<String> offset = ds.getString(Tags.TIMEZONE_OFFSET_FROM_UTC).map(String::strip);
    Optional<String> time =
        ds.getString(Tags.STUDY_TIME).map(t -> t.strip().replaceFirst("\\..*$", ""));
    if (offset.isPresent()
        && offset.get().matches("[+-]\\d{4}")
        && time.isPresent()
        && time.get().matches("\\d{2}|\\d{4}|\\d{6}")) {
      try {
        LocalTime clock =
            LocalTime.parse(
                (time.get() + "0000").substring(0, 6), DateTimeFormatter.ofPattern("HHmmss"));
        ZoneOffset zone =
            ZoneOffset.of(offset.get().substring(0, 3) + ":" + offset.get().substring(3));
        DateTimeType dt =
            new DateTimeType(
                Date.from(LocalDateTime.of(day, clock).toInstant(zone)),
                TemporalPrecisionEnum.SECOND);
        dt.setTimeZone(TimeZone.getTimeZone(zone));
        return Optional.of(dt);
      } catch (DateTimeException e) {
        // an impossible time: the date alone is still right
      }
    }
    return Optional.of(new DateTimeType(day.toString()));
  }
}
