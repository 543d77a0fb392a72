package org.flowlens.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.metrics.Sample;
import org.osgi.service.component.annotations.Component;

/** The one registry of internal counters and gauges. */
@Component(service = Metrics.class)
public class MetricsRegistry implements Metrics {
    private record Key(String name, List<String> labels) {}

    private record Help(String text, Sample.Type type) {}

    private static final class LongCounter implements Counter {
        private final LongAdder value = new LongAdder();

        @Override
        public void add(long n) {
            value.add(n);
        }

        @Override
        public long get() {
            return value.sum();
        }
    }

    private final Map<Key, LongCounter> counters = new ConcurrentHashMap<>();
    private final Map<Key, DoubleSupplier> gauges = new ConcurrentHashMap<>();
    private final Map<String, Help> help = new ConcurrentHashMap<>();

    @Override
    public Counter counter(String name, String helpText, String... labels) {
        help.putIfAbsent(name, new Help(helpText, Sample.Type.COUNTER));
        return counters.computeIfAbsent(key(name, labels), k -> new LongCounter());
    }

    @Override
    public void gauge(String name, String helpText, DoubleSupplier value, String... labels) {
        help.putIfAbsent(name, new Help(helpText, Sample.Type.GAUGE));
        gauges.put(key(name, labels), value);
    }

    @Override
    public void remove(String name, String... labels) {
        Key key = key(name, labels);
        counters.remove(key);
        gauges.remove(key);
    }

    @Override
    public List<Sample> snapshot() {
        List<Sample> out = new ArrayList<>(counters.size() + gauges.size());
        counters.forEach((k, c) -> out.add(new Sample(k.name(), helpOf(k.name()), Sample.Type.COUNTER, k.labels(), c.get())));
        gauges.forEach((k, g) -> {
            double v;
            try {
                v = g.getAsDouble();
            } catch (RuntimeException e) {
                v = Double.NaN;
            }
            out.add(new Sample(k.name(), helpOf(k.name()), Sample.Type.GAUGE, k.labels(), v));
        });
        out.sort(Comparator.comparing(Sample::name).thenComparing(s -> String.join(",", s.labels())));
        return out;
    }

    private String helpOf(String name) {
        Help h = help.get(name);
        return h == null ? "" : h.text();
    }

    private static Key key(String name, String[] labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs: " + Arrays.toString(labels));
        }
        return new Key(name, List.of(labels));
    }
}
