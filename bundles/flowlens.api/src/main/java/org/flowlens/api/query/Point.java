package org.flowlens.api.query;

/**
 * One point of a time series: what was seen between {@code fromMillis} (inclusive) and
 * {@code toMillis} (exclusive), epoch milliseconds.
 */
public record Point(long fromMillis, long toMillis, long bytes, long packets, long flows) {
    public long spanMillis() {
        return Math.max(1, toMillis - fromMillis);
    }

    public double bitsPerSecond() {
        return bytes * 8000.0 / spanMillis();
    }

    public double packetsPerSecond() {
        return packets * 1000.0 / spanMillis();
    }

    public double flowsPerSecond() {
        return flows * 1000.0 / spanMillis();
    }
}
