package org.lumbarcds.server.terminology;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.hl7.fhir.r4.model.Parameters;
import org.lumbarcds.cds.hooks.Subsumption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subsumption answered by a FHIR terminology server ({@code CodeSystem/$subsumes}, the standard
 * interface of Ontoserver, Snowstorm and HAPI FHIR), with a timeout per request and the answers
 * kept for a while. A server that is slow, down or refusing gives no answer: the caller then says
 * the code could not be checked, and never advises against imaging on it. Failed answers are not
 * kept; after one, calls for {@link #BACK_OFF} are answered at once without asking, so a server
 * that is down costs a hook call at most one timeout.
 */
public final class TerminologyServerSubsumption implements Subsumption {

  private static final Logger log = LoggerFactory.getLogger(TerminologyServerSubsumption.class);

  private final HttpClient http;
  private final String base;
  private final Optional<String> authorization;
  private final Duration timeout;
  private final FhirContext fhir;
  private final Cache<String, Boolean> answers;

  /** Pairs the server could not answer (it does not know a code): not asked again for a while. */
  private final Cache<String, Boolean> unknown;

  /** After a failure, calls within this long are answered "could not be checked" at once. */
  static final Duration BACK_OFF = Duration.ofSeconds(30);

  /** System.nanoTime() until which the server counts as down (compared by difference). */
  private volatile long downUntil = System.nanoTime();

  /**
   * @param base the terminology server's FHIR base URL
   * @param authorization the {@code Authorization} header to send, if any
   * @param timeout the longest wait for one answer
   * @param keep how long an answer is kept
   */
  public TerminologyServerSubsumption(
      String base,
      Optional<String> authorization,
      Duration timeout,
      Duration keep,
      FhirContext fhir) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.authorization = authorization;
    this.timeout = timeout;
    this.fhir = fhir;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    this.answers = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(keep).build();
    this.unknown = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(BACK_OFF).build();
  }

  @Override
  public Optional<Boolean> subsumes(String system, String ancestor, String code) {
    if (ancestor.equals(code)) {
      return Optional.of(true);
    }
    String key = system + '|' + ancestor + '|' + code;
    Boolean known = answers.getIfPresent(key);
    if (known != null) {
      return Optional.of(known);
    }
    if (unknown.getIfPresent(key) != null) {
      return Optional.empty();
    }
    if (System.nanoTime() - downUntil < 0) {
      return Optional.empty(); // down a moment ago: no hook waits for it again
    }
    Optional<Boolean> answer = ask(system, ancestor, code);
    answer.ifPresent(a -> answers.put(key, a));
    return answer;
  }

  private Optional<Boolean> ask(String system, String ancestor, String code) {
    URI uri =
        URI.create(
            base
                + "/CodeSystem/$subsumes?system="
                + encode(system)
                + "&codeA="
                + encode(ancestor)
                + "&codeB="
                + encode(code));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/fhir+json");
    authorization.ifPresent(a -> request.header("Authorization", a));
    try {
      HttpResponse<String> response =
          http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
      int status = response.statusCode();
      if (status >= 400 && status < 500 && status != 401 && status != 403 && status != 429) {
        // the server does not know one of the codes: that pair cannot be checked, the server is
        // not down
        log.debug("Terminology server answered $subsumes with HTTP {}", status);
        unknown.put(system + '|' + ancestor + '|' + code, true);
        return Optional.empty();
      }
      if (status != 200) {
        log.warn("Terminology server answered $subsumes with HTTP {}", status);
        down();
        return Optional.empty();
      }
      Parameters out = fhir.newJsonParser().parseResource(Parameters.class, response.body());
      var outcome = out.getParameter("outcome");
      if (outcome == null || !outcome.hasValue()) {
        return Optional.empty();
      }
      // codeA subsumes codeB: the record's code is the ancestor's descendant
      return Optional.of(
          switch (outcome.getValue().primitiveValue()) {
            case "equivalent", "subsumes" -> true;
            default -> false;
          });
    } catch (IOException | DataFormatException | IllegalArgumentException e) {
      log.warn("Terminology server $subsumes failed: {}", e.getClass().getSimpleName());
      down();
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private void down() {
    downUntil = System.nanoTime() + BACK_OFF.toNanos();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
