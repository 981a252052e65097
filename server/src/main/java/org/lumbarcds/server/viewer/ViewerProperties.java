package org.lumbarcds.server.viewer;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The viewer page ({@code lumbarcds.viewer.*}).
 *
 * @param linkLifetime how long a card's viewer link opens the page (its token's lifetime)
 * @param cachedResults how many results' radiographs and heatmaps are kept in memory
 * @param prepareOnWrite whether a result's page images are rendered when it is written and no other
 *     analysis runs (its first opening then does not read the study; about 0.2 s of CPU per result)
 */
@ConfigurationProperties("lumbarcds.viewer")
public record ViewerProperties(
    @DefaultValue("12h") Duration linkLifetime,
    @DefaultValue("32") int cachedResults,
    @DefaultValue("true") boolean prepareOnWrite) {}
