package org.lumbarcds.server.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Turns {@code lumbarcds.data-dir} into an absolute path and creates the folder before anything
 * reads it, so the H2 URL and the DICOM store may refer to {@code ${lumbarcds.data-dir}} whatever
 * form the operator wrote (H2 refuses implicitly relative paths).
 */
public class DataDirectoryEnvironment implements EnvironmentPostProcessor {

  static final String PROPERTY = "lumbarcds.data-dir";

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    String configured = environment.getProperty(PROPERTY);
    if (configured == null || configured.isBlank()) {
      return;
    }
    Path dir = Path.of(configured).toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create the data directory " + dir, e);
    }
    environment
        .getPropertySources()
        .addFirst(new MapPropertySource("lumbarcdsDataDir", Map.of(PROPERTY, dir.toString())));
  }
}
