package org.flowlens.sink.prometheus;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A consistent copy of a {@link SeriesTable} taken for one scrape, in columns: what the series
 * counted and their bandwidth over the window. As a list it shows one {@link Row} per series, made
 * when asked for.
 */
final class Rows extends AbstractList<Rows.Row> implements RandomAccess {
    final String[][] labels;
    final long[] flows;
    final long[] bytes;
    final long[] packets;
    final long[] bytesIn;
    final double[] bitsPerSecond;

    Rows(int n) {
        labels = new String[n][];
        flows = new long[n];
        bytes = new long[n];
        packets = new long[n];
        bytesIn = new long[n];
        bitsPerSecond = new double[n];
    }

    void set(int i, Series s, int tick, int windowSeconds) {
        labels[i] = s.labels;
        flows[i] = s.flows;
        bytes[i] = s.bytes;
        packets[i] = s.packets;
        bytesIn[i] = s.bytesIn;
        bitsPerSecond[i] = s.bitsPerSecond(tick, windowSeconds);
    }

    @Override
    public int size() {
        return flows.length;
    }

    @Override
    public Row get(int i) {
        return new Row(labels[i], flows[i], bytes[i], packets[i], bytesIn[i], bitsPerSecond[i]);
    }

    /** One series of the copy. */
    record Row(String[] labels, long flows, long bytes, long packets, long bytesIn, double bitsPerSecond) {}
}
