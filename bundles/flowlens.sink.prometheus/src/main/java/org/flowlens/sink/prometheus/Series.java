package org.flowlens.sink.prometheus;

/** One labelled series: its label values and cumulative counters. */
final class Series {
    final String[] labels;
    long flows;
    long bytes;
    long packets;
    /** Bytes received, for tables that count both directions (domains). */
    long bytesIn;
    long lastSeenMillis;
    /** Bytes since the last maintenance, to rank series for eviction. */
    long recentBytes;
    /** Cumulative bytes at each of the last maintenance ticks, for the bandwidth gauge. */
    final long[] ring;

    Series(String[] labels, int ringSize) {
        this.labels = labels;
        this.ring = new long[ringSize];
    }

    void add(long f, long b, long p, long now) {
        flows += f;
        bytes += b;
        packets += p;
        recentBytes += b;
        lastSeenMillis = now;
    }
}
