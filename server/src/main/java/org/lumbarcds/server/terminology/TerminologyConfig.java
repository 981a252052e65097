package org.lumbarcds.server.terminology;

import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** Loads the project's CodeSystem and ValueSets into the FHIR store at boot. */
@Configuration(proxyBeanMethods = false)
@Import(TerminologyLoader.class)
public class TerminologyConfig {}
