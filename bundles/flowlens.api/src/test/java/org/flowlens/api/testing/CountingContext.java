package org.flowlens.api.testing;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;

import org.flowlens.api.decode.DecodeContext;

/** A decode context that remembers what the decoder reported. */
public final class CountingContext implements DecodeContext {
    public InetSocketAddress exporter;
    public long receivedMillis;
    public final Map<String, Long> drops = new TreeMap<>();
    public long gaps;

    public CountingContext(InetSocketAddress exporter, long receivedMillis) {
        this.exporter = exporter;
        this.receivedMillis = receivedMillis;
    }

    public CountingContext() {
        this(new InetSocketAddress("192.0.2.200", 40000), 1_700_000_000_000L);
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
        if (count <= 0) {
            throw new AssertionError("drop of " + count + " " + reason);
        }
        drops.merge(reason, count, Long::sum);
    }

    @Override
    public void sequenceGap(long missing) {
        if (missing <= 0) {
            throw new AssertionError("sequence gap of " + missing);
        }
        gaps += missing;
    }

    public long dropped(String reason) {
        return drops.getOrDefault(reason, 0L);
    }

    public long droppedTotal() {
        return drops.values().stream().mapToLong(Long::longValue).sum();
    }
}
