package org.flowlens.collector.udp;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.pipeline.FlowPipeline;
import org.flowlens.api.query.Totals;

/** A pipeline that keeps a copy of every datagram it is handed, for the test to take in order. */
final class CountingPipeline implements FlowPipeline {
    record Received(byte[] payload, InetSocketAddress exporter, long receivedMillis, String listener, boolean direct) {}

    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    /** When set, the next decode throws it (once). */
    volatile RuntimeException failNext;

    @Override
    public boolean submit(FlowBatch batch, String source) {
        return true;
    }

    @Override
    public int decode(ByteBuffer datagram, InetSocketAddress exporter, long receivedMillis, String listener) {
        RuntimeException fail = failNext;
        if (fail != null) {
            failNext = null;
            throw fail;
        }
        byte[] copy = new byte[datagram.remaining()];
        datagram.duplicate().get(copy);
        received.add(new Received(copy, exporter, receivedMillis, listener, datagram.isDirect()));
        return 0;
    }

    @Override
    public Totals delivered() {
        return new Totals(0, 0, 0, 0, System.currentTimeMillis());
    }

    /** The next datagram handed over, waiting for it at most 10 s. */
    Received next() throws InterruptedException {
        Received r = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(r, "no datagram reached the pipeline within 10 s");
        return r;
    }

    /** A datagram already handed over, without waiting. */
    Received poll() {
        return received.poll();
    }
}
