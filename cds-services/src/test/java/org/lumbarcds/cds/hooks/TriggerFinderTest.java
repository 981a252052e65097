package org.lumbarcds.cds.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Test;
import org.lumbarcds.terminology.ClinicalTriggers;
import org.lumbarcds.terminology.CodeSystems;

/** The trigger table read from records as EHRs code them. */
class TriggerFinderTest {

  private static final LocalDate TODAY = LocalDate.of(2026, 11, 27);
  private static final ClinicalTriggers TABLE = ClinicalTriggers.load();
  private final TriggerFinder finder = new TriggerFinder(TABLE, Subsumption.none(), ZoneOffset.UTC);

  // --- record builders ---------------------------------------------------------------------------

  private static Condition condition(String system, String code, LocalDate onset) {
    Condition c = new Condition();
    c.setId("c-" + code);
    c.setCode(new CodeableConcept(new Coding(system, code, null)));
    if (onset != null) {
      c.setOnset(new DateTimeType(onset.toString()));
    }
    return c;
  }

  private static Condition icd(String code) {
    return condition(CodeSystems.ICD_10_CM, code, null);
  }

  private static Condition sct(String code) {
    return condition(CodeSystems.SNOMED_CT, code, null);
  }

  private static Condition status(Condition c, String system, String code) {
    if (system.endsWith("condition-clinical")) {
      c.getClinicalStatus().addCoding(new Coding(system, code, null));
    } else {
      c.getVerificationStatus().addCoding(new Coding(system, code, null));
    }
    return c;
  }

  private static PatientRecord record(List<Condition> conditions) {
    return PatientRecord.of("p1", conditions, List.of(), List.of(), List.of(), Optional.empty());
  }

  private static PatientRecord full(
      List<Condition> conditions,
      Optional<Patient> patient,
      List<MedicationRequest> requests,
      List<MedicationStatement> statements,
      List<Observation> temperatures,
      List<Procedure> procedures,
      Set<String> unread) {
    return new PatientRecord(
        "p1",
        conditions,
        List.of(),
        List.of(),
        List.of(),
        Optional.empty(),
        patient,
        requests,
        statements,
        temperatures,
        procedures,
        unread);
  }

  private static PatientRecord withPatient(Condition condition, Patient patient) {
    return full(
        List.of(condition),
        Optional.of(patient),
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        Set.of());
  }

  private static PatientRecord withRequests(MedicationRequest... requests) {
    return full(
        List.of(), Optional.empty(), List.of(requests), List.of(), List.of(), List.of(), Set.of());
  }

  private static PatientRecord withTemperature(Observation temperature) {
    return full(
        List.of(),
        Optional.empty(),
        List.of(),
        List.of(),
        List.of(temperature),
        List.of(),
        Set.of());
  }

  private static Date date(LocalDate d) {
    return Date.from(d.atStartOfDay(ZoneOffset.UTC).toInstant());
  }

  private static MedicationRequest rx(String code, String display, LocalDate start) {
    MedicationRequest m = new MedicationRequest();
    m.setStatus(MedicationRequest.MedicationRequestStatus.ACTIVE);
    m.setMedication(new CodeableConcept(new Coding(CodeSystems.RXNORM, code, display)));
    m.setAuthoredOn(date(start));
    return m;
  }

  private static MedicationRequest text(String text) {
    MedicationRequest m = new MedicationRequest();
    m.setStatus(MedicationRequest.MedicationRequestStatus.ACTIVE);
    m.setMedication(new CodeableConcept().setText(text));
    m.setAuthoredOn(date(TODAY.minusDays(3)));
    return m;
  }

  private static Observation temperature(double value, String unit, LocalDate when) {
    Observation o = new Observation();
    o.setStatus(Observation.ObservationStatus.FINAL);
    o.getCode().addCoding(new Coding(CodeSystems.LOINC, "8310-5", "Body temperature"));
    o.setEffective(new DateTimeType(date(when)));
    o.setValue(new Quantity().setValue(value).setCode(unit).setSystem(CodeSystems.UCUM));
    return o;
  }

  private static Patient patient(int years, AdministrativeGender gender) {
    Patient p = new Patient();
    p.setBirthDateElement(new DateType(TODAY.minusYears(years).minusDays(10).toString()));
    p.setGender(gender);
    return p;
  }

  private List<String> ids(PatientRecord record) {
    return ids(record, List.of());
  }

  private List<String> ids(PatientRecord record, List<ServiceRequest> orders) {
    return finder.find(record, orders, TODAY).hits().stream().map(h -> h.trigger().id()).toList();
  }

  // --- the table ---------------------------------------------------------------------------------

  @Test
  void everyTriggerCitesAGuidelineStatementAndEveryCodeASource() {
    assertThat(TABLE.triggers()).hasSizeGreaterThanOrEqualTo(20);
    for (ClinicalTriggers.Trigger t : TABLE.triggers()) {
      assertThat(TABLE.sources()).containsKey(t.source());
      assertThat(t.statement()).isNotBlank();
      assertThat(t.modality()).as(t.id()).isNotBlank();
    }
    for (var g : TABLE.groups().values()) {
      for (var code : ClinicalTriggers.allCodes(g)) {
        assertThat(TABLE.sources()).as(code.code()).containsKey(code.source());
      }
    }
  }

  @Test
  void everyTriggerGroupIsRecognisedInIcd10CmOrSnomedCt() {
    for (var e : TABLE.groups().entrySet()) {
      var g = e.getValue();
      boolean coded =
          !g.icd10cm().isEmpty()
              || !g.snomed().roots().isEmpty()
              || !g.rxnorm().isEmpty()
              || !g.local().isEmpty();
      assertThat(coded).as(e.getKey()).isTrue();
    }
  }

  // --- conditions --------------------------------------------------------------------------------

  @Test
  void caudaEquinaInSnomedCtAndItsShippedDescendantsIsCritical() {
    assertThat(ids(record(List.of(sct("192970008"))))).contains("cauda-equina");
    assertThat(ids(record(List.of(sct("12454008"))))).contains("cauda-equina");
  }

  @Test
  void aSiteSpecificCancerInSnomedCtIsAHistoryOfCancer() {
    // secondary malignant neoplasm of lumbar vertebral column: a shipped descendant of 128462008
    assertThat(ids(record(List.of(sct("94389000"))))).contains("cancer-history");
    assertThat(ids(record(List.of(sct("254837009"))))).contains("cancer-history");
  }

  @Test
  void aResolvedCancerIsStillAHistoryOfCancerButARefutedOneIsNot() {
    Condition resolved =
        status(
            icd("C50.911"), "http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved");
    assertThat(ids(record(List.of(resolved)))).contains("cancer-history");
    Condition refuted =
        status(
            icd("C50.911"),
            "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "refuted");
    assertThat(ids(record(List.of(refuted)))).isEmpty();
    Condition error =
        status(
            sct("192970008"),
            "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "entered-in-error");
    assertThat(ids(record(List.of(error)))).isEmpty();
  }

  @Test
  void aResolvedFeverIsNoLongerATrigger() {
    Condition resolved =
        status(
            icd("R50.9"), "http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved");
    assertThat(ids(record(List.of(resolved)))).isEmpty();
    assertThat(ids(record(List.of(icd("R50.9"))))).contains("infection-fever");
  }

  @Test
  void windowsHoldOnEitherSide() {
    assertThat(ids(record(List.of(condition(CodeSystems.ICD_10_CM, "R50.9", TODAY.minusDays(30))))))
        .contains("infection-fever");
    assertThat(ids(record(List.of(condition(CodeSystems.ICD_10_CM, "R50.9", TODAY.minusDays(31))))))
        .doesNotContain("infection-fever");
    assertThat(
            ids(record(List.of(condition(CodeSystems.ICD_10_CM, "M54.16", TODAY.minusWeeks(6))))))
        .contains("radiculopathy-persisting");
    assertThat(
            ids(
                record(
                    List.of(
                        condition(
                            CodeSystems.ICD_10_CM, "M54.16", TODAY.minusWeeks(6).plusDays(1))))))
        .doesNotContain("radiculopathy-persisting");
  }

  @Test
  void wholeCategoriesThatAlsoHoldHarmlessDrugsAreNotTriggers() {
    assertThat(ids(record(List.of(icd("Z79.899"), icd("Z79.4"), icd("Z79.01"))))).isEmpty();
    assertThat(ids(record(List.of(icd("Z79.52"))))).contains("fracture-long-term-steroids");
    assertThat(ids(record(List.of(icd("Z79.621"))))).contains("infection-immunosuppression");
  }

  @Test
  void theDraftOrdersReasonCountsLikeTheProblemList() {
    ServiceRequest mri = new ServiceRequest();
    mri.addReasonCode(new CodeableConcept(new Coding(CodeSystems.ICD_10_CM, "G83.4", null)));
    assertThat(ids(record(List.of()), List.of(mri))).contains("cauda-equina");
  }

  @Test
  void aReasonReferenceToAConditionOnRecordOrContainedCountsAndAnUnreadableOneIsUnchecked() {
    Condition onRecord = sct("192970008");
    ServiceRequest mri = new ServiceRequest();
    mri.addReasonReference(new Reference("Condition/" + onRecord.getIdElement().getIdPart()));
    assertThat(ids(record(List.of(onRecord)), List.of(mri))).contains("cauda-equina");

    ServiceRequest contained = new ServiceRequest();
    Condition inside = icd("C79.51");
    inside.setId("reason");
    contained.addContained(inside);
    contained.addReasonReference(new Reference("#reason"));
    assertThat(ids(record(List.of()), List.of(contained))).contains("cancer-history");

    ServiceRequest elsewhere = new ServiceRequest();
    elsewhere.addReasonReference(new Reference("Condition/not-here").setDisplay("back pain"));
    TriggerFinder.Findings f = finder.find(record(List.of()), List.of(elsewhere), TODAY);
    assertThat(f.unchecked()).anyMatch(u -> u.contains("'back pain' could not be read"));
  }

  // --- medications -------------------------------------------------------------------------------

  @Test
  void aSystemicSteroidByRxNormOrByNameIsImmunosuppressionAndLongTermAFractureRisk() {
    PatientRecord shortCourse =
        withRequests(rx("312617", "prednisone 5 MG Oral Tablet", TODAY.minusDays(10)));
    assertThat(ids(shortCourse))
        .contains("infection-systemic-steroid")
        .doesNotContain("fracture-steroid-medication");
    PatientRecord longTerm =
        withRequests(rx("999999", "prednisone 7 MG Oral Tablet", TODAY.minusDays(120)));
    assertThat(ids(longTerm)).contains("infection-systemic-steroid", "fracture-steroid-medication");
  }

  @Test
  void aTopicalSteroidIsNotSystemic() {
    PatientRecord cream = withRequests(text("hydrocortisone 1 % Topical Cream"));
    assertThat(ids(cream)).isEmpty();
  }

  @Test
  void anImmunosuppressantStatementIsATrigger() {
    MedicationStatement tacrolimus = new MedicationStatement();
    tacrolimus.setStatus(MedicationStatement.MedicationStatementStatus.ACTIVE);
    tacrolimus.setMedication(
        new CodeableConcept(
            new Coding(CodeSystems.RXNORM, "198377", "tacrolimus 1 MG Oral Capsule")));
    PatientRecord r =
        full(
            List.of(),
            Optional.empty(),
            List.of(),
            List.of(tacrolimus),
            List.of(),
            List.of(),
            Set.of());
    assertThat(ids(r)).contains("infection-immunosuppressant");
  }

  @Test
  void aMedicationTheListsCannotPlaceMakesMedicationsPartlyChecked() {
    PatientRecord r = withRequests(text("Tab XYZ 10"));
    TriggerFinder.Findings f = finder.find(r, List.of(), TODAY);
    assertThat(f.hits()).isEmpty();
    assertThat(f.unchecked())
        .anyMatch(u -> u.contains("medications only partly checked") && u.contains("Tab XYZ 10"));
  }

  // --- temperatures, age, procedures, unread keys ------------------------------------------------

  @Test
  void aMeasuredFeverCountsInCelsiusOrFahrenheitWithinSevenDays() {
    for (Observation t :
        List.of(
            temperature(38.0, "Cel", TODAY.minusDays(7)),
            temperature(100.4, "[degF]", TODAY.minusDays(1)))) {
      PatientRecord r = withTemperature(t);
      assertThat(ids(r))
          .as(finder.find(r, List.of(), TODAY).toString() + t.getValue())
          .contains("infection-fever-measured");
    }
    for (Observation t :
        List.of(
            temperature(37.9, "Cel", TODAY.minusDays(1)),
            temperature(39.0, "Cel", TODAY.minusDays(8)))) {
      PatientRecord r = withTemperature(t);
      assertThat(ids(r)).doesNotContain("infection-fever-measured");
    }
  }

  @Test
  void aRecentFallCountsForOlderPatientsWithTheGuidelinesThresholdsBySex() {
    Condition fall = condition(CodeSystems.ICD_10_CM, "W19.XXXA", TODAY.minusWeeks(2));
    assertThat(ids(withPatient(fall, patient(66, AdministrativeGender.MALE))))
        .contains("fracture-older-age-fall");
    assertThat(ids(withPatient(fall, patient(70, AdministrativeGender.FEMALE))))
        .doesNotContain("fracture-older-age-fall");
    assertThat(ids(withPatient(fall, patient(76, AdministrativeGender.FEMALE))))
        .contains("fracture-older-age-fall");
    assertThat(ids(withPatient(fall, patient(60, AdministrativeGender.MALE))))
        .doesNotContain("fracture-older-age-fall");
  }

  @Test
  void aFallWithAnUnknownAgeIsUncheckedNotIgnored() {
    Condition fall = condition(CodeSystems.ICD_10_CM, "Z91.81", TODAY.minusWeeks(2));
    TriggerFinder.Findings f = finder.find(withPatient(fall, new Patient()), List.of(), TODAY);
    assertThat(f.hits()).isEmpty();
    assertThat(f.unchecked()).anyMatch(u -> u.contains("age not recorded"));
  }

  @Test
  void priorSpinalSurgeryAsAProcedureIsATrigger() {
    Procedure fusion = new Procedure();
    fusion.setStatus(Procedure.ProcedureStatus.COMPLETED);
    fusion.setCode(new CodeableConcept(new Coding(CodeSystems.SNOMED_CT, "50172003", null)));
    fusion.setPerformed(new DateTimeType(TODAY.minusYears(3).toString()));
    PatientRecord r =
        full(
            List.of(),
            Optional.empty(),
            List.of(),
            List.of(),
            List.of(),
            List.of(fusion),
            Set.of());
    assertThat(ids(r))
        .contains("prior-lumbar-surgery-procedure")
        .doesNotContain("infection-recent-spinal-procedure");
  }

  @Test
  void everyUnreadOptionalKeyIsNamed() {
    TriggerFinder.Findings f =
        finder.find(
            full(
                List.of(),
                Optional.empty(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                Set.of(
                    MriAdviceHooks.MEDICATION_REQUESTS,
                    MriAdviceHooks.TEMPERATURES,
                    MriAdviceHooks.PATIENT)),
            List.of(),
            TODAY);
    assertThat(f.unchecked())
        .contains(
            "medication orders could not be read",
            "body temperatures could not be read",
            "the Patient (age) could not be read");
  }

  @Test
  void aSnomedCodeTheTerminologyServerCouldNotCheckIsUnchecked() {
    TriggerFinder unreachable =
        new TriggerFinder(TABLE, (system, ancestor, code) -> Optional.empty(), ZoneOffset.UTC);
    TriggerFinder.Findings f =
        unreachable.find(record(List.of(sct("999999999"))), List.of(), TODAY);
    assertThat(f.hits()).isEmpty();
    assertThat(f.unchecked()).anyMatch(u -> u.contains("999999999"));
    TriggerFinder subsumed =
        new TriggerFinder(
            TABLE,
            (system, ancestor, code) -> Optional.of(ancestor.equals("192970008")),
            ZoneOffset.UTC);
    assertThat(
            subsumed.find(record(List.of(sct("999999999"))), List.of(), TODAY).hits().stream()
                .map(h -> h.trigger().id()))
        .contains("cauda-equina");
  }

  @Test
  void whatTheTableCannotReadIsNamedAndNeverSilentlyIgnored() {
    // no system, another code system, text only, a SNOMED CT code nothing places, a CPT procedure
    Condition noSystem = new Condition();
    noSystem.setCode(new CodeableConcept(new Coding().setCode("R69")));
    Condition who = new Condition();
    who.setCode(new CodeableConcept(new Coding("http://hl7.org/fhir/sid/icd-10", "R69", null)));
    Condition text = new Condition();
    text.setCode(new CodeableConcept().setText("suspected cauda equina"));
    Condition unplacedSnomed = sct("38341003");
    for (Condition c : List.of(noSystem, who, text, unplacedSnomed)) {
      TriggerFinder.Findings f = finder.find(record(List.of(c)), List.of(), TODAY);
      assertThat(f.unchecked())
          .as(c.getCode().toString())
          .anyMatch(u -> u.contains("could not be checked against the trigger table"));
    }
    // a red flag still fires from a code sent without its system, and from an OID system
    Condition bare = new Condition();
    bare.setCode(new CodeableConcept(new Coding().setCode("G834")));
    assertThat(ids(record(List.of(bare)))).contains("cauda-equina");
    Condition oid = new Condition();
    oid.setCode(new CodeableConcept(new Coding("urn:oid:2.16.840.1.113883.6.90", "G83.4", null)));
    assertThat(ids(record(List.of(oid)))).contains("cauda-equina");
    // the project's known non-trigger concepts are placed without a terminology server
    assertThat(finder.find(record(List.of(sct("279039007"))), List.of(), TODAY).unchecked())
        .isEmpty();

    Procedure cpt = new Procedure();
    cpt.setStatus(Procedure.ProcedureStatus.COMPLETED);
    cpt.setCode(new CodeableConcept(new Coding("http://www.ama-assn.org/go/cpt", "63047", null)));
    TriggerFinder.Findings f =
        finder.find(
            full(
                List.of(),
                Optional.empty(),
                List.of(),
                List.of(),
                List.of(),
                List.of(cpt),
                Set.of()),
            List.of(),
            TODAY);
    assertThat(f.unchecked()).anyMatch(u -> u.contains("63047"));
  }

  @Test
  void aReasonReferenceWithoutAReferenceIsUncheckedNotAnError() {
    ServiceRequest mri = new ServiceRequest();
    mri.addReasonReference(new Reference().setDisplay("clinical suspicion"));
    mri.addReasonReference(new Reference("Observation/t1"));
    TriggerFinder.Findings f = finder.find(record(List.of()), List.of(mri), TODAY);
    assertThat(f.unchecked())
        .anyMatch(u -> u.contains("'clinical suspicion' could not be read"))
        .anyMatch(u -> u.contains("Observation/t1 could not be read"));
  }

  @Test
  void aFinishedLongSteroidCourseCountsByItsEndAndARecordedDateIsNoOnset() {
    MedicationRequest finished = rx("312617", "prednisone 5 MG Oral Tablet", TODAY.minusDays(200));
    finished.setStatus(MedicationRequest.MedicationRequestStatus.COMPLETED);
    finished
        .getDispenseRequest()
        .getValidityPeriod()
        .setStart(date(TODAY.minusDays(200)))
        .setEnd(date(TODAY.minusDays(5)));
    assertThat(ids(withRequests(finished)))
        .contains("infection-systemic-steroid", "fracture-steroid-medication");
    // radiculopathy recorded 2 weeks ago, onset not given as a date: it may have lasted longer
    Condition recorded = icd("M54.16");
    recorded.setRecordedDate(date(TODAY.minusWeeks(2)));
    recorded.setOnset(new org.hl7.fhir.r4.model.StringType("3 months ago"));
    assertThat(ids(record(List.of(recorded)))).contains("radiculopathy-persisting");
  }
}
