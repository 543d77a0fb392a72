package org.flowlens.itest;

import static org.junit.Assert.assertEquals;

import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.metrics.Sample;
import org.flowlens.api.pipeline.FlowConsumer;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * Where the records went, per consumer: a witness consumer of the test's own that must see every
 * record, and for every consumer the pipeline serves the identity
 * {@code handed out = delivered + dropped (queue full) + missed while away + failed on}, checked on the
 * changes since {@link #baseline()} once the pipeline has drained.
 */
final class Ledger implements AutoCloseable {
    static final String WITNESS = "itest-witness";

    private final Metrics metrics;
    private final ServiceRegistration<FlowConsumer> registration;
    private final AtomicLong witnessed = new AtomicLong();
    private final AtomicLong enriched = new AtomicLong();
    private volatile long lastArrival = System.nanoTime();
    private final AtomicLong longestGapNanos = new AtomicLong();
    private Map<String, long[]> base = new LinkedHashMap<>();
    private long baseHandedOut;

    Ledger(BundleContext context, Metrics metrics) {
        this.metrics = metrics;
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(FlowConsumer.NAME, WITNESS);
        props.put(FlowConsumer.QUEUE, 100_000);
        registration = context.registerService(FlowConsumer.class, this::accept, props);
        Await.until("the pipeline delivers to the witness", 30_000, () -> !Double.isNaN(value("flowlens_consumer_queue_length", "consumer", WITNESS)));
    }

    private void accept(FlowBatch batch) {
        long now = System.nanoTime();
        longestGapNanos.accumulateAndGet(now - lastArrival, Math::max);
        lastArrival = now;
        long e = 0;
        for (FlowRecord r : batch) {
            if (r.srcCountry() != null) {
                e++;
            }
        }
        enriched.addAndGet(e);
        witnessed.addAndGet(batch.size());
    }

    long witnessed() {
        return witnessed.get();
    }

    long enriched() {
        return enriched.get();
    }

    /** The longest time between two batches at the witness since the last call (a figure, never asserted). */
    long longestGapMillisAndReset() {
        lastArrival = System.nanoTime();
        return longestGapNanos.getAndSet(0) / 1_000_000;
    }

    /** Remembers the counters of every consumer; call it while no records flow. */
    void baseline() {
        baseHandedOut = (long) count("flowlens_pipeline_delivered_records_total");
        base = new LinkedHashMap<>();
        for (String c : consumers()) {
            base.put(c, ledger(c));
        }
    }

    /** delivered, dropped, absent, failed of one consumer. */
    long[] ledger(String consumer) {
        return new long[] {(long) count("flowlens_consumer_records_total", "consumer", consumer),
            (long) count("flowlens_consumer_dropped_records_total", "consumer", consumer),
            (long) count("flowlens_consumer_absent_records_total", "consumer", consumer),
            (long) count("flowlens_consumer_failed_records_total", "consumer", consumer)};
    }

    /** Records the pipeline handed out since the baseline. */
    long handedOut() {
        return (long) count("flowlens_pipeline_delivered_records_total") - baseHandedOut;
    }

    /** Changes since the baseline for one consumer: delivered, dropped, absent, failed. */
    long[] since(String consumer) {
        long[] now = ledger(consumer);
        long[] b = base.getOrDefault(consumer, new long[4]);
        return new long[] {now[0] - b[0], now[1] - b[1], now[2] - b[2], now[3] - b[3]};
    }

    /**
     * Waits until every consumer known at the baseline (or since) has accounted for every record
     * handed out since: delivered, dropped, missed while away or failed on; returns the per-consumer figures.
     */
    Map<String, long[]> awaitAccounted() {
        TreeSet<String> all = new TreeSet<>(base.keySet());
        all.addAll(consumers());
        Await.until("every consumer accounts for every record handed out", 60_000, () -> {
            long out = handedOut();
            for (String c : all) {
                long[] d = since(c);
                if (d[0] + d[1] + d[2] + d[3] != out) {
                    return false;
                }
            }
            return true;
        }, () -> report(all));
        Map<String, long[]> result = new LinkedHashMap<>();
        for (String c : all) {
            result.put(c, since(c));
        }
        assertEquals("the witness saw every record handed out: " + report(all), handedOut(), since(WITNESS)[0]);
        return result;
    }

    String report(Iterable<String> consumers) {
        StringBuilder sb = new StringBuilder("handed out " + handedOut() + ";");
        for (String c : consumers) {
            long[] d = since(c);
            sb.append(' ').append(c).append(": delivered ").append(d[0]).append(", dropped ").append(d[1]).append(", away ").append(d[2]).append(", failed ").append(d[3]).append(';');
        }
        return sb.toString();
    }

    /**
     * Runs the consumers at the receivers' priority (pipeline {@code consumerNice=0}) instead of the
     * default nice 10: on a machine shared with other heavy processes, niced consumer threads starve
     * for seconds and lose batches to that (counted, by design), which says nothing about what a
     * plugin swap or a bad plugin does to them. Call from a {@code @Configuration} method.
     */
    static void consumersAtNormalPriority() {
        try {
            java.nio.file.Files.writeString(Assembly.work().resolve("config").resolve("flowlens.pipeline.cfg"), "consumerNice=I\"0\"\n");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Names of the consumers the pipeline serves or has served. */
    TreeSet<String> consumers() {
        TreeSet<String> out = new TreeSet<>();
        for (Sample s : metrics.snapshot()) {
            if (s.name().startsWith("flowlens_consumer_") && s.label("consumer") != null) {
                out.add(s.label("consumer"));
            }
        }
        return out;
    }

    /** A counter's value: the sum of the samples of {@code name} whose labels match, 0 when there is none. */
    double count(String name, String... labels) {
        double v = value(name, labels);
        return Double.isNaN(v) ? 0 : v;
    }

    /** The sum of the samples of {@code name} whose labels match; NaN when there is none. */
    double value(String name, String... labels) {
        return value(metrics, name, labels);
    }

    static double value(Metrics metrics, String name, String... labels) {
        double sum = 0;
        boolean found = false;
        for (Sample s : metrics.snapshot()) {
            if (!s.name().equals(name) || s.type() == Sample.Type.HISTOGRAM_BUCKET) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < labels.length; i += 2) {
                match &= labels[i + 1].equals(s.label(labels[i]));
            }
            if (match) {
                sum += s.value();
                found = true;
            }
        }
        return found ? sum : Double.NaN;
    }

    @Override
    public void close() {
        registration.unregister();
    }
}
