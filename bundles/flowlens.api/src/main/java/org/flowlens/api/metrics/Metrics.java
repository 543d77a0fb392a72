package org.flowlens.api.metrics;

import java.util.List;
import java.util.function.DoubleSupplier;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The one registry of internal health counters: received, decoded, dropped by reason, timings,
 * queue lengths. Any bundle registers its counters here; the Prometheus exporter and the console
 * read {@link #snapshot()}. Names follow Prometheus conventions ({@code flowlens_..._total}).
 */
@ProviderType
public interface Metrics {
    /**
     * The counter with this name and labels, created on first use. Callers should keep the
     * returned counter rather than look it up per event.
     *
     * @param labels name, value, name, value, ...
     */
    Counter counter(String name, String help, String... labels);

    /**
     * The histogram with this name and labels, created on first use with these bucket upper
     * bounds (ascending; an implicit +Inf bucket follows).
     */
    Histogram histogram(String name, String help, double[] upperBounds, String... labels);

    /** Registers (or replaces) a gauge read at snapshot time. */
    void gauge(String name, String help, DoubleSupplier value, String... labels);

    /** Removes every counter and gauge of that name and labels, e.g. when a listener goes away. */
    void remove(String name, String... labels);

    /**
     * All samples, in name order. A histogram gives one {@link Sample.Type#HISTOGRAM_BUCKET}
     * sample per bucket (cumulative, with an {@code le} label), then its sum and count.
     */
    List<Sample> snapshot();
}
