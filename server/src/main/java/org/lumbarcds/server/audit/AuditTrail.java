package org.lumbarcds.server.audit;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.storage.interceptor.balp.IBalpAuditEventSink;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentNetworkType;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.server.security.AccessToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The audit trail: AuditEvents queued in memory and written in batches by one background thread, so
 * that recording one costs a request next to nothing. A write that fails is retried, with a growing
 * pause, until it succeeds: nothing is dropped while the process runs. When the queue is full, the
 * request that records one more writes it itself (slower, nothing lost). At shutdown the queue is
 * written out; a killed process loses what was still queued (at most about a second's worth;
 * docs/security.md).
 *
 * <p>Events are built here for the accesses outside the FHIR API ({@link Activity}), with the same
 * agents as HAPI's BALP interceptor gives the FHIR API's ({@link BalpContext}): the client, the
 * server, the user, and where the call came from.
 */
public class AuditTrail implements IBalpAuditEventSink, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);

  /** Request attribute: the patients a call touched ({@code Patient/<id>} references). */
  public static final String PATIENTS = "org.lumbarcds.audit.patients";

  /** Request attribute: the resources a call touched (references, or {@code urn:oid:} UIDs). */
  public static final String ENTITIES = "org.lumbarcds.audit.entities";

  /** Request attribute: the calling client when no access token names it (e.g. a CDS client). */
  public static final String CLIENT = "org.lumbarcds.audit.client";

  /** Request attribute: the user on whose behalf the call is made (e.g. hook's userId). */
  public static final String USER = "org.lumbarcds.audit.user";

  /** Identifier system of a reference the store refused, kept as text. */
  static final String REFERENCE = "urn:lumbarcds:audit:reference";

  /** Identifier system of a user as the caller names them (a hook's {@code userId}). */
  static final String USER_ID = "urn:lumbarcds:audit:user";

  /** Identifier system of DICOM UIDs. */
  static final String DICOM_UID = "urn:dicom:uid";

  private static final String ENTITY_TYPE =
      "http://terminology.hl7.org/CodeSystem/audit-entity-type";
  private static final String OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role";
  private static final Coding PATIENT_TYPE = new Coding(ENTITY_TYPE, "1", "Person");
  private static final Coding OBJECT_TYPE = new Coding(ENTITY_TYPE, "2", "System Object");
  private static final Coding PATIENT_ROLE = new Coding(OBJECT_ROLE, "1", "Patient");
  private static final Coding RESOURCE_ROLE = new Coding(OBJECT_ROLE, "4", "Domain Resource");
  private static final Coding STUDY_ROLE = new Coding(OBJECT_ROLE, "3", "Report");
  private static final Coding QUERY_ROLE = new Coding(OBJECT_ROLE, "24", "Query");
  private static final Coding SOURCE_ROLE = new Coding(Activity.DCM, "110153", "Source Role ID");
  private static final Coding DESTINATION_ROLE =
      new Coding(Activity.DCM, "110152", "Destination Role ID");
  private static final Coding USER_TYPE =
      new Coding(
          "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
          "IRCP",
          "information recipient");

  /** Who made a call: client, user and network address; each may be unknown. */
  public record Actor(Reference client, Optional<Reference> user, Optional<String> address) {

    /** This server itself, e.g. its analysis worker. */
    public static Actor server(String what) {
      return new Actor(new Reference().setDisplay(what), Optional.empty(), Optional.empty());
    }

    /**
     * Who made a call, from its verified access token, else from what the endpoint left ({@link
     * #CLIENT}, {@link #USER}); in open mode an unauthenticated local client.
     */
    public static Actor of(HttpServletRequest http) {
      Optional<String> address = Optional.ofNullable(http.getRemoteAddr());
      // the user as the caller names it (e.g. a hook's userId, a reference on the EHR's server):
      // an identifier, not a reference into this server
      Optional<Reference> user =
          http.getAttribute(USER) instanceof String u && !u.isBlank()
              ? Optional.of(identified(USER_ID, u))
              : Optional.empty();
      if (http.getAttribute(AccessToken.ATTRIBUTE) instanceof AccessToken token) {
        String client = token.clientId().or(token::subject).orElse("(unnamed client)");
        Optional<Reference> subject = token.subject().map(s -> identified(token.issuer(), s));
        return new Actor(identified(token.issuer(), client), user.or(() -> subject), address);
      }
      if (http.getAttribute(CLIENT) instanceof String client && !client.isBlank()) {
        return new Actor(identified(null, client), user, address);
      }
      return new Actor(
          new Reference().setDisplay("unauthenticated client (open mode)"), user, address);
    }
  }

  /** A reference by identifier (under {@code system}, if any), its value shown. */
  private static Reference identified(String system, String value) {
    return new Reference()
        .setIdentifier(new Identifier().setSystem(system).setValue(value))
        .setDisplay(value);
  }

  /**
   * Notes, on the request being answered, who made it ({@code client}, {@code user}, each may be
   * null) and what it touched, for {@link AuditFilter}'s event. Does nothing outside a request.
   */
  public static void touched(
      String client, String user, List<String> patients, List<String> entities) {
    if (!(RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes r)) {
      return;
    }
    HttpServletRequest http = r.getRequest();
    if (client != null) {
      http.setAttribute(CLIENT, client);
    }
    if (user != null) {
      http.setAttribute(USER, user);
    }
    if (!patients.isEmpty()) {
      http.setAttribute(PATIENTS, List.copyOf(patients));
    }
    if (!entities.isEmpty()) {
      http.setAttribute(ENTITIES, List.copyOf(entities));
    }
  }

  private final BlockingQueue<AuditEvent> queue;
  private final Consumer<List<AuditEvent>> writer;
  private final int batchSize;
  private final Duration linger;
  private final String observer;
  private final Thread thread;
  private final AtomicInteger busy = new AtomicInteger();
  private final AtomicLong recorded = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong lost = new AtomicLong();
  private volatile boolean closing;

  /**
   * @param writer stores one batch, or throws
   * @param observer how this server names itself in the events (its source)
   */
  public AuditTrail(
      Consumer<List<AuditEvent>> writer, int queueCapacity, int batchSize, String observer) {
    this(writer, queueCapacity, batchSize, observer, Duration.ZERO);
  }

  /**
   * @param linger how long the writer gathers events after the first of a batch before writing them
   *     together: fewer, larger transactions, so that the trail's writes take as little of the
   *     database and the processor from the requests as they can
   */
  public AuditTrail(
      Consumer<List<AuditEvent>> writer,
      int queueCapacity,
      int batchSize,
      String observer,
      Duration linger) {
    this.linger = linger;
    this.queue = new LinkedBlockingQueue<>(queueCapacity);
    this.writer = writer;
    this.batchSize = batchSize;
    this.observer = observer;
    this.thread = new Thread(this::run, "audit-writer");
    this.thread.setDaemon(true);
    this.thread.setPriority(Thread.MIN_PRIORITY);
    this.thread.start();
  }

  /** Queues an event (HAPI's BALP interceptor calls this too). */
  @Override
  public void recordAuditEvent(AuditEvent event) {
    recorded.incrementAndGet();
    // an agent named by an identifier (a client, a token's subject, a hook's user) gets that as
    // its name too: AuditEvent?agent-name=lumbar-ris finds a client's events
    for (AuditEventAgentComponent agent : event.getAgent()) {
      if (!agent.hasName() && agent.getWho().getIdentifier().hasValue()) {
        agent.setName(agent.getWho().getIdentifier().getValue());
      }
    }
    try {
      if (queue.offer(event) || queue.offer(event, 2, TimeUnit.SECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // the writer is far behind: this request writes its own event rather than dropping it
    try {
      writer.accept(List.of(event));
    } catch (RuntimeException e) {
      failures.incrementAndGet();
      lost.incrementAndGet();
      log.error(
          "An audit event was lost: queue full and the store refused it ({})",
          e.getClass().getSimpleName());
    }
  }

  /** Records an access outside the FHIR API, made by the call {@code http}. */
  public void record(Activity activity, HttpServletRequest http, AuditEventOutcome outcome) {
    record(
        activity,
        Actor.of(http),
        outcome,
        strings(http.getAttribute(PATIENTS)),
        strings(http.getAttribute(ENTITIES)),
        Optional.of(http.getMethod() + " " + http.getRequestURI()));
  }

  /** Records an access outside the FHIR API. */
  public void record(
      Activity activity,
      Actor actor,
      AuditEventOutcome outcome,
      List<String> patients,
      List<String> entities,
      Optional<String> call) {
    recordAuditEvent(event(activity, actor, outcome, patients, entities, call));
  }

  AuditEvent event(
      Activity activity,
      Actor actor,
      AuditEventOutcome outcome,
      List<String> patients,
      List<String> entities,
      Optional<String> call) {
    AuditEvent event = new AuditEvent();
    event.setType(activity.type());
    event.addSubtype(activity.subtype());
    event.setAction(activity.action());
    event.setOutcome(outcome);
    event.setRecorded(new Date());
    event.getSource().setSite(observer).getObserver().setDisplay(observer);

    AuditEventAgentComponent client = event.addAgent();
    client.getType().addCoding(activity == Activity.DICOM_STORE ? SOURCE_ROLE : DESTINATION_ROLE);
    client.setWho(actor.client()).setRequestor(actor.user().isEmpty());
    actor.address().ifPresent(a -> client.getNetwork().setAddress(a).setType(networkType(a)));

    AuditEventAgentComponent server = event.addAgent();
    server.getType().addCoding(activity == Activity.DICOM_STORE ? DESTINATION_ROLE : SOURCE_ROLE);
    server.getWho().setDisplay(observer);
    server.setRequestor(false);

    actor
        .user()
        .ifPresent(
            u -> {
              AuditEventAgentComponent user = event.addAgent();
              user.getType().addCoding(USER_TYPE);
              user.setWho(u).setRequestor(true);
            });

    for (String patient : patients) {
      AuditEventEntityComponent entity = event.addEntity();
      entity.setType(PATIENT_TYPE).setRole(PATIENT_ROLE);
      entity.getWhat().setReference(patient);
    }
    for (String what : entities) {
      AuditEventEntityComponent entity = event.addEntity();
      entity.setType(OBJECT_TYPE);
      if (what.startsWith("urn:oid:")) {
        entity.setRole(STUDY_ROLE);
        entity.getWhat().setIdentifier(new Identifier().setSystem(DICOM_UID).setValue(what));
      } else {
        entity.setRole(RESOURCE_ROLE);
        entity.getWhat().setReference(what);
      }
    }
    call.ifPresent(
        c -> {
          AuditEventEntityComponent entity = event.addEntity();
          entity.setType(OBJECT_TYPE).setRole(QUERY_ROLE);
          // the method and path only: never a body, never the query string's values
          entity.setDescription(c);
        });
    return event;
  }

  private static AuditEventAgentNetworkType networkType(String address) {
    return address.chars().allMatch(c -> Character.isDigit(c) || c == '.' || c == ':')
        ? AuditEventAgentNetworkType._2
        : AuditEventAgentNetworkType._1;
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(Object attribute) {
    return attribute instanceof List<?> list ? (List<String>) list : List.of();
  }

  /** How many events were recorded since start-up. */
  public long recorded() {
    return recorded.get();
  }

  /** How many batch writes failed (and were retried) since start-up. */
  public long failures() {
    return failures.get();
  }

  /** How many events could not be written at all since start-up. */
  public long lost() {
    return lost.get();
  }

  /** Waits until every event recorded so far is written, or the time is up. */
  public boolean flush(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!queue.isEmpty() || busy.get() > 0) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  private void run() {
    List<AuditEvent> batch = new ArrayList<>();
    while (!closing || !queue.isEmpty()) {
      try {
        AuditEvent first = queue.poll(500, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        busy.incrementAndGet();
        try {
          batch.add(first);
          queue.drainTo(batch, batchSize - 1);
          // gather more until the batch is full or the linger is over
          long until = System.nanoTime() + linger.toNanos();
          long left;
          while (batch.size() < batchSize && !closing && (left = until - System.nanoTime()) > 0) {
            AuditEvent next = queue.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
              break;
            }
            batch.add(next);
            queue.drainTo(batch, batchSize - batch.size());
          }
          writeRetrying(batch);
        } finally {
          batch.clear();
          busy.decrementAndGet();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void writeRetrying(List<AuditEvent> batch) {
    long pause = 500;
    while (true) {
      try {
        long t = System.nanoTime();
        writer.accept(batch);
        log.debug(
            "{} audit events written in {} ms", batch.size(), (System.nanoTime() - t) / 1_000_000);
        return;
      } catch (RuntimeException e) {
        if (refused(e)) {
          // refused for what an event holds, not for the store's state: retrying the batch
          // would never succeed; each event is written on its own
          log.debug("Audit batch refused", e);
          batch.forEach(this::writeAlone);
          return;
        }
        pause = failed(batch, e, pause);
        if (pause < 0) {
          return;
        }
      }
    }
  }

  /** Whether the store refused the events themselves (a 4xx), rather than being away. */
  private static boolean refused(RuntimeException e) {
    return e instanceof BaseServerResponseException r
        && r.getStatusCode() >= 400
        && r.getStatusCode() < 500;
  }

  /**
   * An event the store refused (e.g. it names a resource deleted since): written again with its
   * references kept as identifiers (the reference's text), so the access stays on record.
   */
  private void writeAlone(AuditEvent event) {
    try {
      writer.accept(List.of(event));
      return;
    } catch (RuntimeException e) {
      if (!refused(e)) {
        writeRetrying(List.of(event)); // not a refusal of this event: the store is away
        return;
      }
      log.debug("Audit event refused", e);
    }
    AuditEvent kept = event.copy();
    kept.getAgent().forEach(a -> a.setWho(asIdentifier(a.getWho())));
    try {
      writer.accept(List.of(kept));
      return;
    } catch (RuntimeException e) {
      log.debug("Audit event refused", e);
    }
    kept.getEntity().forEach(en -> en.setWhat(asIdentifier(en.getWhat())));
    try {
      writer.accept(List.of(kept));
    } catch (RuntimeException e) {
      failures.incrementAndGet();
      lost.incrementAndGet();
      log.error("An audit event could not be written ({})", e.getClass().getSimpleName());
      log.debug("Audit event not written", e);
    }
  }

  private static Reference asIdentifier(Reference reference) {
    if (reference == null || !reference.hasReference()) {
      return reference;
    }
    Reference kept = new Reference().setDisplay(reference.getDisplay());
    kept.setIdentifier(
        reference.hasIdentifier()
            ? reference.getIdentifier()
            : new Identifier().setSystem(REFERENCE).setValue(reference.getReference()));
    return kept;
  }

  /** Logs a failed write and pauses; the next pause, or -1 to give up (at shutdown). */
  private long failed(List<AuditEvent> batch, RuntimeException e, long pause) {
    failures.incrementAndGet();
    // the exception's class only: its message may quote the events
    log.warn(
        "{} audit events could not be written ({}); retrying in {} ms",
        batch.size(),
        e.getClass().getSimpleName(),
        pause);
    log.debug("Audit write failed", e);
    if (closing && pause > 8_000) {
      lost.addAndGet(batch.size());
      log.error("{} audit events not written at shutdown", batch.size());
      return -1;
    }
    try {
      Thread.sleep(pause);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      lost.addAndGet(batch.size());
      log.error("{} audit events not written: interrupted", batch.size());
      return -1;
    }
    return Math.min(pause * 2, 30_000);
  }

  /** Writes out what is queued, then stops the writer. */
  @Override
  public void close() throws InterruptedException {
    closing = true;
    thread.join(30_000);
  }
}
