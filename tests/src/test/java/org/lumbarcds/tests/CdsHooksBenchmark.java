package org.lumbarcds.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
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
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The CDS Hooks and analysis benchmark (tests/bench/cds-hooks.sh runs it against a started server
 * whose studies lumbarcds_training.stow stored with active orders):
 *
 * <ol>
 *   <li>order-complete analysing synchronously: the hook on orders nobody has analysed yet;
 *   <li>order completed → Observation stored: one order at a time, written as completed, then
 *       polled until its Observation exists;
 *   <li>sustained: the remaining orders completed at once, until every Observation is stored;
 *   <li>order-sign with a stored result at 1, 8 and 32 concurrent clients (tokens signed before the
 *       clock starts, so the client's signing does not take the server's CPU).
 * </ol>
 *
 * <pre>
 *   CdsHooksBenchmark keys KEY_FILE            writes a signing key, prints the public JWKS
 *   CdsHooksBenchmark run ROOT KEY_FILE ISSUER SIGN_REQUESTS
 *   CdsHooksBenchmark durability ROOT KEY_FILE ISSUER WRITES
 * </pre>
 *
 * <p>{@code durability} (tests/bench/durability.sh runs it once per database setting): FHIR writes
 * (a Patient created, then updated) from 1 and 8 clients, then the order-complete hook analysing in
 * the call, alone and while 8 clients write.
 */
public final class CdsHooksBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String root;
  private final ECKey key;
  private final String issuer;

  private CdsHooksBenchmark(String root, ECKey key, String issuer) {
    this.root = root;
    this.key = key;
    this.issuer = issuer;
  }

  public static void main(String[] args) throws Exception {
    if (args[0].equals("keys")) {
      ECKey key = new ECKeyGenerator(Curve.P_384).keyID("bench-" + UUID.randomUUID()).generate();
      Files.writeString(Path.of(args[1]), key.toJSONString());
      System.out.println(new JWKSet(key.toPublicJWK()).toString());
      return;
    }
    if (args[0].equals("accesskeys")) {
      // an authorization server's signing key (RS384), for tests/bench/security.sh
      RSAKey rsa = new RSAKeyGenerator(2048).keyID("bench-as-" + UUID.randomUUID()).generate();
      Files.writeString(Path.of(args[1]), rsa.toJSONString());
      System.out.println(new JWKSet(rsa.toPublicJWK()).toString());
      return;
    }
    if (args[0].equals("accesstoken")) {
      // an access token of that key: accesstoken KEYFILE ISSUER AUDIENCE SCOPE (an hour)
      RSAKey rsa = RSAKey.parse(Files.readString(Path.of(args[1])));
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.RS384).keyID(rsa.getKeyID()).build(),
              new JWTClaimsSet.Builder()
                  .issuer(args[2])
                  .audience(args[3])
                  .subject("service-account-bench")
                  .claim("azp", "bench")
                  .claim("scope", args[4])
                  .issueTime(new java.util.Date())
                  .expirationTime(java.util.Date.from(Instant.now().plusSeconds(3600)))
                  .build());
      jwt.sign(new RSASSASigner(rsa));
      System.out.println(jwt.serialize());
      return;
    }
    CdsHooksBenchmark bench =
        new CdsHooksBenchmark(args[1], ECKey.parse(Files.readString(Path.of(args[2]))), args[3]);
    if (args[0].equals("sign")) {
      bench.signOnly(Integer.parseInt(args[4]));
    } else if (args[0].equals("security")) {
      bench.signOnly(Integer.parseInt(args[4]));
      bench.reads(Integer.parseInt(args[4]));
    } else if (args[0].equals("durability")) {
      bench.durability(Integer.parseInt(args[4]));
    } else {
      bench.run(Integer.parseInt(args[4]));
    }
  }

  private void run(int signRequests) throws Exception {
    List<String[]> orders = activeOrders();
    if (orders.size() < 6) {
      throw new IllegalStateException("need at least 6 stored studies with active orders");
    }
    int third = orders.size() / 3;
    System.out.printf(Locale.ROOT, "# %d studies with active orders%n", orders.size());

    // 1. order-complete, analysing synchronously; the first five calls warm up, unreported (the
    // server has analysed nothing yet: the JIT compiles the decode, render and resize paths over
    // the first calls, 400-1,000 ms each; every call is printed in order)
    List<Long> hook = new ArrayList<>();
    for (String[] o : orders.subList(0, third)) {
      long t = System.nanoTime();
      JsonNode answer = post("/cds-services/lss-order-complete", orderComplete(o));
      hook.add(System.nanoTime() - t);
      if (!answer.path("systemActions").isArray()) {
        throw new IllegalStateException("order-complete answered without systemActions");
      }
    }
    report("order-complete hook (analysis in the call)", hook.subList(5, hook.size()), 0);
    System.out.println(
        "  each call in order, ms: "
            + hook.stream().map(n -> String.valueOf(Math.round(n / 1e6))).toList());

    // 2. order completed -> Observation stored, one at a time (first two unreported)
    List<Long> stored = new ArrayList<>();
    for (String[] o : orders.subList(third, 2 * third)) {
      long t = System.nanoTime();
      complete(o[0]);
      awaitObservation(o[0]);
      stored.add(System.nanoTime() - t);
    }
    report(
        "order completed -> Observation stored (one at a time)",
        stored.subList(2, stored.size()),
        0);

    // 3. sustained: the rest completed together
    List<String[]> rest = orders.subList(2 * third, orders.size());
    long t0 = System.nanoTime();
    for (String[] o : rest) {
      complete(o[0]);
    }
    for (String[] o : rest) {
      awaitObservation(o[0]);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "sustained: %d orders completed at once, all Observations stored in %.1f s = %.1f"
            + " studies/min%n",
        rest.size(),
        seconds,
        rest.size() / seconds * 60);

    // 4. the viewer page's data for each result, as the page loads it: basis and views side by
    // side, then the three radiographs and three heatmaps side by side; first opening, then again
    // (kept). The results written one at a time had their renderings made ready at the write; of a
    // burst, only those the preparing thread had room for
    viewer("written one at a time", orders.subList(third + 2, 2 * third));
    viewer("written in a burst of " + rest.size(), rest);

    // 5. order-sign with a stored result
    String patient = orders.get(0)[1];
    String body = JSON.writeValueAsString(orderSign(patient));
    signSeries(body, signRequests);
  }

  /**
   * What durable commits cost: FHIR writes at 1 and 8 clients ({@code writes} each), then the
   * order-complete hook (its analysis writes the Observation, Device, Provenance and Task) on half
   * the orders alone, the first five warming up, and on the other half while 8 clients write.
   */
  private void durability(int writes) throws Exception {
    List<String[]> orders = activeOrders();
    if (orders.size() < 16) {
      throw new IllegalStateException("need at least 16 stored studies with active orders");
    }
    System.out.printf(Locale.ROOT, "# %d studies with active orders%n", orders.size());
    writeLoad(1, writes / 4, null).report("FHIR writes, warm-up (unreported)", false);
    writeLoad(1, writes, null).report("FHIR writes (create, update), 1 client", true);
    writeLoad(8, writes, null).report("FHIR writes (create, update), 8 clients", true);
    int half = orders.size() / 2;
    List<Long> alone = completeHooks(orders.subList(0, half));
    report("order-complete hook (analysis in the call), alone", alone.subList(5, alone.size()), 0);
    AtomicBoolean stop = new AtomicBoolean();
    CompletableFuture<WriteLoad> background =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return writeLoad(8, Integer.MAX_VALUE, stop);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(2000);
    List<Long> loaded = completeHooks(orders.subList(half, orders.size()));
    stop.set(true);
    report("order-complete hook, 8 clients writing beside it", loaded, 0);
    background.get().report("FHIR writes beside the hooks, 8 clients", true);
  }

  private List<Long> completeHooks(List<String[]> orders) throws Exception {
    List<Long> out = new ArrayList<>();
    for (String[] o : orders) {
      long t = System.nanoTime();
      JsonNode answer = post("/cds-services/lss-order-complete", orderComplete(o));
      out.add(System.nanoTime() - t);
      if (!answer.path("systemActions").isArray()) {
        throw new IllegalStateException("order-complete answered without systemActions");
      }
    }
    return out;
  }

  /** A FHIR write load's latencies, errors and wall time. */
  private record WriteLoad(List<Long> latencies, int errors, double seconds) {
    void report(String what, boolean print) {
      if (print) {
        CdsHooksBenchmark.report(
            String.format(Locale.ROOT, "%s, %.0f writes/s", what, latencies.size() / seconds),
            latencies,
            errors);
      }
    }
  }

  /**
   * {@code clients} threads each creating a Patient, then updating it, until {@code total} writes
   * are sent or {@code stop} is set. A write answered other than 201/200 is an error.
   */
  private WriteLoad writeLoad(int clients, int total, AtomicBoolean stop) throws Exception {
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    double seconds =
        concurrently(
            clients,
            () -> {
              while (next.getAndAdd(2) < total && (stop == null || !stop.get())) {
                String value = UUID.randomUUID().toString();
                String patient =
                    "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":"
                        + "\"urn:lumbarcds:bench\",\"value\":\""
                        + value
                        + "\"}],\"name\":[{\"family\":\"Bench\"}]";
                String id = timedWrite("POST", "/fhir/Patient", patient + "}", latencies, errors);
                if (id != null) {
                  timedWrite(
                      "PUT",
                      "/fhir/Patient/" + id,
                      patient.replace("{\"resourceType", "{\"id\":\"" + id + "\",\"resourceType")
                          + ",\"birthDate\":\"1950-01-01\"}",
                      latencies,
                      errors);
                }
              }
              return null;
            });
    return new WriteLoad(new ArrayList<>(latencies), errors.get(), seconds);
  }

  /** Runs {@code client} on {@code clients} threads at once; the wall time in seconds. */
  private static double concurrently(int clients, Callable<Void> client) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      long t0 = System.nanoTime();
      List<Future<Void>> running = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        running.add(pool.submit(client));
      }
      for (Future<Void> f : running) {
        f.get();
      }
      return (System.nanoTime() - t0) / 1e9;
    } finally {
      pool.shutdown();
    }
  }

  /** One FHIR write, timed; the resource's id, or null when it was not answered 200/201. */
  private String timedWrite(
      String method, String path, String body, List<Long> latencies, AtomicInteger errors) {
    long t = System.nanoTime();
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(root + path))
                  .header("Content-Type", "application/fhir+json")
                  .header("Accept", "application/fhir+json")
                  .method(method, HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      latencies.add(System.nanoTime() - t);
      if (r.statusCode() != 200 && r.statusCode() != 201) {
        if (errors.incrementAndGet() == 1) {
          System.err.println("first write error: " + r.statusCode() + " " + r.body());
        }
        return null;
      }
      return JSON.readTree(r.body()).path("id").asText();
    } catch (Exception e) {
      errors.incrementAndGet();
      return null;
    }
  }

  /** Times the viewer page's requests for each order's result, first opening then again. */
  private void viewer(String written, List<String[]> orders) throws Exception {
    List<Long> first = new ArrayList<>();
    List<Long> again = new ArrayList<>();
    for (String[] o : orders) {
      JsonNode card = post("/cds-services/lss-mri-order-sign", orderSign(o[1]));
      String link = card.at("/cards/0/links/0/url").asText();
      String id = link.substring(link.indexOf("/viewer/") + 8, link.indexOf('#'));
      String token = link.substring(link.indexOf("#access=") + 8);
      for (List<Long> series : List.of(first, again)) {
        long t = System.nanoTime();
        // as the page does: the basis and what there is to show side by side, then the images
        CompletableFuture.allOf(
                viewerGet("/viewer/api/" + id, token),
                viewerGet("/viewer/api/" + id + "/views", token))
            .join();
        List<CompletableFuture<?>> images = new ArrayList<>();
        for (String posture : new String[] {"neutral", "flexion", "extension"}) {
          images.add(viewerGet("/viewer/api/" + id + "/views/" + posture + ".png", token));
          images.add(viewerGet("/viewer/api/" + id + "/heatmaps/" + posture + ".png", token));
        }
        CompletableFuture.allOf(images.toArray(CompletableFuture[]::new)).join();
        series.add(System.nanoTime() - t);
      }
    }
    report("viewer page data, first opening, " + written, first, 0);
    report("viewer page data, opened again (kept), " + written, again, 0);
  }

  private CompletableFuture<byte[]> viewerGet(String path, String token) {
    return HTTP.sendAsync(
            HttpRequest.newBuilder(URI.create(root + path))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(
            r -> {
              if (r.statusCode() != 200) {
                throw new IllegalStateException(path + ": " + r.statusCode());
              }
              return r.body();
            });
  }

  /**
   * FHIR reads of one Patient at 1 and 8 clients (with BENCH_ACCESS_TOKEN when set), after a
   * warm-up of 2,000 reads that is not reported.
   */
  private void reads(int requests) throws Exception {
    String id =
        fhir(
                "POST",
                "/fhir/Patient",
                "{\"resourceType\":\"Patient\",\"identifier\":[{\"value\":\"BENCH-"
                    + UUID.randomUUID()
                    + "\"}]}")
            .path("id")
            .asText();
    for (int[] run : new int[][] {{2000, 8, 0}, {requests, 1, 1}, {requests, 8, 1}}) {
      List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger errors = new AtomicInteger();
      AtomicInteger next = new AtomicInteger();
      int total = run[0];
      double seconds =
          concurrently(
              run[1],
              () -> {
                while (next.getAndIncrement() < total) {
                  long t = System.nanoTime();
                  try {
                    HttpResponse<String> r =
                        HTTP.send(
                            authorized(
                                    HttpRequest.newBuilder(URI.create(root + "/fhir/Patient/" + id))
                                        .header("Accept", "application/fhir+json"))
                                .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                      errors.incrementAndGet();
                    }
                  } catch (Exception e) {
                    errors.incrementAndGet();
                  }
                  latencies.add(System.nanoTime() - t);
                }
                return null;
              });
      if (run[2] == 1) {
        report(
            String.format(
                Locale.ROOT, "FHIR read, %2d clients, %.0f req/s", run[1], total / seconds),
            latencies,
            errors.get());
      }
    }
  }

  /** The request with BENCH_ACCESS_TOKEN as its bearer token, when one is set. */
  private static HttpRequest.Builder authorized(HttpRequest.Builder request) {
    String token = System.getenv("BENCH_ACCESS_TOKEN");
    return token == null || token.isBlank()
        ? request
        : request.header("Authorization", "Bearer " + token);
  }

  /** order-sign only, for a patient with a stored result made here (no studies needed). */
  private void signOnly(int requests) throws Exception {
    JsonNode patient =
        fhir(
            "POST",
            "/fhir/Patient",
            "{\"resourceType\":\"Patient\",\"identifier\":[{\"value\":\"BENCH-"
                + UUID.randomUUID()
                + "\"}]}");
    String id = patient.path("id").asText();
    JsonNode card =
        JSON.readTree(
            HTTP.send(
                    authorized(HttpRequest.newBuilder(URI.create(root + "/model/card"))).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    fhir(
        "POST",
        "/fhir/Observation",
        "{\"resourceType\":\"Observation\",\"status\":\"preliminary\",\"identifier\":[{\"system\":"
            + "\"http://lumbarcds.org/fhir/NamingSystem/analysis\",\"value\":\"2.25.1|"
            + card.path("id").asText()
            + "|"
            + card.path("version").asText()
            + "\"}],\"code\":{\"coding\":[{\"system\":\"http://lumbarcds.org/fhir/CodeSystem/lumbar-cds\","
            + "\"code\":\"lss-ai-probability\"}]},\"subject\":{\"reference\":\"Patient/"
            + id
            + "\"},\"issued\":\""
            + Instant.now()
            + "\",\"valueQuantity\":{\"value\":0.05,\"unit\":\"1\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"1\"}}");
    signSeries(JSON.writeValueAsString(orderSign(id)), requests);
  }

  /**
   * order-sign at 1, 8 and 32 clients, after a warm-up of 4,000 calls (the JIT compiles HAPI's
   * search path over the first few thousand) that is not reported.
   */
  private void signSeries(String body, int requests) throws Exception {
    sign(body, 2000, 8, false);
    sign(body, 2000, 8, false);
    for (int clients : new int[] {1, 8, 32}) {
      sign(body, requests, clients, true);
    }
  }

  private void sign(String body, int requests, int clients, boolean report) throws Exception {
    String url = root + "/cds-services/lss-mri-order-sign";
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      tokens.add(
          CdsClient.token(
              key, issuer, url, Instant.now().plusSeconds(280), UUID.randomUUID().toString()));
    }
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    double seconds =
        concurrently(
            clients,
            () -> {
              int i;
              while ((i = next.getAndIncrement()) < requests) {
                long t = System.nanoTime();
                try {
                  HttpResponse<String> r =
                      HTTP.send(
                          HttpRequest.newBuilder(URI.create(url))
                              .header("Authorization", "Bearer " + tokens.get(i))
                              .header("Content-Type", "application/json")
                              .POST(HttpRequest.BodyPublishers.ofString(body))
                              .build(),
                          HttpResponse.BodyHandlers.ofString());
                  if (r.statusCode() != 200 || !r.body().contains("\"cards\":[{")) {
                    if (errors.incrementAndGet() == 1) {
                      System.err.println("first error: " + r.statusCode() + " " + r.body());
                    }
                  }
                } catch (Exception e) {
                  errors.incrementAndGet();
                }
                latencies.add(System.nanoTime() - t);
              }
              return null;
            });
    if (!report) {
      return;
    }
    report(
        String.format(
            Locale.ROOT, "order-sign, %2d clients, %.0f req/s", clients, requests / seconds),
        latencies,
        errors.get());
  }

  private static void report(String what, List<Long> nanos, int errors) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    System.out.printf(
        Locale.ROOT,
        "%-58s n=%4d  p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms  errors %d%n",
        what,
        sorted.size(),
        percentile(sorted, 0.50),
        percentile(sorted, 0.95),
        sorted.get(sorted.size() - 1) / 1e6,
        errors);
  }

  private static double percentile(List<Long> sorted, double q) {
    int i = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, i)) / 1e6;
  }

  /** Active lumbar radiograph orders: [order id, patient id]. */
  private List<String[]> activeOrders() throws Exception {
    List<String[]> out = new ArrayList<>();
    JsonNode bundle =
        fhir(
            "GET",
            "/fhir/ServiceRequest?status=active&code=http%3A%2F%2Floinc.org%7C24971-4&_count=200",
            null);
    for (JsonNode e : bundle.path("entry")) {
      JsonNode r = e.path("resource");
      out.add(
          new String[] {
            r.path("id").asText(), r.at("/subject/reference").asText().replaceFirst("^Patient/", "")
          });
    }
    return out;
  }

  private void complete(String orderId) throws Exception {
    ObjectNode order = (ObjectNode) fhir("GET", "/fhir/ServiceRequest/" + orderId, null);
    order.put("status", "completed");
    fhir("PUT", "/fhir/ServiceRequest/" + orderId, JSON.writeValueAsString(order));
  }

  private void awaitObservation(String orderId) throws Exception {
    Instant deadline = Instant.now().plusSeconds(300);
    while (Instant.now().isBefore(deadline)) {
      JsonNode found =
          fhir(
              "GET",
              "/fhir/Observation?based-on="
                  + URLEncoder.encode("ServiceRequest/" + orderId, StandardCharsets.UTF_8)
                  + "&_summary=count",
              null);
      if (found.path("total").asInt() > 0) {
        return;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("no Observation for order " + orderId);
  }

  private JsonNode fhir(String method, String path, String body) throws Exception {
    HttpRequest.Builder r =
        authorized(
            HttpRequest.newBuilder(URI.create(root + path))
                .header("Accept", "application/fhir+json"));
    if (body != null) {
      r.header("Content-Type", "application/fhir+json");
      r.method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      r.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> response = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() >= 300) {
      throw new IllegalStateException(method + " " + path + ": " + response.statusCode());
    }
    return JSON.readTree(response.body());
  }

  private JsonNode post(String path, ObjectNode request) throws Exception {
    String url = root + path;
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .header(
                    "Authorization",
                    "Bearer "
                        + CdsClient.token(
                            key,
                            issuer,
                            url,
                            Instant.now().plusSeconds(60),
                            UUID.randomUUID().toString()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  private static ObjectNode orderComplete(String[] order) {
    ObjectNode r = JSON.createObjectNode();
    r.put("hook", "org.lumbarcds.order-complete").put("hookInstance", UUID.randomUUID().toString());
    r.putObject("context").put("patientId", order[1]).put("serviceRequestId", order[0]);
    return r;
  }

  private static ObjectNode orderSign(String patient) {
    ObjectNode r = JSON.createObjectNode();
    r.put("hook", "order-sign").put("hookInstance", UUID.randomUUID().toString());
    ObjectNode context = r.putObject("context");
    context.put("userId", "Practitioner/bench").put("patientId", patient);
    ObjectNode bundle = context.putObject("draftOrders");
    bundle.put("resourceType", "Bundle").put("type", "collection");
    ObjectNode mri = bundle.putArray("entry").addObject().putObject("resource");
    mri.put("resourceType", "ServiceRequest").put("id", "draft-mri").put("status", "draft");
    mri.put("intent", "order");
    mri.putObject("code")
        .putArray("coding")
        .addObject()
        .put("system", "http://loinc.org")
        .put("code", "30679-5");
    mri.putObject("subject").put("reference", "Patient/" + patient);
    return r;
  }
}
