package org.lumbarcds.server.fhir;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Removes HAPI's DAO and resource provider beans for the FHIR resource types the server does not
 * serve. HAPI defines one of each for all 146 R4 types; creating them is a third of the start-up
 * time, and the server refuses those types anyway. Types HAPI itself works with (search parameters,
 * terminology, validation) are kept.
 */
class UnservedResourceTypes implements BeanDefinitionRegistryPostProcessor, EnvironmentAware {

  private static final Logger log = LoggerFactory.getLogger(UnservedResourceTypes.class);
  private static final Pattern HAPI_BEAN = Pattern.compile("my([A-Z][A-Za-z]+)(Dao|Rp)R4");

  /** Types HAPI's own services look up whatever the configuration says. */
  static final Set<String> USED_BY_HAPI =
      Set.of(
          "SearchParameter",
          "CodeSystem",
          "ValueSet",
          "ConceptMap",
          "NamingSystem",
          "StructureDefinition",
          "Bundle");

  private Set<String> keep = Set.of();

  @Override
  public void setEnvironment(Environment environment) {
    List<String> served =
        Binder.get(environment)
            .bind("lumbarcds.fhir.resource-types", Bindable.listOf(String.class))
            .orElse(List.of());
    Set<String> types = new HashSet<>(served);
    if (!served.isEmpty()) {
      types.addAll(USED_BY_HAPI);
      types.addAll(FhirServerConfig.ALWAYS_SERVED);
    }
    keep = types;
  }

  @Override
  public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
    if (keep.isEmpty()) {
      return; // no list configured: serve everything HAPI knows
    }
    int removed = 0;
    for (String name : registry.getBeanDefinitionNames()) {
      Matcher matcher = HAPI_BEAN.matcher(name);
      if (matcher.matches()
          && !keep.contains(matcher.group(1))
          && !"System".equals(matcher.group(1))) {
        registry.removeBeanDefinition(name);
        removed++;
      }
    }
    if (removed == 0) {
      // HAPI renamed its beans: everything still works, start-up is just slower.
      log.warn("Found no HAPI DAO beans of unserved resource types to remove");
    } else {
      log.info(
          "Kept HAPI DAOs of {} resource types; skipped {} beans of unserved types",
          keep.size(),
          removed);
    }
  }

  @Override
  public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {}
}
