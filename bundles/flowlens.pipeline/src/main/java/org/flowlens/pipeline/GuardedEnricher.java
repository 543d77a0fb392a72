package org.flowlens.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowEnricher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An enricher as the workers call it. Enrichers run inline in the workers, so one that blocks
 * would hold every worker in turn: a call that takes longer than the timeout marks the enricher
 * as stalled (found by {@link #stuckSince(long, long)}, which the pipeline's flusher calls), and
 * while it is stalled the workers pass it by and count the records it did not enrich. The call
 * that stalled it keeps its batch, which goes on when the call returns; from then on the enricher
 * is called again.
 */
final class GuardedEnricher {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedEnricher.class);

    final FlowEnricher enricher;
    final String name;
    private final Counter errors;
    private final Counter skipped;
    private final Counter stalls;
    /** Calls in progress: the calling worker and when it called, in System.nanoTime(). */
    private final Map<Thread, Long> calls = new ConcurrentHashMap<>();
    private volatile boolean stalled;

    GuardedEnricher(FlowEnricher enricher, String name, Metrics metrics, Counter errors) {
        this.enricher = enricher;
        this.name = name;
        this.errors = errors;
        skipped = metrics.counter("flowlens_pipeline_enricher_skipped_records_total",
                "Records an enricher did not enrich because one of its calls took longer than the enricher timeout", "enricher", name);
        stalls = metrics.counter("flowlens_pipeline_enricher_stalls_total", "Calls of an enricher that took longer than the enricher timeout",
                "enricher", name);
    }

    void enrich(FlowBatch batch) {
        if (stalled) {
            skipped.add(batch.size());
            return;
        }
        Thread self = Thread.currentThread();
        long start = System.nanoTime();
        calls.put(self, start);
        try {
            enricher.enrich(batch);
        } catch (RuntimeException | LinkageError ex) {
            errors.increment();
            LOG.debug("Enricher {} failed", name, ex);
        } finally {
            calls.remove(self);
            if (stalled && calls.isEmpty()) {
                stalled = false;
                LOG.warn("Enricher {} returned after {} ms and is called again", name, (System.nanoTime() - start) / 1_000_000);
            }
        }
    }

    /**
     * Marks the enricher as stalled when a call has taken longer than {@code timeoutNanos}.
     *
     * @return the workers whose call made it stall now (empty when it was already stalled or no call is late)
     */
    List<Thread> stuckSince(long nowNanos, long timeoutNanos) {
        List<Thread> stuck = new ArrayList<>(0);
        if (stalled) {
            return stuck;
        }
        calls.forEach((thread, start) -> {
            if (nowNanos - start > timeoutNanos) {
                stuck.add(thread);
            }
        });
        if (!stuck.isEmpty()) {
            stalled = true;
            stalls.add(stuck.size());
            LOG.warn("Enricher {} has not returned for more than {} ms in {}: records go on without it until it returns", name,
                    timeoutNanos / 1_000_000, stuck.get(0).getName());
        }
        return stuck;
    }

    boolean stalled() {
        return stalled;
    }
}
