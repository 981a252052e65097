package org.lumbarcds.server.cdshooks;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.lumbarcds.cds.hooks.CdsServices;
import org.lumbarcds.cds.hooks.CdsServices.RecordRequest;
import org.lumbarcds.cds.hooks.HookException;
import org.lumbarcds.cds.hooks.MriAdviceHooks;
import org.lumbarcds.cds.hooks.PatientRecord;
import org.lumbarcds.server.oauth.BackendServicesClient;

/**
 * The patient's record for a hook call, key by key: the prefetch value when the EHR sent one
 * ({@code null}: there is none), else a query to the EHR's {@code fhirServer} with its {@code
 * fhirAuthorization} token (or, for an EHR server configured so, the server's own Backend Services
 * token: {@link EhrFhirServers}), else the server's own FHIR store. The templates are the ones
 * discovery names, filled from the context. Required data that cannot be obtained is a 412 {@link
 * HookException}; an optional key's is named in the record as unread.
 */
class RecordResolver implements CdsServices.RecordSource {

  /** Required data that could not be obtained. */
  static final class Missing extends Exception {
    Missing(String message) {
      super(message);
    }
  }

  private final FhirContext fhir;
  private final DaoRegistry daos;
  private final MatchUrlService matchUrls;
  private final RecordCache cache;
  private final Function<String, Optional<BackendServicesClient>> ownTokens;

  RecordResolver(FhirContext fhir, DaoRegistry daos, MatchUrlService matchUrls, RecordCache cache) {
    this(fhir, daos, matchUrls, cache, base -> Optional.empty());
  }

  /**
   * @param ownTokens the server's own Backend Services client for an EHR's FHIR server, used when a
   *     call names it without a {@code fhirAuthorization}
   */
  RecordResolver(
      FhirContext fhir,
      DaoRegistry daos,
      MatchUrlService matchUrls,
      RecordCache cache,
      Function<String, Optional<BackendServicesClient>> ownTokens) {
    this.ownTokens = ownTokens;
    // the EHR's FHIR server is queried as is: no CapabilityStatement fetch first, and a hook
    // must not wait long for it (these are the settings of the server's one FHIR client factory)
    fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    fhir.getRestfulClientFactory().setConnectTimeout(3_000);
    fhir.getRestfulClientFactory().setSocketTimeout(10_000);
    this.fhir = fhir;
    this.daos = daos;
    this.matchUrls = matchUrls;
    this.cache = cache;
  }

  /** The patient's change counter, read once per call before its first local query. */
  private final class Counter {
    private final String patientId;
    private Long value;

    Counter(String patientId) {
      this.patientId = patientId;
    }

    long get() {
      if (value == null) {
        value = cache.counter(patientId);
      }
      return value;
    }
  }

  @Override
  public PatientRecord resolve(MriAdviceHooks.Definition service, RecordRequest call) {
    IGenericClient remote =
        call.fhirServer()
            .map(
                base -> {
                  IGenericClient c = fhir.newRestfulGenericClient(base);
                  if (call.accessToken().isPresent()) {
                    c.registerInterceptor(new BearerTokenAuthInterceptor(call.accessToken().get()));
                  } else {
                    ownTokens
                        .apply(base)
                        .ifPresent(own -> c.registerInterceptor(EhrFhirServers.ownToken(own)));
                  }
                  return c;
                })
            .orElse(null);
    Map<String, List<IBaseResource>> data = new HashMap<>();
    // the counter is kept per patient id, as writes name it: "123", not "Patient/123"
    String patientId = call.context().get("patientId");
    Counter counter =
        patientId == null ? null : new Counter(patientId.replaceFirst("^Patient/", ""));
    Set<String> unread = new TreeSet<>();
    for (Map.Entry<String, String> template : service.prefetch().entrySet()) {
      String key = template.getKey();
      try {
        data.put(key, values(key, template.getValue(), call, remote, counter));
      } catch (Missing e) {
        if (!MriAdviceHooks.OPTIONAL_KEYS.contains(key)) {
          throw HookException.preconditionFailed(e.getMessage());
        }
        // the advice can do without it, but says so and never advises against imaging
        unread.add(key);
      }
    }
    Optional<ServiceRequest> order =
        data.getOrDefault(MriAdviceHooks.ORDER, List.of()).stream()
            .filter(ServiceRequest.class::isInstance)
            .map(ServiceRequest.class::cast)
            .findFirst();
    return new PatientRecord(
        call.context().get("patientId"),
        of(data, MriAdviceHooks.CONDITIONS, Condition.class),
        of(data, MriAdviceHooks.LUMBAR_MRI_ORDERS, ServiceRequest.class),
        of(data, MriAdviceHooks.LUMBAR_MRI_PROCEDURES, Procedure.class),
        of(data, MriAdviceHooks.AI_RESULTS, Observation.class),
        order,
        of(data, MriAdviceHooks.PATIENT, Patient.class).stream().findFirst(),
        of(data, MriAdviceHooks.MEDICATION_REQUESTS, MedicationRequest.class),
        of(data, MriAdviceHooks.MEDICATION_STATEMENTS, MedicationStatement.class),
        of(data, MriAdviceHooks.TEMPERATURES, Observation.class),
        of(data, MriAdviceHooks.PROCEDURES, Procedure.class),
        unread);
  }

  private List<IBaseResource> values(
      String key, String template, RecordRequest call, IGenericClient remote, Counter counter)
      throws Missing {
    JsonNode given = call.prefetch().map(p -> p.get(key)).orElse(null);
    if (given != null) {
      if (given.isNull()) {
        return List.of(); // the EHR says: no such data
      }
      IBaseResource parsed;
      try {
        parsed = fhir.newJsonParser().parseResource(given.toString());
      } catch (DataFormatException e) {
        throw HookException.badRequest("prefetch '" + key + "' is not a FHIR resource");
      }
      if (!(parsed instanceof OperationOutcome) && complete(parsed)) {
        return contents(parsed);
      }
      // the EHR could not run the query, or sent only part of its answer: fetch it here
    }
    if (remote == null
        && call.prefetch().isPresent()
        && MriAdviceHooks.OPTIONAL_KEYS.contains(key)) {
      // an EHR that prefetches but did not give this key: this server's own store is not its
      // record, and an empty answer from it would pass for "nothing on record"
      throw new Missing("'" + key + "' was not given and there is no fhirServer to ask");
    }
    String query = fill(template, call.context());
    try {
      if (remote != null) {
        return remote(remote, query);
      }
      if (counter != null && template.contains(PATIENT_ID)) {
        // a query of this patient's record: the answer read at the current counter, if kept
        return cache.get(counter.patientId, counter.get(), query, () -> local(query));
      }
      return local(query);
    } catch (TooLong e) {
      throw new Missing("'" + key + "' has more than " + MAX_PAGES + " pages");
    } catch (BaseServerResponseException | DataFormatException e) {
      throw new Missing(
          "'" + key + "' could not be fetched" + (remote != null ? " from fhirServer" : ""));
    }
  }

  private static String fill(String template, Map<String, String> context) throws Missing {
    String query = template;
    for (Map.Entry<String, String> e : context.entrySet()) {
      query = query.replace("{{context." + e.getKey() + "}}", urlPart(e.getValue()));
    }
    if (query.contains("{{")) {
      throw new Missing("the context lacks a field the prefetch template " + template + " needs");
    }
    return query;
  }

  private static String urlPart(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static List<IBaseResource> remote(IGenericClient client, String query) {
    if (!query.contains("?")) {
      IdType id = new IdType(query);
      try {
        return List.of(
            client.read().resource(id.getResourceType()).withId(id.getIdPart()).execute());
      } catch (ResourceNotFoundException | ResourceGoneException e) {
        return List.of();
      }
    }
    List<IBaseResource> all = new ArrayList<>();
    // each parameter value URL-encoded ('|' and ':' of token searches included)
    String type = query.substring(0, query.indexOf('?'));
    StringBuilder url = new StringBuilder(type).append('?');
    for (String param : query.substring(query.indexOf('?') + 1).split("&")) {
      int eq = param.indexOf('=');
      if (url.charAt(url.length() - 1) != '?') {
        url.append('&');
      }
      url.append(param, 0, eq + 1)
          .append(urlPart(URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8)));
    }
    Bundle page = client.search().byUrl(url.toString()).returnBundle(Bundle.class).execute();
    all.addAll(contents(page));
    // every page: a red flag on page 2 must not be missed; a record too long to read whole is
    // not advised on from a part of it
    for (int pages = 1; page.getLink(Bundle.LINK_NEXT) != null; pages++) {
      if (pages >= MAX_PAGES) {
        throw new TooLong();
      }
      page = client.loadPage().next(page).execute();
      all.addAll(contents(page));
    }
    return all;
  }

  private List<IBaseResource> local(String query) {
    if (!query.contains("?")) {
      IdType id = new IdType(query);
      try {
        return List.of(
            daos.getResourceDao(id.getResourceType()).read(id, new SystemRequestDetails()));
      } catch (ResourceNotFoundException | ResourceGoneException e) {
        return List.of();
      }
    }
    String type = query.substring(0, query.indexOf('?'));
    // sorting and paging are for the EHR's server; here every match is read and sorted in code
    String criteria =
        String.join(
            "&",
            Arrays.stream(query.substring(query.indexOf('?') + 1).split("&"))
                .filter(p -> !p.startsWith("_"))
                .toList());
    RuntimeResourceDefinition def = fhir.getResourceDefinition(type);
    SearchParameterMap map = matchUrls.translateMatchUrl(type + "?" + criteria, def);
    map.setLoadSynchronous(true);
    return daos.getResourceDao(type).search(map, new SystemRequestDetails()).getAllResources();
  }

  /**
   * Whether a prefetched answer is the whole answer: not a Bundle with a next page, an
   * OperationOutcome entry (a partial search), or a total above its entries.
   */
  private static boolean complete(IBaseResource resource) {
    if (!(resource instanceof Bundle bundle)) {
      return true;
    }
    if (bundle.getLink(Bundle.LINK_NEXT) != null) {
      return false;
    }
    boolean outcome =
        bundle.getEntry().stream()
            .anyMatch(
                e ->
                    e.getResource() instanceof OperationOutcome
                        || (e.hasSearch()
                            && e.getSearch().getMode() == Bundle.SearchEntryMode.OUTCOME));
    return !outcome && (!bundle.hasTotal() || bundle.getTotal() <= bundle.getEntry().size());
  }

  private static List<IBaseResource> contents(IBaseResource resource) {
    if (resource instanceof Bundle bundle) {
      List<IBaseResource> out = new ArrayList<>();
      bundle.getEntry().stream()
          .filter(Bundle.BundleEntryComponent::hasResource)
          .forEach(e -> out.add(e.getResource()));
      return out;
    }
    return List.of(resource);
  }

  private static <T> List<T> of(Map<String, List<IBaseResource>> data, String key, Class<T> type) {
    return data.getOrDefault(key, List.of()).stream()
        .filter(type::isInstance)
        .map(type::cast)
        .toList();
  }

  private static final int MAX_PAGES = 20;

  /** What makes a prefetch template a query of the patient's record (searches and the Patient). */
  private static final String PATIENT_ID = "{{context.patientId}}";

  /** More pages than the service reads. */
  private static final class TooLong extends RuntimeException {}
}
