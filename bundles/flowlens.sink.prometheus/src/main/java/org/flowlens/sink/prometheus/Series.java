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

    /** Average bits/s between the oldest and the newest bandwidth tick of the ring. */
    double bitsPerSecond(int tick, int windowSeconds) {
        if (tick < 1) {
            return 0;
        }
        long newest = ring[tick % ring.length];
        long oldest = ring[(tick + 1) % ring.length];
        return Math.max(0, newest - oldest) * 8.0 / windowSeconds;
    }

    void add(long f, long b, long p, long now) {
        flows += f;
        bytes += b;
        packets += p;
        recentBytes += b;
        lastSeenMillis = now;
    }
}
