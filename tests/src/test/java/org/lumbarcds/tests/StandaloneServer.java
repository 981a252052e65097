package org.lumbarcds.tests;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lumbarcds.server.LumbarCdsApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A server of its own for tests that must stop and start it or give it other settings than the
 * shared one of {@link ServerTestBase}. Close it to stop it.
 */
final class StandaloneServer implements AutoCloseable {

  private final ConfigurableApplicationContext context;

  StandaloneServer(Path dataDir, String... arguments) {
    List<String> args = new ArrayList<>(List.of("--lumbarcds.data-dir=" + dataDir));
    if (List.of(arguments).stream().noneMatch(a -> a.startsWith("--server.port="))) {
      args.add("--server.port=0"); // a free port, unless the test chose one
    }
    args.addAll(List.of(arguments));
    context =
        new SpringApplicationBuilder(LumbarCdsApplication.class).run(args.toArray(String[]::new));
  }

  int port() {
    return ((ServletWebServerApplicationContext) context).getWebServer().getPort();
  }

  IGenericClient client() {
    return ServerTestBase.FHIR.newRestfulGenericClient("http://127.0.0.1:" + port() + "/fhir");
  }

  /** A bean of the server's application context, by name. */
  Object bean(String name) {
    return context.getBean(name);
  }

  /** A bean of the server's application context, by type. */
  <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  @Override
  public void close() {
    context.close();
  }
}
