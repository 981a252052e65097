package org.lumbarcds.server.demo;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The landing page's demo loader ({@code lumbarcds.demo.*}).
 *
 * @param enabled offer "Load the demo cases" on the landing page; the demo still loads only on a
 *     server that no network reaches ({@link DemoMode})
 */
@ConfigurationProperties("lumbarcds.demo")
public record DemoProperties(@DefaultValue("true") boolean enabled) {}
