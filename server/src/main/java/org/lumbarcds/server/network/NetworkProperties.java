package org.lumbarcds.server.network;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Network exposure ({@code lumbarcds.network.*}).
 *
 * @param allowUnauthenticated allow listening on a non-loopback interface although no
 *     authentication is configured; meant for a container behind an authenticating proxy
 */
@ConfigurationProperties("lumbarcds.network")
public record NetworkProperties(@DefaultValue("false") boolean allowUnauthenticated) {}
