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
import org.flowlens.api.metrics.Histogram;
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

    private static final class BucketHistogram implements Histogram {
        private final double[] bounds;
        private final LongAdder[] buckets;
        private final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        BucketHistogram(double[] bounds) {
            this.bounds = bounds.clone();
            Arrays.sort(this.bounds);
            buckets = new LongAdder[this.bounds.length + 1];
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        @Override
        public void observe(double value) {
            int i = 0;
            while (i < bounds.length && value > bounds[i]) {
                i++;
            }
            buckets[i].increment();
            sum.add(value);
        }
    }

    private final Map<Key, LongCounter> counters = new ConcurrentHashMap<>();
    private final Map<Key, BucketHistogram> histograms = new ConcurrentHashMap<>();
    private final Map<Key, DoubleSupplier> gauges = new ConcurrentHashMap<>();
    private final Map<String, Help> help = new ConcurrentHashMap<>();

    @Override
    public Counter counter(String name, String helpText, String... labels) {
        help.putIfAbsent(name, new Help(helpText, Sample.Type.COUNTER));
        return counters.computeIfAbsent(key(name, labels), k -> new LongCounter());
    }

    @Override
    public Histogram histogram(String name, String helpText, double[] upperBounds, String... labels) {
        help.putIfAbsent(name, new Help(helpText, Sample.Type.HISTOGRAM_BUCKET));
        return histograms.computeIfAbsent(key(name, labels), k -> new BucketHistogram(upperBounds));
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
        histograms.remove(key);
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
        histograms.forEach((k, h) -> {
            long cumulative = 0;
            for (int i = 0; i < h.buckets.length; i++) {
                cumulative += h.buckets[i].sum();
                List<String> labels = new ArrayList<>(k.labels());
                labels.add("le");
                labels.add(i < h.bounds.length ? Double.toString(h.bounds[i]) : "+Inf");
                out.add(new Sample(k.name(), helpOf(k.name()), Sample.Type.HISTOGRAM_BUCKET, labels, cumulative));
            }
            out.add(new Sample(k.name(), helpOf(k.name()), Sample.Type.HISTOGRAM_SUM, k.labels(), h.sum.sum()));
            out.add(new Sample(k.name(), helpOf(k.name()), Sample.Type.HISTOGRAM_COUNT, k.labels(), cumulative));
        });
        // stable within a family: histogram buckets stay in bucket order, then sum and count
        out.sort(Comparator.comparing(Sample::name));
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
