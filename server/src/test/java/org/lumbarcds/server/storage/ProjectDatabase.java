package org.lumbarcds.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
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
 * In-memory H2 databases for tests, with the project's tables made the way the server makes them:
 * Spring Boot's Flyway with the server's own {@code spring.flyway} settings from application.yaml.
 */
public final class ProjectDatabase {

  private static List<String> schema;

  private ProjectDatabase() {}

  /** A new, empty in-memory database's URL; it lives until the JVM ends. */
  public static String memoryDatabase() {
    return "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
  }

  public static DataSource dataSource(String url) {
    return new DriverManagerDataSource(url, "sa", "");
  }

  /** Runs the migrations as the server does at start-up. */
  public static void migrate(String url) {
    PropertySource<?> server = applicationYaml();
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class))
        .withInitializer(c -> c.getEnvironment().getPropertySources().addLast(server))
        .withPropertyValues("spring.datasource.url=" + url)
        .run(context -> assertThat(context).hasNotFailed());
  }

  /**
   * A new in-memory database with every project table, empty: the tables of a database migrated
   * once per test JVM, copied (H2's {@code SCRIPT NODATA}) rather than migrated again.
   */
  public static JdbcTemplate withProjectTables() {
    JdbcTemplate jdbc = new JdbcTemplate(dataSource(memoryDatabase()));
    schema().forEach(jdbc::execute);
    return jdbc;
  }

  private static synchronized List<String> schema() {
    if (schema == null) {
      String url = memoryDatabase();
      migrate(url);
      schema = new JdbcTemplate(dataSource(url)).queryForList("SCRIPT NODATA", String.class);
    }
    return schema;
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
