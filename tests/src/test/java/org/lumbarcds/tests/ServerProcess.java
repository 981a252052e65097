package org.lumbarcds.tests;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server jar this build made, run as a process of its own on a data folder, so that a test can
 * kill it as a crash would ({@code kill -9}: no shutdown hook, nothing flushed) and start it again.
 */
final class ServerProcess implements AutoCloseable {

  private final Process process;
  private final Path log;
  final int port;

  private ServerProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /**
   * Starts the server on the data folder and waits until it is ready.
   *
   * @param environment added to the process's environment (e.g. the postgres profile's settings)
   * @param arguments added to its command line (Spring settings, {@code --name=value})
   */
  static ServerProcess start(
      Path dataDir, int port, Path log, Map<String, String> environment, List<String> arguments)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xmx768m", "-XX:+UseSerialGC", "-jar", serverJar().toString()));
    command.add("--lumbarcds.data-dir=" + dataDir);
    command.add("--server.port=" + port);
    command.addAll(arguments);
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    ServerProcess server = new ServerProcess(builder.start(), log, port);
    HttpClient http = HttpClient.newHttpClient();
    try {
      await()
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofMillis(250))
          .ignoreExceptionsInstanceOf(IOException.class) // not listening yet
          .until(
              () -> {
                if (!server.process.isAlive()) {
                  throw new AssertionError("the server stopped; its log:\n" + server.log());
                }
                return http.send(
                            HttpRequest.newBuilder(
                                    URI.create(
                                        "http://127.0.0.1:" + port + "/actuator/health/readiness"))
                                .build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200;
              });
    } catch (RuntimeException | AssertionError e) {
      server.process.destroyForcibly();
      throw new AssertionError("the server did not become ready; its log:\n" + server.log(), e);
    }
    return server;
  }

  /** SIGKILL, as a crash: the process ends without running anything more. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("the killed server did not end");
    }
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  /** Stops the server as an operator would (SIGTERM: a graceful shutdown). */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      kill();
    }
  }

  static Path serverJar() throws IOException {
    Path target = Path.of("..", "server", "target");
    try (DirectoryStream<Path> jars =
        Files.newDirectoryStream(target, "lumbar-cds-server-*-exec.jar")) {
      for (Path jar : jars) {
        return jar;
      }
    }
    throw new AssertionError(
        "no server jar in server/target: build it first (mvn verify builds it before this test)");
  }

  static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
