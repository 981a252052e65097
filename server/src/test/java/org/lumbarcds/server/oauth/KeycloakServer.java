package org.lumbarcds.server.oauth;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A real Keycloak (its distribution {@code org.keycloak:keycloak-quarkus-dist}, which the
 * installed-tools build copies to {@code target/keycloak}) run as a plain process on loopback, in
 * development mode, on the Temurin 25 JDK (Keycloak needs 21 or later), with one realm imported at
 * start. For the tests of the server as an OAuth 2.0 client and resource server. A missing
 * distribution or JDK fails the test: `mvn -Pinstalled-tools` copies the one, `.ci/run` has the
 * other.
 */
public final class KeycloakServer implements AutoCloseable {

  static final Path JDK = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

  private final Path home;
  private final Process process;
  private final int port;

  private KeycloakServer(Path home, Process process, int port) {
    this.home = home;
    this.process = process;
    this.port = port;
  }

  /** Keycloak with the realm (a realm representation, JSON) named {@code realm} imported. */
  public static KeycloakServer start(String realm, String realmJson) throws Exception {
    return start(java.util.Map.of(realm, realmJson));
  }

  /** Keycloak with these realms (name to realm representation, JSON) imported. */
  public static KeycloakServer start(java.util.Map<String, String> realms) throws Exception {
    // the server module's build copies the distribution; the tests module uses that copy
    Path dist =
        Files.isDirectory(Path.of("target", "keycloak"))
            ? Path.of("target", "keycloak")
            : Path.of("..", "server", "target", "keycloak");
    Path zip;
    try (Stream<Path> found = Files.list(dist)) {
      zip =
          found
              .filter(p -> p.getFileName().toString().matches("keycloak-quarkus-dist-.*\\.zip"))
              .findFirst()
              .orElseThrow();
    } catch (IOException | java.util.NoSuchElementException e) {
      throw new IllegalStateException(
          "Keycloak's distribution is not in target/keycloak: run the build with -Pinstalled-tools");
    }
    if (!Files.isExecutable(JDK.resolve("bin/java"))) {
      throw new IllegalStateException("Keycloak needs JDK 21 or later at " + JDK);
    }
    Path dir = Files.createTempDirectory("lumbarcds-keycloak-");
    Path home = unzip(zip, dir);
    Files.createDirectories(home.resolve("data/import"));
    for (var realm : realms.entrySet()) {
      Files.writeString(home.resolve("data/import/" + realm.getKey() + ".json"), realm.getValue());
    }
    int port = freePort();
    ProcessBuilder builder =
        new ProcessBuilder(
                home.resolve("bin/kc.sh").toString(),
                "start-dev",
                "--http-host=127.0.0.1",
                "--http-port=" + port,
                "--http-management-port=" + freePort(),
                "--import-realm")
            .redirectErrorStream(true)
            .redirectOutput(home.resolve("keycloak.log").toFile());
    builder.environment().put("JAVA_HOME", JDK.toString());
    Process process = builder.start();
    KeycloakServer server = new KeycloakServer(home, process, port);
    try {
      for (String realm : realms.keySet()) {
        server.awaitRealm(realm, Duration.ofSeconds(240));
      }
    } catch (Exception e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The realm's issuer, as Keycloak writes it into its tokens ({@code iss}). */
  public String issuer(String realm) {
    return "http://127.0.0.1:" + port + "/realms/" + realm;
  }

  public URI tokenUrl(String realm) {
    return URI.create(issuer(realm) + "/protocol/openid-connect/token");
  }

  public URI jwksUrl(String realm) {
    return URI.create(issuer(realm) + "/protocol/openid-connect/certs");
  }

  private void awaitRealm(String realm, Duration limit) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI discovery = URI.create(issuer(realm) + "/.well-known/openid-configuration");
    Instant deadline = Instant.now().plus(limit);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Keycloak stopped: " + logTail());
      }
      try {
        if (http.send(
                    HttpRequest.newBuilder(discovery).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("Keycloak not ready within " + limit + ": " + logTail());
  }

  private String logTail() throws IOException {
    String log = Files.readString(home.resolve("keycloak.log"));
    return log.substring(Math.max(0, log.length() - 3000));
  }

  @Override
  public void close() throws IOException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(home.getParent())) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Unzips the distribution; its one top folder is Keycloak's home. */
  private static Path unzip(Path zip, Path into) throws IOException {
    Path home = null;
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        Path target = into.resolve(e.getName()).normalize();
        if (!target.startsWith(into)) {
          throw new IOException("zip entry outside the folder: " + e.getName());
        }
        if (home == null) {
          home = into.resolve(into.relativize(target).getName(0));
        }
        if (e.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy((InputStream) in, target, StandardCopyOption.REPLACE_EXISTING);
          if (e.getName().endsWith(".sh")) {
            target.toFile().setExecutable(true);
          }
        }
      }
    }
    return home;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
