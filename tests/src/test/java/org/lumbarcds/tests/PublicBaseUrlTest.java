package org.lumbarcds.tests;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** Behind a reverse proxy: links carry the public URL and references to it are local. */
class PublicBaseUrlTest {

  private static final String PUBLIC = "https://fhir.hospital.example/lumbar/fhir";

  @Test
  void linksUseThePublicUrlAndAbsoluteReferencesToItAreLocal() {
    try (StandaloneServer server =
        new StandaloneServer(
            ServerTestBase.newDataDir(), "--lumbarcds.fhir.public-base-url=" + PUBLIC + "/")) {
      IGenericClient client = server.client();
      IdType patient =
          (IdType) client.create().resource(Fixtures.patient("MRN-proxy")).execute().getId();
      assertThat(patient.getBaseUrl()).isEqualTo(PUBLIC);

      Observation observation = new Observation();
      observation.setStatus(Observation.ObservationStatus.FINAL);
      observation.getCode().setText("pain score");
      observation.setSubject(new Reference(PUBLIC + "/Patient/" + patient.getIdPart()));
      client.create().resource(observation).execute();

      Bundle found =
          client
              .search()
              .forResource(Observation.class)
              .where(Observation.SUBJECT.hasId("Patient/" + patient.getIdPart()))
              .returnBundle(Bundle.class)
              .execute();
      assertThat(found.getEntry()).hasSize(1);
      assertThat(((Observation) found.getEntryFirstRep().getResource()).getSubject().getReference())
          .isEqualTo("Patient/" + patient.getIdPart());
      assertThat(found.getLink(Bundle.LINK_SELF).getUrl()).startsWith(PUBLIC + "/Observation");
      assertThat(found.getEntryFirstRep().getFullUrl()).startsWith(PUBLIC + "/Observation/");
      assertThat(client.read().resource(Patient.class).withId(patient.getIdPart()).execute())
          .isNotNull();
    }
  }
}
