package org.lumbarcds.cds.hooks;

import ca.uhn.fhir.context.FhirContext;
import java.time.Clock;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.Optional;
import org.lumbarcds.cds.ValueSetIndex;
import org.lumbarcds.cds.advice.MriAdviceRules;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.terminology.ClinicalTriggers;

/** The services as the server builds them, with a fixed clock and no terminology server. */
final class HookFixtures {

  private HookFixtures() {}

  static MriAdviceHooks hooks(FhirContext fhir, ModelCard card, Instant now) {
    ValueSetIndex valueSets = new ValueSetIndex(fhir);
    return new MriAdviceHooks(
        valueSets,
        new ClinicalFacts(
            valueSets,
            ClinicalFacts.ModelInUse.of(card),
            ZoneOffset.UTC,
            new TriggerFinder(
                ClinicalTriggers.load(),
                Subsumption.none(),
                ZoneOffset.UTC,
                ClinicalFacts.knownNonTriggers(valueSets)),
            study -> Optional.empty()),
        new MriAdviceRules(MriAdviceRules.Settings.defaults()),
        new CardFactory(
            card, () -> "http://cds.test/model/card", id -> "http://cds.test/viewer/" + id, fhir),
        Clock.fixed(now, ZoneOffset.UTC),
        Period.ofDays(14));
  }
}
