package org.lumbarcds.server.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.IdType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The audit trail in the server's database (tables {@code lcds_audit_event*}), served read-only as
 * FHIR AuditEvents at {@code /fhir/AuditEvent}: read by id, and searched by {@code patient}, {@code
 * agent-name} (a client, user or subject, as the event names it; case-insensitive, starts with),
 * {@code subtype}, {@code outcome} and {@code date}, newest first ({@code _sort=date} for oldest
 * first), at most {@code _count} (default 100, at most 1,000) — no paging. Each search of the trail
 * is itself recorded ({@link Activity#AUDIT_LOG_USED}).
 */
public class AuditEventStore implements IResourceProvider {

  private static final int DEFAULT_COUNT = 100;
  private static final int MAX_COUNT = 1000;

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transactions;
  private final FhirContext fhir;
  private AuditTrail trail;

  AuditEventStore(JdbcTemplate jdbc, FhirContext fhir) {
    this.jdbc = jdbc;
    this.fhir = fhir;
    this.transactions =
        new TransactionTemplate(new DataSourceTransactionManager(jdbc.getDataSource()));
  }

  /** The trail that records searches of the trail. */
  void recordingTo(AuditTrail trail) {
    this.trail = trail;
  }

  @Override
  public Class<? extends IBaseResource> getResourceType() {
    return AuditEvent.class;
  }

  /** Stores a batch in one transaction (the trail's writer). */
  void write(List<AuditEvent> batch) {
    IParser parser = fhir.newJsonParser();
    List<Object[]> events = new ArrayList<>();
    List<Object[]> patients = new ArrayList<>();
    List<Object[]> agents = new ArrayList<>();
    for (AuditEvent event : batch) {
      String id = UUID.randomUUID().toString();
      Date recorded = event.hasRecorded() ? event.getRecorded() : new Date();
      AuditEvent stored = event.copy();
      stored.setId((String) null);
      events.add(
          new Object[] {
            id,
            recorded.getTime(),
            event.getSubtype().isEmpty() ? null : event.getSubtypeFirstRep().getCode(),
            event.hasOutcome() ? event.getOutcome().toCode() : null,
            parser.encodeResourceToString(stored)
          });
      patients(event).forEach(p -> patients.add(new Object[] {id, p}));
      names(event).forEach(n -> agents.add(new Object[] {id, n}));
    }
    transactions.executeWithoutResult(
        status -> {
          jdbc.batchUpdate(
              "INSERT INTO lcds_audit_event (id, recorded_ms, subtype, outcome, resource_json)"
                  + " VALUES (?, ?, ?, ?, ?)",
              events);
          jdbc.batchUpdate(
              "INSERT INTO lcds_audit_event_patient (event_id, patient) VALUES (?, ?)", patients);
          jdbc.batchUpdate(
              "INSERT INTO lcds_audit_event_agent (event_id, name) VALUES (?, ?)", agents);
        });
  }

  /** The patients an event names: its Patient entities and agents ({@code Patient/<id>}). */
  static Set<String> patients(AuditEvent event) {
    return Stream.concat(
            event.getEntity().stream().map(e -> e.getWhat().getReference()),
            event.getAgent().stream().map(a -> a.getWho().getReference()))
        .filter(r -> r != null && r.startsWith("Patient/"))
        .map(r -> "Patient/" + new IdType(r).getIdPart())
        .collect(Collectors.toCollection(LinkedHashSet::new));
  }

  private static Set<String> names(AuditEvent event) {
    Set<String> out = new LinkedHashSet<>();
    for (AuditEvent.AuditEventAgentComponent agent : event.getAgent()) {
      if (agent.hasName()) {
        out.add(lower(agent.getName()));
      }
      if (agent.getWho().getIdentifier().hasValue()) {
        out.add(lower(agent.getWho().getIdentifier().getValue()));
      }
    }
    out.removeIf(n -> n.length() > 512);
    return out;
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  @Read
  public AuditEvent read(@IdParam IdType id, HttpServletRequest http) {
    List<String> found =
        jdbc.queryForList(
            "SELECT resource_json FROM lcds_audit_event WHERE id = ?",
            String.class,
            id.getIdPart());
    if (found.isEmpty()) {
      throw new ResourceNotFoundException(id);
    }
    AuditEvent event = parse(id.getIdPart(), found.get(0));
    used(http, List.of());
    return event;
  }

  @Search
  public List<AuditEvent> search(
      @OptionalParam(name = AuditEvent.SP_PATIENT) ReferenceParam patient,
      @OptionalParam(name = AuditEvent.SP_AGENT_NAME) StringParam agentName,
      @OptionalParam(name = AuditEvent.SP_SUBTYPE) TokenOrListParam subtype,
      @OptionalParam(name = AuditEvent.SP_OUTCOME) TokenOrListParam outcome,
      @OptionalParam(name = AuditEvent.SP_DATE) DateRangeParam date,
      @Sort SortSpec sort,
      @Count Integer count,
      HttpServletRequest http) {
    StringBuilder sql =
        new StringBuilder("SELECT e.id, e.resource_json FROM lcds_audit_event e WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    List<String> patients = new ArrayList<>();
    if (patient != null && patient.getIdPart() != null) {
      String p = "Patient/" + patient.getIdPart();
      patients.add(p);
      sql.append(" AND e.id IN (SELECT event_id FROM lcds_audit_event_patient WHERE patient = ?)");
      args.add(p);
    }
    if (agentName != null && !agentName.getValue().isBlank()) {
      sql.append(" AND e.id IN (SELECT event_id FROM lcds_audit_event_agent WHERE name ");
      if (agentName.isExact()) {
        sql.append("= ?)");
        args.add(lower(agentName.getValue()));
      } else {
        sql.append("LIKE ? ESCAPE '!')");
        args.add(lower(agentName.getValue()).replaceAll("([!%_])", "!$1") + "%");
      }
    }
    in(sql, args, "e.subtype", subtype);
    in(sql, args, "e.outcome", outcome);
    if (date != null) {
      if (date.getLowerBoundAsInstant() != null) {
        sql.append(" AND e.recorded_ms >= ?");
        args.add(date.getLowerBoundAsInstant().getTime());
      }
      if (date.getUpperBoundAsInstant() != null) {
        sql.append(" AND e.recorded_ms <= ?");
        args.add(date.getUpperBoundAsInstant().getTime());
      }
    }
    boolean oldestFirst =
        sort != null
            && AuditEvent.SP_DATE.equals(sort.getParamName())
            && sort.getOrder() != SortOrderEnum.DESC;
    int limit = Math.min(count == null || count < 1 ? DEFAULT_COUNT : count, MAX_COUNT);
    sql.append(" ORDER BY e.recorded_ms ").append(oldestFirst ? "ASC" : "DESC");
    sql.append(" LIMIT ").append(limit);
    List<AuditEvent> events =
        jdbc.query(
            sql.toString(), (rs, i) -> parse(rs.getString(1), rs.getString(2)), args.toArray());
    used(http, patients);
    return events;
  }

  private static void in(StringBuilder sql, List<Object> args, String column, TokenOrListParam p) {
    if (p == null || p.getValuesAsQueryTokens().isEmpty()) {
      return;
    }
    List<String> codes = new ArrayList<>();
    for (TokenParam token : p.getValuesAsQueryTokens()) {
      for (String code : token.getValue().split(",")) {
        if (!code.isBlank()) {
          codes.add(code.strip());
        }
      }
    }
    sql.append(" AND ").append(column).append(" IN (");
    sql.append(String.join(", ", java.util.Collections.nCopies(codes.size(), "?"))).append(')');
    args.addAll(codes);
  }

  private AuditEvent parse(String id, String json) {
    AuditEvent event = fhir.newJsonParser().parseResource(AuditEvent.class, json);
    event.setId(id);
    event.getMeta().setLastUpdated(event.getRecorded());
    return event;
  }

  private void used(HttpServletRequest http, List<String> patients) {
    if (trail != null && http != null) {
      trail.record(
          Activity.AUDIT_LOG_USED,
          AuditTrail.Actor.of(http),
          AuditEventOutcome._0,
          patients,
          List.of(),
          Optional.of(http.getMethod() + " " + http.getRequestURI()));
    }
  }
}
