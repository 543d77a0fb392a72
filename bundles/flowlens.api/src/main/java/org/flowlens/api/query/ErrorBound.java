package org.flowlens.api.query;

/**
 * How far the values of an answer built from a bounded summary may be from the truth. Every value
 * reported is a lower bound: the true value lies between the value and the value plus this bound.
 * A key the summary does not hold has a true value of at most this bound. All zero when the
 * summary held every key, that is when the answer is exact.
 */
public record ErrorBound(long bytes, long packets, long flows) {
    public static final ErrorBound EXACT = new ErrorBound(0, 0, 0);

    public boolean exact() {
        return bytes == 0 && packets == 0 && flows == 0;
    }

    /** The bound of a value of this metric. */
    public long of(Metric metric) {
        return metric.of(bytes, packets, flows);
    }

    public ErrorBound plus(ErrorBound other) {
        return new ErrorBound(bytes + other.bytes, packets + other.packets, flows + other.flows);
    }
}
