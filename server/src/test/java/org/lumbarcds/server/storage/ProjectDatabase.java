package org.lumbarcds.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * An in-memory H2 database for tests, with the project's tables made as the server makes them:
 * Spring Boot's Flyway with the {@code spring.flyway} settings of the server's application.yaml.
 */
public final class ProjectDatabase {

  private final String url;

  private ProjectDatabase(String url) {
    this.url = url;
  }

  /** A new, empty database (no tables). */
  public static ProjectDatabase empty() {
    return new ProjectDatabase("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
  }

  /** A new database with the project's tables. */
  public static ProjectDatabase migrated() {
    ProjectDatabase db = empty();
    db.migrate();
    return db;
  }

  public DataSource dataSource() {
    return new DriverManagerDataSource(url, "sa", "");
  }

  public JdbcTemplate jdbc() {
    return new JdbcTemplate(dataSource());
  }

  /** Runs the migrations as the server does at start-up. */
  public void migrate() {
    PropertySource<?> server = applicationYaml();
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class))
        .withInitializer(c -> c.getEnvironment().getPropertySources().addLast(server))
        .withPropertyValues("spring.datasource.url=" + url)
        .run(context -> assertThat(context).hasNotFailed());
  }

  private static PropertySource<?> applicationYaml() {
    try {
      return new YamlPropertySourceLoader()
          .load("application.yaml", new ClassPathResource("application.yaml"))
          .get(0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
