package org.flowlens.decoder.ipfix;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;

import org.flowlens.api.decode.DecodeContext;

/** A decode context that remembers what the decoder reported. */
final class CountingContext implements DecodeContext {
    InetSocketAddress exporter;
    long receivedMillis;
    final Map<String, Long> drops = new TreeMap<>();
    long gaps;

    CountingContext(InetSocketAddress exporter, long receivedMillis) {
        this.exporter = exporter;
        this.receivedMillis = receivedMillis;
    }

    CountingContext() {
        this(new InetSocketAddress("127.0.0.1", 40000), 1_700_000_000_000L);
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
        return "test";
    }

    @Override
    public void drop(String reason, long count) {
        drops.merge(reason, count, Long::sum);
    }

    @Override
    public void sequenceGap(long missing) {
        gaps += missing;
    }

    long dropped(String reason) {
        return drops.getOrDefault(reason, 0L);
    }

    long droppedTotal() {
        return drops.values().stream().mapToLong(Long::longValue).sum();
    }
}
