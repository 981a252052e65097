package org.lumbarcds.server.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.IDaoRegistry;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.binstore.DatabaseBinaryContentStorageSvcImpl;
import ca.uhn.fhir.jpa.config.HibernatePropertiesProvider;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.config.util.ResourceCountCacheUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.provider.DaoRegistryResourceSupportedSvc;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.search.IStaleSearchDeletingSvc;
import ca.uhn.fhir.jpa.search.StaleSearchDeletingSvcImpl;
import ca.uhn.fhir.jpa.util.ResourceCountCache;
import ca.uhn.fhir.narrative2.NullNarrativeGenerator;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.IResourceSupportedSvc;
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.IValidatorModule;
import jakarta.persistence.EntityManagerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.hibernate.cfg.AvailableSettings;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.orm.jpa.JpaProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/**
 * The beans HAPI's JPA configuration expects from its host application, and the FHIR REST servlet
 * at {@code /fhir}. Only what the project uses is switched on: no narrative generator (the server's
 * own resources carry the narratives their factories write), no full-text search, no bulk export or
 * import, no GraphQL, no MDM, no IG package installer. Without a full-text search service HAPI
 * expands ValueSets from its terminology tables with SQL instead of Lucene.
 */
@Configuration(proxyBeanMethods = false)
@Import(ThreadPoolFactoryConfig.class)
public class FhirServerConfig {

  /**
   * Served whatever the configuration says: HAPI's search parameter registry needs SearchParameter,
   * and the validator looks extension and profile definitions up as StructureDefinition (without
   * it, a resource carrying an extension the server has no definition for made the validator fail
   * instead of accepting the extension); and the analysis stores each result's heatmaps as a Binary
   * (StoredHeatmaps).
   */
  static final List<String> ALWAYS_SERVED =
      List.of("SearchParameter", "StructureDefinition", "Binary");

  @Bean
  static UnservedResourceTypes unservedResourceTypes() {
    return new UnservedResourceTypes();
  }

  @Bean
  JpaStorageSettings jpaStorageSettings(FhirProperties properties) {
    JpaStorageSettings settings = new JpaStorageSettings();
    // A decision-support server must see writes at once: HAPI's default reuses a search's
    // results for 60 s, so "is there already a result for this study?" could miss a new one.
    settings.setReuseCachedSearchResultsForMillis(null);
    properties.publicBase().ifPresent(base -> settings.setTreatBaseUrlsAsLocal(Set.of(base)));
    settings.setEnforceReferentialIntegrityOnWrite(true);
    settings.setEnforceReferentialIntegrityOnDelete(true);
    settings.setAllowExternalReferences(false);
    settings.setAutoCreatePlaceholderReferenceTargets(false);
    settings.setHibernateSearchIndexFullText(false);
    settings.setHibernateSearchIndexSearchParams(false);
    settings.setAllowMultipleDelete(false);
    settings.setExpungeEnabled(false);
    return settings;
  }

  @Bean
  PartitionSettings partitionSettings() {
    return new PartitionSettings();
  }

  @Bean
  SubscriptionSettings subscriptionSettings() {
    return new SubscriptionSettings();
  }

  @Bean
  DatabaseBinaryContentStorageSvcImpl binaryStorageSvc() {
    return new DatabaseBinaryContentStorageSvcImpl();
  }

  @Bean
  IStaleSearchDeletingSvc staleSearchDeletingSvc() {
    return new StaleSearchDeletingSvcImpl();
  }

  @Bean
  DatabaseBackedPagingProvider databaseBackedPagingProvider(FhirProperties properties) {
    DatabaseBackedPagingProvider provider = new DatabaseBackedPagingProvider();
    provider.setDefaultPageSize(properties.defaultPageSize());
    provider.setMaximumPageSize(properties.maxPageSize());
    return provider;
  }

  @Bean
  IResourceSupportedSvc resourceSupportedSvc(IDaoRegistry daoRegistry) {
    return new DaoRegistryResourceSupportedSvc(daoRegistry);
  }

  // HAPI injects this cache by this exact name.
  @Bean(name = "myResourceCountsCache")
  ResourceCountCache resourceCountsCache(IFhirSystemDao<?, ?> systemDao) {
    return ResourceCountCacheUtil.newResourceCountCache(systemDao);
  }

  @Primary
  @Bean
  LocalContainerEntityManagerFactoryBean entityManagerFactory(
      JpaProperties jpaProperties,
      DataSource dataSource,
      ConfigurableListableBeanFactory beanFactory,
      FhirContext fhirContext,
      JpaStorageSettings storageSettings) {
    LocalContainerEntityManagerFactoryBean factory =
        HapiEntityManagerFactoryUtil.newEntityManagerFactory(
            beanFactory, fhirContext, storageSettings);
    var jpa = jpaProperties.getProperties();
    // Entities are listed by HAPI; scanning the class path for more only costs start-up time.
    jpa.putIfAbsent(
        AvailableSettings.SCANNER, "org.hibernate.boot.archive.scan.internal.DisabledScanner");
    jpa.putIfAbsent(
        AvailableSettings.PHYSICAL_NAMING_STRATEGY,
        "org.hibernate.boot.model.naming.CamelCaseToUnderscoresNamingStrategy");
    jpa.putIfAbsent(AvailableSettings.STATEMENT_BATCH_SIZE, "20");
    jpa.putIfAbsent(AvailableSettings.USE_QUERY_CACHE, "false");
    jpa.putIfAbsent(AvailableSettings.USE_SECOND_LEVEL_CACHE, "false");
    jpa.putIfAbsent("hibernate.search.enabled", "false");
    factory.setPersistenceUnitName("HAPI_PU");
    factory.setJpaPropertyMap(jpa);
    factory.setDataSource(dataSource);
    return factory;
  }

  @Primary
  @Bean
  JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
    return new JpaTransactionManager(entityManagerFactory);
  }

  @Primary
  @Bean
  HibernatePropertiesProvider hibernatePropertiesProvider() {
    return new HibernatePropertiesProvider();
  }

  @Bean
  RestfulServer restfulServer(
      IFhirSystemDao<?, ?> systemDao,
      DaoRegistry daoRegistry,
      ResourceProviderFactory resourceProviderFactory,
      IJpaSystemProvider systemProvider,
      ValueSetOperationProvider valueSetOperationProvider,
      JpaStorageSettings storageSettings,
      ISearchParamRegistry searchParamRegistry,
      IValidationSupport validationSupport,
      FhirValidator writeValidator,
      DatabaseBackedPagingProvider pagingProvider,
      IInterceptorService interceptorService,
      FhirProperties properties) {
    var fhirContext = systemDao.getContext();
    fhirContext.setNarrativeGenerator(new NullNarrativeGenerator());

    if (properties.resourceTypes() != null && !properties.resourceTypes().isEmpty()) {
      List<String> types = new ArrayList<>(properties.resourceTypes());
      ALWAYS_SERVED.stream().filter(t -> !types.contains(t)).forEach(types::add);
      daoRegistry.setSupportedResourceTypes(types);
    }

    RestfulServer server = new RestfulServer(fhirContext);
    server.registerProviders(resourceProviderFactory.createProviders());
    server.registerProvider(systemProvider);
    server.registerProvider(valueSetOperationProvider);
    server.setPagingProvider(pagingProvider);
    server.setDefaultResponseEncoding(EncodingEnum.JSON);
    server.setDefaultPrettyPrint(properties.prettyPrint());
    properties
        .publicBase()
        .ifPresent(
            base -> server.setServerAddressStrategy(new HardcodedServerAddressStrategy(base)));
    server.setServerConformanceProvider(
        new JpaCapabilityStatementProvider(
            server, systemDao, storageSettings, searchParamRegistry, validationSupport));
    if (validationSupport instanceof ValidationSupportChain chain) {
      chain.addValidationSupport(0, new Hl7TerminologyUpdates(fhirContext));
      chain.invalidateCaches();
    }
    server.registerInterceptor(new StorageFailureInterceptor());
    ReadOnlyStructureDefinitions readOnly = new ReadOnlyStructureDefinitions();
    server.registerInterceptor(readOnly); // REST writes addressed to the type
    interceptorService.registerInterceptor(readOnly); // storage: transaction entries too
    if (properties.validateRequests()) {
      server.registerInterceptor(new WriteValidatingInterceptor(writeValidator));
      // A storage hook: it must see the patched resource, which REST interceptors never do.
      interceptorService.registerInterceptor(
          new PatchValidatingInterceptor(fhirContext, writeValidator));
    }
    return server;
  }

  /** The validator every write goes through (REST writes, patches) and the warm-up primes. */
  @Bean
  FhirValidator writeValidator(FhirContext fhirContext, IValidatorModule validatorModule) {
    return new RetryingValidator(fhirContext).registerValidatorModule(validatorModule);
  }

  /** Also the health indicator {@code validator}, part of readiness (see the class). */
  @Bean("validator")
  ValidatorWarmUp validatorWarmUp(FhirValidator writeValidator, FhirProperties properties) {
    return new ValidatorWarmUp(writeValidator, properties.validateRequests());
  }

  @Bean
  FilterRegistrationBean<QueryStringCheck> fhirQueryStringCheck(FhirContext fhirContext) {
    FilterRegistrationBean<QueryStringCheck> registration =
        new FilterRegistrationBean<>(new QueryStringCheck(fhirContext));
    registration.addUrlPatterns("/fhir/*");
    return registration;
  }

  @Bean
  ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer restfulServer) {
    ServletRegistrationBean<RestfulServer> registration =
        new ServletRegistrationBean<>(restfulServer, "/fhir/*");
    registration.setLoadOnStartup(1);
    return registration;
  }
}
