package org.flowlens.enrich.geoip;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;

/**
 * A registry for tests: counters and gauges by name and labels. It answers through a proxy so
 * that it needs no change when the registry interface grows methods these tests do not use.
 */
final class TestMetrics {
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final Map<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();
    final Metrics registry;

    TestMetrics() {
        registry = (Metrics) Proxy.newProxyInstance(Metrics.class.getClassLoader(), new Class<?>[] {Metrics.class}, (p, m, args) -> {
            switch (m.getName()) {
                case "counter": {
                    LongAdder v = counters.computeIfAbsent(key((String) args[0], (String[]) args[2]), k -> new LongAdder());
                    return counter(v);
                }
                case "gauge":
                    gauges.put(key((String) args[0], (String[]) args[3]), (DoubleSupplier) args[2]);
                    return null;
                case "remove":
                    counters.remove(key((String) args[0], (String[]) args[1]));
                    gauges.remove(key((String) args[0], (String[]) args[1]));
                    return null;
                case "snapshot":
                    return List.of();
                case "hashCode":
                    return System.identityHashCode(p);
                case "equals":
                    return p == args[0];
                case "toString":
                    return "TestMetrics";
                default:
                    throw new UnsupportedOperationException(m.getName());
            }
        });
    }

    private static Counter counter(LongAdder v) {
        return (Counter) Proxy.newProxyInstance(Counter.class.getClassLoader(), new Class<?>[] {Counter.class}, (p, m, args) -> {
            switch (m.getName()) {
                case "add":
                    v.add((Long) args[0]);
                    return null;
                case "increment":
                    v.increment();
                    return null;
                case "get":
                    return v.sum();
                case "hashCode":
                    return System.identityHashCode(p);
                case "equals":
                    return p == args[0];
                default:
                    return "Counter";
            }
        });
    }

    private static String key(String name, String... labels) {
        return name + List.of(labels);
    }

    long count(String name, String... labels) {
        LongAdder c = counters.get(key(name, labels));
        return c == null ? -1 : c.sum();
    }

    double gauge(String name, String... labels) {
        DoubleSupplier g = gauges.get(key(name, labels));
        return g == null ? Double.NaN : g.getAsDouble();
    }

    boolean hasGauge(String name) {
        return gauges.containsKey(key(name));
    }
}
