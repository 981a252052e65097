package org.lumbarcds.server.fhir;

import ca.uhn.fhir.validation.FhirValidator;
import org.hl7.fhir.r4.model.Observation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

/**
 * Validates one small resource in the background once the server is ready. HAPI's validator loads
 * the R4 definitions on first use, which made the first write after a start take 7–8 s on two
 * cores; warming it here keeps that off the first client and off the start-up time.
 *
 * <p>Also the health indicator {@code validator}, in the readiness group: out of service until the
 * warm-up is done, so that clients and load balancers that wait for readiness do not send the first
 * write into it. Up at once when writes are not validated.
 */
class ValidatorWarmUp implements HealthIndicator {

  private static final Logger log = LoggerFactory.getLogger(ValidatorWarmUp.class);

  private final FhirValidator validator;
  private volatile boolean ready;

  ValidatorWarmUp(FhirValidator validator, boolean validating) {
    this.validator = validator;
    this.ready = !validating;
  }

  @Override
  public Health health() {
    return ready ? Health.up().build() : Health.outOfService().build();
  }

  @EventListener(ApplicationReadyEvent.class)
  void warmUp() {
    if (ready) {
      return;
    }
    Thread thread =
        new Thread(
            () -> {
              long start = System.nanoTime();
              Observation sample = new Observation();
              sample.setStatus(Observation.ObservationStatus.FINAL);
              sample.getCode().setText("validator warm-up");
              try {
                validator.validateWithResult(sample);
                log.info("Validator ready in {} ms", (System.nanoTime() - start) / 1_000_000);
              } catch (RuntimeException e) {
                // Only a warm-up (e.g. the server is already stopping): the first write will load
                // the validator instead.
                log.warn("Validator warm-up did not complete: {}", e.toString());
              } finally {
                ready = true;
              }
            },
            "validator-warm-up");
    thread.setDaemon(true);
    thread.start();
  }
}
