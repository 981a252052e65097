package org.lumbarcds.server.dicomweb;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.io.IOException;
import java.nio.file.Path;
import org.lumbarcds.cds.imaging.ImagingStudyFactory;
import org.lumbarcds.model.inference.ViewRules;
import org.lumbarcds.server.network.ServerAddress;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/** The embedded DICOMweb store: files under {@code data-dir/dicom}, catalogue in the database. */
@Configuration(proxyBeanMethods = false)
public class DicomWebConfig {

  /**
   * The view selection rules from {@code lumbarcds.views} (application.yaml lists every key with
   * its default), bound straight onto the model's record; the defaults when the section is absent.
   */
  @Bean
  ViewRules viewRules(Environment environment) {
    return Binder.get(environment)
        .bind("lumbarcds.views", Bindable.of(ViewRules.class))
        .orElseGet(ViewRules::defaults);
  }

  @Bean
  InstanceIndex instanceIndex(JdbcTemplate jdbc) {
    return new InstanceIndex(jdbc);
  }

  @Bean
  DicomStore dicomStore(@Value("${lumbarcds.data-dir}") Path dataDir, InstanceIndex index)
      throws IOException {
    return new DicomStore(dataDir.resolve("dicom"), index);
  }

  /** Runs when the server starts, before it takes requests (and again after the grace period). */
  @Bean(destroyMethod = "close")
  @DependsOnDatabaseInitialization
  DicomStoreCheck dicomStoreCheck(
      @Value("${lumbarcds.data-dir}") Path dataDir,
      InstanceIndex index,
      DicomWebProperties properties)
      throws IOException {
    DicomStoreCheck check =
        new DicomStoreCheck(dataDir.resolve("dicom"), dataDir.resolve("dicom-unlisted"), index);
    check.start(properties.storeCheckGrace());
    return check;
  }

  @Bean
  StowService stowService(
      DicomStore store,
      InstanceIndex index,
      ImagingStudyIndexer indexer,
      EmbeddedImageSource embedded,
      EmbeddedEndpoint endpoint,
      DicomWebProperties properties) {
    return new StowService(store, index, indexer, embedded, endpoint, properties);
  }

  @Bean
  ImagingStudyIndexer imagingStudyIndexer(
      DaoRegistry daos, ViewRules rules, DicomWebProperties properties) {
    return new ImagingStudyIndexer(daos, new ImagingStudyFactory(rules), properties);
  }

  @Bean
  EmbeddedImageSource embeddedImageSource(DicomStore store, InstanceIndex index) {
    return new EmbeddedImageSource(store, index);
  }

  @Bean
  ImageSources imageSources(DaoRegistry daos, EmbeddedImageSource embedded, PacsProperties pacs) {
    return new ImageSources(daos, embedded, pacs);
  }

  @Bean
  EmbeddedEndpoint embeddedEndpoint(
      ImagingStudyIndexer indexer, DicomWebProperties properties, ServerAddress address) {
    return new EmbeddedEndpoint(indexer, properties, address);
  }
}
