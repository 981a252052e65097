package org.lumbarcds.server.cdshooks;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Resource;
import org.lumbarcds.server.storage.Databases;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The local store's answers to a patient's record queries (conditions, AI results, MRI orders and
 * procedures), kept between hook calls and checked on every call against the patient's change
 * counter, so that a call never sees a record older than the last committed write.
 *
 * <p>The counter is a row per patient in the server's database ({@code lcds_record_change}),
 * incremented by a storage hook inside the transaction of every write (create, update, delete) of a
 * resource in the patient's compartment — on whichever server instance made it. A call reads the
 * counter first (one primary-key lookup), then uses the cached answers only if they were read at
 * that same counter value. The answer handed out is a copy: callers cannot change the cache.
 */
class RecordCache {

  static final String TABLE = "lcds_record_change";
  private static final String INCREMENT =
      "UPDATE " + TABLE + " SET counter = counter + 1 WHERE patient_id = ?";

  private record Entry(long counter, List<IBaseResource> resources) {}

  private final JdbcTemplate jdbc;
  private final FhirContext fhir;
  private final boolean postgres;
  private final Cache<String, Entry> entries;

  /**
   * @param maxResources how many resources the kept answers may hold together
   */
  RecordCache(JdbcTemplate jdbc, FhirContext fhir, long maxResources) {
    this.jdbc = jdbc;
    this.fhir = fhir;
    this.postgres = Databases.isPostgres(jdbc.getDataSource());
    this.entries =
        Caffeine.newBuilder()
            .maximumWeight(maxResources)
            .<String, Entry>weigher((key, entry) -> 1 + entry.resources().size())
            .expireAfterAccess(Duration.ofMinutes(30))
            .build();
  }

  /** The patient's change counter now (0 when nothing of the patient was written since). */
  long counter(String patientId) {
    List<Long> found =
        jdbc.queryForList(
            "SELECT counter FROM " + TABLE + " WHERE patient_id = ?", Long.class, patientId);
    return found.isEmpty() ? 0 : found.get(0);
  }

  /**
   * The answer to a query of the patient's record: the cached one if it was read at {@code counter}
   * (read before the query runs), else {@code load}'s, kept for the next call.
   */
  List<IBaseResource> get(
      String patientId, long counter, String query, Supplier<List<IBaseResource>> load) {
    String key = patientId + '\n' + query;
    Entry entry = entries.getIfPresent(key);
    if (entry == null || entry.counter() != counter) {
      entry = new Entry(counter, List.copyOf(load.get()));
      entries.put(key, entry);
    }
    return entry.resources().stream().map(RecordCache::copy).toList();
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    changed(patients(resource));
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource current) {
    // a resource moved to another patient changes both records
    Set<String> patients = patients(previous);
    patients.addAll(patients(current));
    changed(patients);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    changed(patients(resource));
  }

  /**
   * Increments the counters of the patients a write touched, inside its transaction, in patient
   * order.
   */
  private void changed(Set<String> patients) {
    for (String patient : new TreeSet<>(patients)) {
      if (postgres) {
        jdbc.update(
            "INSERT INTO "
                + TABLE
                + " (patient_id, counter) VALUES (?, 1) ON CONFLICT (patient_id) DO UPDATE SET"
                + " counter = "
                + TABLE
                + ".counter + 1",
            patient);
      } else if (jdbc.update(INCREMENT, patient) == 0) {
        // H2's MERGE is not atomic for two first writers: insert, and if another transaction
        // inserted the row meanwhile (H2 keeps this transaction usable), increment theirs
        try {
          jdbc.update("INSERT INTO " + TABLE + " (patient_id, counter) VALUES (?, 1)", patient);
        } catch (DuplicateKeyException e) {
          jdbc.update(INCREMENT, patient);
        }
      }
    }
  }

  private Set<String> patients(IBaseResource resource) {
    Set<String> patients = new LinkedHashSet<>();
    if (resource == null) {
      return patients;
    }
    if (fhir.getResourceDefinition(resource).getName().equals("Patient")) {
      // the Patient itself is read too (age): its own record changes
      if (resource.getIdElement().hasIdPart()) {
        patients.add(resource.getIdElement().getIdPart());
      }
      return patients;
    }
    for (IIdType owner :
        fhir.newTerser().getCompartmentOwnersForResource("Patient", resource, Set.of())) {
      if (owner.hasIdPart()) {
        patients.add(owner.getIdPart());
      }
    }
    return patients;
  }

  private static IBaseResource copy(IBaseResource resource) {
    return resource instanceof Resource r ? r.copy() : resource;
  }
}
