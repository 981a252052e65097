package org.lumbarcds.server.analysis;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The analysis jobs ({@code lumbarcds.analysis.*}).
 *
 * @param modelCard the model card (its ONNX file beside it); empty: the reference model in the
 *     server jar (trained on synthetic phantoms)
 * @param predictors model instances run in parallel
 * @param intraOpThreads ONNX Runtime threads per inference
 * @param workers analysis jobs run at once by this server instance
 * @param maxAttempts tries per job before it is recorded as failed
 * @param firstRetryDelay the wait before the second try; it doubles with each try
 * @param maxRetryDelay the longest wait between tries
 * @param pollingInterval how often the queue is polled for due jobs (jobs queued by this instance
 *     start at once)
 * @param heartbeatInterval how often a running job reports it is alive; a job whose server stopped
 *     reporting for {@code missedHeartbeats} intervals is taken over by another (or the restarted)
 *     instance
 * @param missedHeartbeats see heartbeatInterval
 */
@ConfigurationProperties("lumbarcds.analysis")
public record AnalysisProperties(
    @DefaultValue("") String modelCard,
    @DefaultValue("2") int predictors,
    @DefaultValue("1") int intraOpThreads,
    @DefaultValue("2") int workers,
    @DefaultValue("6") int maxAttempts,
    @DefaultValue("30s") Duration firstRetryDelay,
    @DefaultValue("30m") Duration maxRetryDelay,
    @DefaultValue("5s") Duration pollingInterval,
    @DefaultValue("10s") Duration heartbeatInterval,
    @DefaultValue("6") int missedHeartbeats) {}
