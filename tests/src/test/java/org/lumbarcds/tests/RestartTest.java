package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;
import org.lumbarcds.terminology.ValueSets;

/**
 * Stops and starts the server on one data directory: data in the H2 file survive, the terminology
 * is not duplicated, and a stale stored version of a ValueSet is replaced by the shipped one.
 */
class RestartTest {

  @Test
  void dataAndTerminologySurviveARestart() {
    Path dataDir = ServerTestBase.newDataDir();
    IdType patientId;
    String mri = ValueSets.LUMBAR_MRI;
    try (StandaloneServer first = new StandaloneServer(dataDir)) {
      IGenericClient client = first.client();
      patientId =
          (IdType)
              client
                  .create()
                  .resource(Fixtures.patient("MRN-restart"))
                  .execute()
                  .getId()
                  .toUnqualifiedVersionless();

      // An operator edited the MRI ValueSet by hand: an older version with one code.
      ValueSet stale = client.read().resource(ValueSet.class).withId("lumbar-mri").execute();
      stale.setVersion("0.0.1");
      stale.getCompose().getIncludeFirstRep().getConcept().subList(1, 4).clear();
      stale.getCompose().getInclude().remove(1);
      client.update().resource(stale).execute();
    }

    try (StandaloneServer second = new StandaloneServer(dataDir)) {
      IGenericClient client = second.client();
      Patient patient = client.read().resource(Patient.class).withId(patientId).execute();
      assertThat(patient.getIdentifierFirstRep().getValue()).isEqualTo("MRN-restart");

      // Not duplicated: one resource per canonical URL, the CodeSystem still at its first version.
      Bundle mriSets =
          client
              .search()
              .forResource(ValueSet.class)
              .where(ValueSet.URL.matches().value(mri))
              .returnBundle(Bundle.class)
              .execute();
      assertThat(mriSets.getEntry()).hasSize(1);
      CodeSystem own = client.read().resource(CodeSystem.class).withId("lumbar-cds").execute();
      assertThat(own.getMeta().getVersionId()).isEqualTo("1");
      ValueSet untouched =
          client.read().resource(ValueSet.class).withId("lumbar-postures").execute();
      assertThat(untouched.getMeta().getVersionId()).isEqualTo("1");

      // The stale edit was replaced by the shipped version.
      ValueSet restored = (ValueSet) mriSets.getEntryFirstRep().getResource();
      assertThat(restored.getVersion()).isEqualTo("0.1.0");
      assertThat(restored.getCompose().getInclude()).hasSize(3);
      assertThat(restored.getMeta().getVersionId()).isEqualTo("3");
    }
  }
}
