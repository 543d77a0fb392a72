package org.flowlens.sink.kafka;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.pipeline.FlowPipeline;
import org.flowlens.api.query.Totals;

/** A pipeline that keeps what sources submit, per source, and opens latches at record counts. */
final class CollectingPipeline implements FlowPipeline {
    final Map<String, List<FlowRecord>> bySource = new ConcurrentHashMap<>();
    private final List<Object[]> waiters = new CopyOnWriteArrayList<>();
    private long total;

    @Override
    public synchronized boolean submit(FlowBatch batch, String source) {
        List<FlowRecord> list = bySource.computeIfAbsent(source, s -> new CopyOnWriteArrayList<>());
        List<FlowRecord> copy = new ArrayList<>(batch.size());
        for (FlowRecord r : batch) {
            copy.add(r);
        }
        list.addAll(copy);
        total += copy.size();
        for (Object[] w : waiters) {
            if (total >= (Long) w[0]) {
                ((CountDownLatch) w[1]).countDown();
            }
        }
        return true;
    }

    /** Opens once at least {@code n} records have been submitted in all. */
    synchronized CountDownLatch whenTotal(long n) {
        CountDownLatch latch = new CountDownLatch(1);
        waiters.add(new Object[] {n, latch});
        if (total >= n) {
            latch.countDown();
        }
        return latch;
    }

    synchronized List<FlowRecord> all() {
        List<FlowRecord> all = new ArrayList<>();
        bySource.values().forEach(all::addAll);
        return all;
    }

    @Override
    public int decode(ByteBuffer datagram, InetSocketAddress exporter, long receivedMillis, String listener) {
        return 0;
    }

    @Override
    public synchronized Totals delivered() {
        return new Totals(total, 0, 0, 0, System.currentTimeMillis());
    }
}
