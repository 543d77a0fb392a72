package org.flowlens.detect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Histogram;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.metrics.Sample;

/** A plain metrics registry for tests. */
public final class TestMetrics implements Metrics {
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    private final Map<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();

    private static String key(String name, String... labels) {
        return name + Arrays.toString(labels);
    }

    @Override
    public Counter counter(String name, String help, String... labels) {
        AtomicLong v = counters.computeIfAbsent(key(name, labels), k -> new AtomicLong());
        return new Counter() {
            @Override
            public void add(long n) {
                v.addAndGet(n);
            }

            @Override
            public long get() {
                return v.get();
            }
        };
    }

    @Override
    public Histogram histogram(String name, String help, double[] upperBounds, String... labels) {
        AtomicLong count = counters.computeIfAbsent(key(name + "_count", labels), k -> new AtomicLong());
        return v -> count.incrementAndGet();
    }

    @Override
    public void gauge(String name, String help, DoubleSupplier value, String... labels) {
        gauges.put(key(name, labels), value);
    }

    @Override
    public void remove(String name, String... labels) {
        counters.remove(key(name, labels));
        gauges.remove(key(name, labels));
    }

    @Override
    public List<Sample> snapshot() {
        List<Sample> out = new ArrayList<>();
        counters.forEach((k, v) -> out.add(new Sample(k, "", Sample.Type.COUNTER, List.of(), v.get())));
        gauges.forEach((k, g) -> out.add(new Sample(k, "", Sample.Type.GAUGE, List.of(), g.getAsDouble())));
        return out;
    }

    /** A counter's value, 0 when it was never created. */
    public long value(String name, String... labels) {
        AtomicLong v = counters.get(key(name, labels));
        return v == null ? 0 : v.get();
    }

    /** A gauge's value, NaN when absent. */
    public double gauge(String name, String... labels) {
        DoubleSupplier g = gauges.get(key(name, labels));
        return g == null ? Double.NaN : g.getAsDouble();
    }
}
