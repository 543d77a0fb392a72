package org.flowlens.pipeline;

import java.net.InetSocketAddress;

import org.flowlens.api.decode.DecodeContext;

/** The context of one datagram, reporting into its exporter's counters. */
final class DatagramContext implements DecodeContext {
    private final InetSocketAddress exporter;
    private final long receivedMillis;
    private final String listener;
    private final ExporterCounters counters;

    DatagramContext(InetSocketAddress exporter, long receivedMillis, String listener, ExporterCounters counters) {
        this.exporter = exporter;
        this.receivedMillis = receivedMillis;
        this.listener = listener;
        this.counters = counters;
    }

    @Override
    public InetSocketAddress exporter() {
        return exporter;
    }

    @Override
    public long receivedMillis() {
        return receivedMillis;
    }

    @Override
    public String listener() {
        return listener;
    }

    @Override
    public void drop(String reason, long count) {
        if (count > 0) {
            counters.drop(reason).add(count);
        }
    }

    @Override
    public void sequenceGap(long missing) {
        if (missing > 0) {
            counters.sequenceGaps.add(missing);
        }
    }
}
