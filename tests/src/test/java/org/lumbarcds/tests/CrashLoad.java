package org.lumbarcds.tests;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.hl7.fhir.r4.model.Reference;
import org.lumbarcds.cds.imaging.Multipart;
import org.lumbarcds.model.Sha256;
import org.lumbarcds.model.dicom.DicomReader;
import org.lumbarcds.model.dicom.Tags;

/**
 * The crash test: the server jar as a process of its own takes a mixed load from several clients at
 * once (FHIR creates and updates, lumbar radiograph orders with their three views stored through
 * STOW-RS and then completed with JSON Patch, which queues their analyses, and CDS Hooks feedback)
 * and is killed with SIGKILL at a random moment, again and again. After each restart it checks the
 * record against what the clients were told:
 *
 * <ul>
 *   <li>every write answered 2xx is there at its version ({@code _history/n});
 *   <li>every stored instance is listed and complete (its bytes are the ones sent), every listed
 *       one is complete, whether or not its request was answered, and no temporary or unlisted file
 *       is left in the DICOM folder;
 *   <li>every order answered as completed ends with exactly one completed Task and one Observation,
 *       and no order has more than one;
 *   <li>every feedback item answered 200 is stored.
 * </ul>
 *
 * A last restart checks the whole record again. Bounded (a number of kills) and on loopback only.
 */
final class CrashLoad {

  /** The server's database: its settings, and how its backup is taken and restored. */
  interface Database {
    String name();

    /** The server's environment for this database. */
    Map<String, String> environment();

    /** Takes the database's part of a backup that the server cannot take itself (pg_dump). */
    void dump(Path file) throws Exception;

    /** Restores that part into a new database; returns the server's environment for it. */
    Map<String, String> restore(Path file) throws Exception;
  }

  /** H2: the database is in the server's data folder, and in the server's own backup. */
  static final Database H2 =
      new Database() {
        @Override
        public String name() {
          return "H2";
        }

        @Override
        public Map<String, String> environment() {
          return Map.of();
        }

        @Override
        public void dump(Path file) {}

        @Override
        public Map<String, String> restore(Path file) {
          return Map.of();
        }
      };

  /** What to run. */
  record Settings(
      Database database,
      int kills,
      int clients,
      Duration shortestLoad,
      Duration longestLoad,
      long seed,
      Path work) {}

  /** One kill's figures. */
  record Round(
      int kill,
      long loadMillis,
      int acknowledged,
      int cutShort,
      long restartMillis,
      long checkMillis,
      int recoveredAtStart) {}

  private static final String IDENTIFIER_SYSTEM = "urn:lumbarcds:test:crash-load";
  private static final String FEEDBACK_SERVICE = "lss-patient-view";
  private static final Pattern RECOVERED =
      Pattern.compile("Recovery sweep \\(at start-up\\): (\\d+) analysis job");
  private static final Duration ANALYSIS_WAIT = Duration.ofMinutes(4);

  private final Settings settings;
  private final Random random;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private Path dataDir;
  private Map<String, String> environment;
  private final int port;
  private final Instant started = Instant.now();

  // what the clients were told: resource ("Patient/12") -> versions answered 2xx
  private final Map<String, Set<Integer>> versions = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> writtenSinceCheck = new ConcurrentLinkedQueue<>();
  // study UID -> SOP Instance UID -> SHA-256 of the bytes sent (answered or not)
  private final Map<String, Map<String, String>> sent = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> stored = new ConcurrentHashMap<>(); // answered 200
  private final ConcurrentLinkedQueue<String> studiesSinceCheck = new ConcurrentLinkedQueue<>();
  private final Set<String> ordersWithViews = ConcurrentHashMap.newKeySet(); // STOW answered 200
  private final Set<String> completedOrders = ConcurrentHashMap.newKeySet(); // PATCH answered 200
  private final Set<String> analysed = ConcurrentHashMap.newKeySet(); // checked: Task + 1 result
  private final Set<String> feedback = ConcurrentHashMap.newKeySet();
  private final Set<String> accessions = ConcurrentHashMap.newKeySet();
  private final Set<String> patientIds = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> acknowledged = new ConcurrentHashMap<>();
  private final AtomicInteger cutShort = new AtomicInteger();
  private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
  private final List<Round> rounds = new ArrayList<>();
  private volatile boolean stopping;
  private ServerProcess current;
  private long restoredMillis;
  private String backupName;

  CrashLoad(Settings settings) throws IOException {
    this.settings = settings;
    this.random = new Random(settings.seed());
    this.dataDir = Files.createDirectories(settings.work().resolve("data"));
    this.environment = settings.database().environment();
    this.port = ServerProcess.freePort();
  }

  /** Runs the kills and the checks; throws AssertionError on the first thing lost. */
  String run() throws Exception {
    try {
      return kills();
    } finally {
      if (current != null) {
        current.kill(); // a failed check leaves no server behind
      }
    }
  }

  private String kills() throws Exception {
    ServerProcess server = start(0);
    for (int kill = 1; kill <= settings.kills(); kill++) {
      long load =
          settings.shortestLoad().toMillis()
              + (long)
                  (random.nextDouble()
                      * (settings.longestLoad().toMillis() - settings.shortestLoad().toMillis()));
      int before = total(acknowledged);
      int cutBefore = cutShort.get();
      stopping = false;
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < settings.clients(); c++) {
        long seed = random.nextLong();
        Thread client = new Thread(() -> client(new Random(seed)), "crash-client-" + c);
        client.start();
        clients.add(client);
      }
      Thread.sleep(load);
      server.kill(); // while the clients' requests are in flight
      stopping = true;
      for (Thread client : clients) {
        client.join(120_000);
      }
      if (!unexpected.isEmpty()) {
        throw new AssertionError(
            "unexpected answers under load (before the kill): " + List.copyOf(unexpected));
      }
      long t0 = System.nanoTime();
      server = start(kill);
      long restart = (System.nanoTime() - t0) / 1_000_000;
      long t1 = System.nanoTime();
      check(false);
      long checked = (System.nanoTime() - t1) / 1_000_000;
      rounds.add(
          new Round(
              kill,
              load,
              total(acknowledged) - before,
              cutShort.get() - cutBefore,
              restart,
              checked,
              recoveredAtStart(server.log())));
      System.out.printf(
          "crash load (%s): kill %d of %d after %d ms of load: %d writes answered, %d cut short;"
              + " restart %d ms, checks %d ms%n",
          settings.database().name(),
          kill,
          settings.kills(),
          load,
          rounds.get(rounds.size() - 1).acknowledged(),
          rounds.get(rounds.size() - 1).cutShort(),
          restart,
          checked);
    }
    // the whole record once more, on a server stopped and started as an operator would; then a
    // backup taken while it runs, restored into a new data folder (and database), holds it all
    server.close();
    Path dump = settings.work().resolve("database.dump");
    Path restored = settings.work().resolve("restored");
    String backupName;
    try (ServerProcess last = start(settings.kills() + 1)) {
      check(true);
      settings.database().dump(dump);
      HttpResponse<String> backup =
          http.send(
              HttpRequest.newBuilder(uri("/ops/api/backups"))
                  .timeout(Duration.ofMinutes(10))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (backup.statusCode() != 201) {
        throw new AssertionError("backup: " + backup.statusCode() + " " + backup.body());
      }
      JsonNode written = CdsClient.JSON.readTree(backup.body());
      backupName = written.path("name").asText();
      copyTree(Path.of(written.path("folder").asText()), restored);
    }
    dataDir = restored;
    environment = settings.database().restore(dump);
    long t0 = System.nanoTime();
    try (ServerProcess fromBackup = start(settings.kills() + 2)) {
      restoredMillis = (System.nanoTime() - t0) / 1_000_000;
      check(true);
    }
    this.backupName = backupName;
    return report();
  }

  private ServerProcess start(int kill) throws IOException, InterruptedException {
    ServerProcess server = startProcess(kill);
    // the first write after a start waits for the validator to warm up (seconds): one write
    // before the load, so that the load's moments of kill fall among answered requests
    createPatient(random);
    return server;
  }

  private ServerProcess startProcess(int kill) throws IOException {
    current = null;
    current =
        ServerProcess.start(
            dataDir,
            port,
            settings.work().resolve("server-" + kill + ".log"),
            environment,
            List.of(
                "--lumbarcds.cds-hooks.security=open",
                "--lumbarcds.backup.folder=" + settings.work().resolve("backups"),
                "--lumbarcds.analysis.polling-interval=1s",
                "--lumbarcds.analysis.heartbeat-interval=1s",
                "--lumbarcds.analysis.missed-heartbeats=4",
                "--lumbarcds.analysis.recovery-interval=30s",
                // one instance on the folder: the store check need not wait for others' writes
                "--lumbarcds.dicomweb.store-check-grace=0s"));
    return current;
  }

  // --- the load ------------------------------------------------------------------------------

  private void client(Random r) {
    List<String> patients = new ArrayList<>(); // this client's: no two clients update one
    while (!stopping) {
      try {
        int pick = r.nextInt(100);
        if (pick < 25 || patients.isEmpty()) {
          patients.add(createPatient(r));
        } else if (pick < 45) {
          updatePatient(patients.get(r.nextInt(patients.size())), r);
        } else if (pick < 85) {
          orderWithViews(r);
        } else {
          feedback();
        }
      } catch (IOException e) {
        cutShort.incrementAndGet(); // the server went away with the request in flight
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private String createPatient(Random r) throws IOException, InterruptedException {
    String body =
        "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\""
            + IDENTIFIER_SYSTEM
            + "\",\"value\":\"P"
            + Math.abs(r.nextLong())
            + "\"}],\"gender\":\"female\",\"birthDate\":\"1950-01-01\"}";
    HttpResponse<String> created = fhir("POST", "/fhir/Patient", "application/fhir+json", body);
    expect(created, 201, "Patient create");
    return written("Patient", created, "patient created");
  }

  private void updatePatient(String id, Random r) throws IOException, InterruptedException {
    String body =
        "{\"resourceType\":\"Patient\",\"id\":\""
            + id.substring(id.indexOf('/') + 1)
            + "\",\"identifier\":[{\"system\":\""
            + IDENTIFIER_SYSTEM
            + "\",\"value\":\"P"
            + Math.abs(r.nextLong())
            + "\"}],\"gender\":\""
            + (r.nextBoolean() ? "male" : "female")
            + "\",\"birthDate\":\"19"
            + (40 + r.nextInt(50))
            + "-01-01\"}";
    HttpResponse<String> updated = fhir("PUT", "/fhir/" + id, "application/fhir+json", body);
    expect(updated, 200, "Patient update");
    written("Patient", updated, "patient updated");
  }

  /** A patient, a lumbar radiograph order, its three views through STOW-RS, the order completed. */
  private void orderWithViews(Random r) throws IOException, InterruptedException {
    PhantomStudy study;
    do { // the fixture's accession number has 4 characters: copies may share one
      study = PhantomStudy.copy("study1/neutral.dcm", "study1/flexion.dcm", "study1/extension.dcm");
    } while (!accessions.add(study.accession()) || !patientIds.add(study.patientId()));
    HttpResponse<String> p =
        fhir(
            "POST",
            "/fhir/Patient",
            "application/fhir+json",
            ServerTestBase.FHIR
                .newJsonParser()
                .encodeResourceToString(Fixtures.patient(study.patientId())));
    expect(p, 201, "Patient create");
    String patient = written("Patient", p, "patient created");
    HttpResponse<String> o =
        fhir(
            "POST",
            "/fhir/ServiceRequest",
            "application/fhir+json",
            ServerTestBase.FHIR
                .newJsonParser()
                .encodeResourceToString(
                    Fixtures.lumbarXrOrder(new Reference(patient), study.accession())));
    expect(o, 201, "ServiceRequest create");
    String order = written("ServiceRequest", o, "order created");
    Map<String, String> shas = new HashMap<>();
    for (byte[] file : study.files()) {
      shas.put(
          new DicomReader().read(file).dataset().getString(Tags.SOP_INSTANCE_UID).orElseThrow(),
          Sha256.hex(file));
    }
    sent.put(study.studyUid(), shas);
    studiesSinceCheck.add(study.studyUid());
    String boundary = Multipart.newBoundary();
    HttpResponse<String> stow =
        http.send(
            HttpRequest.newBuilder(uri("/dicomweb/studies"))
                .timeout(Duration.ofSeconds(120))
                .header("Content-Type", PhantomStudy.contentType(boundary))
                .header("Accept", "application/dicom+json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(study.stowBody(boundary)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    expect(stow, 200, "STOW-RS");
    stored.put(study.studyUid(), Set.copyOf(shas.keySet()));
    ordersWithViews.add(order);
    count("instances stored", shas.size());
    HttpResponse<String> completed =
        fhir(
            "PATCH",
            "/fhir/" + order,
            "application/json-patch+json",
            "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"completed\"}]");
    expect(completed, 200, "order completion");
    written("ServiceRequest", completed, "order completed");
    completedOrders.add(order);
    if (r.nextInt(4) == 0) {
      // the order written as completed once more: a repeated trigger must not add a result
      HttpResponse<String> again =
          fhir(
              "PATCH",
              "/fhir/" + order,
              "application/json-patch+json",
              "[{\"op\":\"add\",\"path\":\"/note\",\"value\":[{\"text\":\"reported\"}]}]");
      expect(again, 200, "order update");
      written("ServiceRequest", again, "order updated");
    }
  }

  private void feedback() throws IOException, InterruptedException {
    String card = java.util.UUID.randomUUID().toString();
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(uri("/cds-services/" + FEEDBACK_SERVICE + "/feedback"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"feedback\":[{\"card\":\""
                            + card
                            + "\",\"outcome\":\"accepted\",\"outcomeTimestamp\":\""
                            + Instant.now()
                            + "\"}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    expect(answer, 200, "CDS Hooks feedback");
    feedback.add(card);
    count("feedback stored", 1);
  }

  private void expect(HttpResponse<String> answer, int status, String what) throws IOException {
    if (answer.statusCode() != status) {
      if (!stopping) {
        unexpected.add(what + ": " + answer.statusCode() + " " + abbreviate(answer.body()));
      }
      throw new IOException(what + " answered " + answer.statusCode());
    }
  }

  /** Records a write answered 2xx; returns "Type/id". */
  private String written(String type, HttpResponse<String> answer, String kind) throws IOException {
    JsonNode resource = CdsClient.JSON.readTree(answer.body());
    String id = type + "/" + resource.path("id").asText();
    int version = Integer.parseInt(resource.at("/meta/versionId").asText());
    versions.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(version);
    writtenSinceCheck.add(id);
    count(kind, 1);
    return id;
  }

  private void count(String kind, int n) {
    acknowledged.computeIfAbsent(kind, k -> new AtomicInteger()).addAndGet(n);
  }

  // --- the checks ----------------------------------------------------------------------------

  private void check(boolean everything) throws Exception {
    Set<String> resources = new HashSet<>();
    if (everything) {
      resources.addAll(versions.keySet());
    } else {
      for (String id; (id = writtenSinceCheck.poll()) != null; ) {
        resources.add(id);
      }
    }
    for (String id : resources) {
      int highest = 0;
      for (int version : versions.get(id)) {
        HttpResponse<String> read = fhir("GET", "/fhir/" + id + "/_history/" + version, null, null);
        if (read.statusCode() != 200) {
          throw new AssertionError(
              id + " version " + version + " was answered 2xx but is gone: " + read.statusCode());
        }
        highest = Math.max(highest, version);
      }
      HttpResponse<String> current = fhir("GET", "/fhir/" + id, null, null);
      int now =
          Integer.parseInt(CdsClient.JSON.readTree(current.body()).at("/meta/versionId").asText());
      if (current.statusCode() != 200 || now < highest) {
        throw new AssertionError(id + " is at version " + now + ", behind " + highest);
      }
    }
    Set<String> studies = new HashSet<>();
    if (everything) {
      studies.addAll(sent.keySet());
    } else {
      for (String uid; (uid = studiesSinceCheck.poll()) != null; ) {
        studies.add(uid);
      }
    }
    for (String study : studies) {
      checkStudy(study);
    }
    checkDicomFolder();
    checkAnalyses(everything);
    checkFeedback();
  }

  /** Every instance the server lists is complete; every one answered 200 is listed. */
  private void checkStudy(String study) throws Exception {
    HttpResponse<byte[]> retrieved =
        http.send(
            HttpRequest.newBuilder(uri("/dicomweb/studies/" + study))
                .timeout(Duration.ofSeconds(60))
                .header("Accept", "multipart/related; type=\"application/dicom\"")
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    Set<String> listed = new HashSet<>();
    if (retrieved.statusCode() == 200) {
      Multipart.read(
          new ByteArrayInputStream(retrieved.body()),
          retrieved.headers().firstValue("Content-Type").orElse(""),
          1L << 28,
          1L << 30,
          part -> {
            String sop;
            try {
              sop =
                  new DicomReader()
                      .read(part.body())
                      .dataset()
                      .getString(Tags.SOP_INSTANCE_UID)
                      .orElseThrow();
            } catch (RuntimeException | IOException e) {
              throw new AssertionError(
                  "study " + study + " serves an instance that is not DICOM (" + e + ")");
            }
            if (!Sha256.hex(part.body()).equals(sent.get(study).get(sop))) {
              throw new AssertionError(
                  "study " + study + " serves instance " + sop + " with other bytes than sent");
            }
            listed.add(sop);
          });
    } else if (retrieved.statusCode() != 404) {
      throw new AssertionError("WADO-RS of study " + study + ": " + retrieved.statusCode());
    }
    Set<String> answered = stored.getOrDefault(study, Set.of());
    if (!listed.containsAll(answered)) {
      throw new AssertionError(
          "study " + study + ": instances answered as stored are missing after the crash");
    }
  }

  /**
   * The DICOM folder holds only listed instances: the start-up check removed the temporary files of
   * writes cut short and set aside the files whose catalogue row was never written.
   */
  private void checkDicomFolder() throws IOException, InterruptedException {
    Path root = dataDir.resolve("dicom");
    if (!Files.isDirectory(root)) {
      return;
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    Map<String, Set<String>> listed = new HashMap<>();
    for (Path file : files) {
      String name = file.getFileName().toString();
      // study/series/<SOP Instance UID>.<16 hex digits of the content hash>.dcm
      if (!name.matches("[0-9.]+\\.[0-9a-f]{16}\\.dcm")) {
        throw new AssertionError(
            "a file other than a stored instance in the DICOM folder: " + file);
      }
      String sop = name.substring(0, name.length() - ".0123456789abcdef.dcm".length());
      String study = file.getParent().getParent().getFileName().toString();
      Set<String> sops = listed.get(study);
      if (sops == null) {
        sops = listedInstances(study);
        listed.put(study, sops);
      }
      if (!sops.contains(sop)) {
        throw new AssertionError("instance " + sop + " has a file in the store but is not listed");
      }
    }
  }

  /** The SOP Instance UIDs the catalogue lists for a study (WADO-RS metadata). */
  private Set<String> listedInstances(String study) throws IOException, InterruptedException {
    HttpResponse<String> found =
        http.send(
            HttpRequest.newBuilder(uri("/dicomweb/studies/" + study + "/metadata"))
                .timeout(Duration.ofSeconds(60))
                .header("Accept", "application/dicom+json")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Set<String> sops = new HashSet<>();
    if (found.statusCode() == 200) {
      for (JsonNode instance : CdsClient.JSON.readTree(found.body())) {
        sops.add(instance.at("/00080018/Value/0").asText());
      }
    }
    return sops;
  }

  /**
   * Every order answered as completed ends with one completed Task and one Observation; no order
   * has more than one of either. At the end also every order whose three views were stored (the
   * study-available trigger).
   */
  private void checkAnalyses(boolean everything) throws Exception {
    Set<String> expected = new HashSet<>(completedOrders);
    if (everything) {
      expected.addAll(ordersWithViews); // each one checked again
    } else {
      expected.removeAll(analysed);
    }
    try {
      Awaitility.await("the analyses of the completed orders")
          .atMost(ANALYSIS_WAIT)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                for (String order : List.copyOf(expected)) {
                  if (analysedOnce(order)) {
                    expected.remove(order);
                    analysed.add(order);
                  }
                }
                return expected.isEmpty();
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          expected.size() + " order(s) not analysed in " + ANALYSIS_WAIT + ": " + expected, e);
    }
    if (everything) {
      for (String order : versions.keySet()) {
        if (order.startsWith("ServiceRequest/")) {
          int results = search("/fhir/Observation?based-on=" + order).path("total").asInt();
          if (results > 1) {
            throw new AssertionError(order + " has " + results + " Observations");
          }
        }
      }
    }
  }

  /** Whether the order's one Task is completed, with one Observation; fails on a second one. */
  private boolean analysedOnce(String order) throws IOException, InterruptedException {
    JsonNode tasks = search("/fhir/Task?focus=" + order);
    if (tasks.path("total").asInt() > 1) {
      throw new AssertionError(order + " has more than one Task");
    }
    String status = tasks.at("/entry/0/resource/status").asText();
    if ("failed".equals(status)) {
      throw new AssertionError(
          order
              + "'s analysis failed: "
              + tasks.at("/entry/0/resource/statusReason/text").asText());
    }
    if (!"completed".equals(status)) {
      return false;
    }
    int results = search("/fhir/Observation?based-on=" + order).path("total").asInt();
    if (results != 1) {
      throw new AssertionError(order + " has " + results + " Observations, not 1");
    }
    return true;
  }

  private void checkFeedback() throws Exception {
    HttpResponse<String> read =
        http.send(
            HttpRequest.newBuilder(
                    uri(
                        "/cds-services/"
                            + FEEDBACK_SERVICE
                            + "/feedback?since="
                            + URLEncoder.encode(
                                started.minusSeconds(60).toString(), StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (read.statusCode() != 200) {
      throw new AssertionError("feedback read: " + read.statusCode() + " " + read.body());
    }
    Set<String> cards = new HashSet<>();
    for (JsonNode item : CdsClient.JSON.readTree(read.body()).path("feedback")) {
      cards.add(item.path("card").asText());
    }
    if (!cards.containsAll(feedback)) {
      Set<String> lost = new HashSet<>(feedback);
      lost.removeAll(cards);
      throw new AssertionError(lost.size() + " feedback item(s) answered 200 are gone");
    }
  }

  private JsonNode search(String path) throws IOException, InterruptedException {
    HttpResponse<String> found = fhir("GET", path, null, null);
    if (found.statusCode() != 200) {
      throw new AssertionError(path + ": " + found.statusCode() + " " + abbreviate(found.body()));
    }
    return CdsClient.JSON.readTree(found.body());
  }

  // --- plumbing and the report ---------------------------------------------------------------

  private HttpResponse<String> fhir(String method, String path, String type, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(60))
            .header("Accept", "application/fhir+json");
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request
          .header("Content-Type", type)
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static int recoveredAtStart(String log) {
    Matcher m = RECOVERED.matcher(log);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  private static int total(Map<String, AtomicInteger> counts) {
    return counts.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }

  private String report() {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            "crash load on %s: %d kills, %d clients, seed %d%n",
            settings.database().name(), settings.kills(), settings.clients(), settings.seed()));
    b.append("answered 2xx and found after the crashes:\n");
    new TreeMap<>(acknowledged)
        .forEach((k, v) -> b.append("  ").append(k).append(": ").append(v).append('\n'));
    b.append(
        String.format(
            "requests without an answer (in flight at a kill, or sent in the moment after it;"
                + " their outcome unknown to the client, so not counted above): %d%n",
            cutShort.get()));
    b.append(
        String.format(
            "orders analysed (one completed Task, one Observation each): %d%n", analysed.size()));
    b.append(
        String.format(
            "jobs queued by the start-up recovery sweep: %d%n",
            rounds.stream().mapToInt(Round::recoveredAtStart).sum()));
    b.append(
        String.format(
            "restart to ready: median %d ms, longest %d ms; checks after a restart: median %d ms%n",
            median(rounds.stream().mapToLong(Round::restartMillis).toArray()),
            rounds.stream().mapToLong(Round::restartMillis).max().orElse(0),
            median(rounds.stream().mapToLong(Round::checkMillis).toArray())));
    b.append(
        String.format(
            "backup %s taken while the server ran, restored into a new data folder%s: the whole"
                + " record checked again on it (ready in %d ms)%n",
            backupName,
            settings.database() == H2 ? "" : " and a new database (pg_dump, pg_restore)",
            restoredMillis));
    b.append("lost: 0\n");
    return b.toString();
  }

  private static long median(long[] values) {
    if (values.length == 0) {
      return 0;
    }
    long[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
