package org.flowlens.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.flowlens.api.decode.DecodeContext;
import org.flowlens.api.decode.FlowDecoder;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.metrics.Sample;
import org.flowlens.api.pipeline.FlowConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;

class PipelineTest {
    private final MetricsRegistry metrics = new MetricsRegistry();
    private Pipeline pipeline;

    static Pipeline.Config config(int workers, int queue, int consumerQueue) {
        return config(workers, queue, consumerQueue, 1024, 5);
    }

    static Pipeline.Config config(int workers, int queue, int consumerQueue, int batchRecords, int flushMillis) {
        return config(workers, queue, consumerQueue, batchRecords, flushMillis, 0);
    }

    static Pipeline.Config config(int workers, int queue, int consumerQueue, int batchRecords, int flushMillis, int nice) {
        return config(workers, queue, consumerQueue, batchRecords, flushMillis, nice, 131_072);
    }

    static Pipeline.Config config(int workers, int queue, int consumerQueue, int batchRecords, int flushMillis, int nice, int records) {
        return config(workers, queue, consumerQueue, batchRecords, flushMillis, nice, records, 0);
    }

    static Pipeline.Config config(int workers, int queue, int consumerQueue, int batchRecords, int flushMillis, int nice, int records,
            int receiverNice) {
        // tests that hold a worker in an enricher on purpose must not see it replaced
        return config(workers, queue, consumerQueue, batchRecords, flushMillis, nice, records, receiverNice, 60_000);
    }

    static Pipeline.Config config(int workers, int queue, int consumerQueue, int batchRecords, int flushMillis, int nice, int records,
            int receiverNice, int enricherTimeoutMillis) {
        return new Pipeline.Config() {
            @Override public Class<? extends Annotation> annotationType() { return Pipeline.Config.class; }
            @Override public int workers() { return workers; }
            @Override public int queueSize() { return queue; }
            @Override public int consumerQueueSize() { return consumerQueue; }
            @Override public int exporterLimit() { return 100; }
            @Override public int batchRecords() { return batchRecords; }
            @Override public int flushMillis() { return flushMillis; }
            @Override public int consumerNice() { return nice; }
            @Override public int consumerQueueRecords() { return records; }
            @Override public int receiverNice() { return receiverNice; }
            @Override public int enricherTimeoutMillis() { return enricherTimeoutMillis; }
        };
    }

    /** A decoder of test datagrams {0, 5, 0, n}: n records; with n = 99 it appends two records and throws. */
    static final class CountDecoder implements FlowDecoder {
        @Override
        public void decode(ByteBuffer datagram, DecodeContext context, FlowBatch out) {
            int count = datagram.getShort(datagram.position() + 2);
            if (count == 99) {
                out.next().bytes(1).packets(1);
                out.next().bytes(1).packets(1);
                throw new IllegalStateException("a decoder bug");
            }
            for (int i = 0; i < count; i++) {
                out.next().bytes(1).packets(1);
            }
        }
    }

    /** Remembers the size of every batch it receives. */
    static final class BatchSizes implements FlowConsumer {
        final List<Integer> sizes = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CountDownLatch done;
        final long expected;
        final AtomicLong records = new AtomicLong();

        BatchSizes(long expected) {
            this.expected = expected;
            done = new CountDownLatch(1);
        }

        @Override
        public void accept(FlowBatch batch) {
            sizes.add(batch.size());
            if (records.addAndGet(batch.size()) >= expected) {
                done.countDown();
            }
        }
    }

    /** Counts records and releases a latch once it has seen the expected number. */
    static final class CountingConsumer implements FlowConsumer {
        final AtomicLong records = new AtomicLong();
        final CountDownLatch done;
        final long expected;

        CountingConsumer(long expected) {
            this.expected = expected;
            this.done = new CountDownLatch(1);
        }

        @Override
        public void accept(FlowBatch batch) {
            if (records.addAndGet(batch.size()) >= expected) {
                done.countDown();
            }
        }
    }

    static FlowBatch batch(int n) {
        FlowBatch b = new FlowBatch(n);
        for (int i = 0; i < n; i++) {
            b.next().srcV4(0x0A000001).dstV4(0x0A000002).protocol(6).bytes(100).packets(2);
        }
        return b;
    }

    static Map<String, Object> props(long id, Object... kv) {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put(Constants.SERVICE_ID, id);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    double sample(String name, String... labels) {
        for (Sample s : metrics.snapshot()) {
            if (s.name().equals(name) && s.labels().equals(List.of(labels))) {
                return s.value();
            }
        }
        return 0;
    }

    @AfterEach
    void stop() {
        if (pipeline != null) {
            pipeline.deactivate();
        }
    }

    @Test
    void everyConsumerSeesEveryRecord() throws Exception {
        pipeline = new Pipeline(metrics, config(2, 1000, 1000));
        CountingConsumer a = new CountingConsumer(5000);
        CountingConsumer b = new CountingConsumer(5000);
        pipeline.addConsumer(a, props(1, FlowConsumer.NAME, "a"));
        pipeline.addConsumer(b, props(2, FlowConsumer.NAME, "b"));
        for (int i = 0; i < 500; i++) {
            assertTrue(pipeline.submit(batch(10), "test"));
        }
        assertTrue(a.done.await(10, TimeUnit.SECONDS));
        assertTrue(b.done.await(10, TimeUnit.SECONDS));
        assertEquals(5000, a.records.get());
        assertEquals(5000, b.records.get());
        assertEquals(5000, pipeline.delivered().flows());
        assertEquals(500_000, pipeline.delivered().bytes());
        assertEquals(10_000, pipeline.delivered().packets());
    }

    @Test
    void aBlockedConsumerLosesOnlyItsOwnBatches() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 1000, 4));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        FlowConsumer stuck = batch -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        CountingConsumer healthy = new CountingConsumer(2000);
        pipeline.addConsumer(stuck, props(1, FlowConsumer.NAME, "stuck"));
        pipeline.addConsumer(healthy, props(2, FlowConsumer.NAME, "healthy", FlowConsumer.QUEUE, 1000));
        pipeline.submit(batch(10), "test");
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        for (int i = 1; i < 200; i++) {
            pipeline.submit(batch(10), "test");
        }
        assertTrue(healthy.done.await(10, TimeUnit.SECONDS), "the healthy consumer got everything");
        // the stuck consumer holds one batch in accept() and four in its queue; the rest are counted
        assertEquals(2000 - 50, sample("flowlens_consumer_dropped_records_total", "consumer", "stuck"));
        assertEquals(0, sample("flowlens_consumer_dropped_records_total", "consumer", "healthy"));
        release.countDown();
    }

    @Test
    void aThrowingConsumerIsCountedAndTheOthersGoOn() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 100, 100));
        CountingConsumer healthy = new CountingConsumer(100);
        AtomicLong seenByBroken = new AtomicLong();
        CountDownLatch brokenSawAll = new CountDownLatch(1);
        pipeline.addConsumer(batch -> {
            if (seenByBroken.addAndGet(batch.size()) >= 100) {
                brokenSawAll.countDown();
            }
            throw new IllegalStateException("boom");
        }, props(1, FlowConsumer.NAME, "broken"));
        pipeline.addConsumer(healthy, props(2, FlowConsumer.NAME, "healthy"));
        for (int i = 0; i < 10; i++) {
            pipeline.submit(batch(10), "test");
        }
        assertTrue(healthy.done.await(10, TimeUnit.SECONDS));
        assertTrue(brokenSawAll.await(10, TimeUnit.SECONDS));
        pipeline.removeConsumer(healthy, props(2));
        assertEquals(100, healthy.records.get());
        // batches may be merged on the way, so the errors are counted per batch: at least one, at most ten
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sample("flowlens_consumer_errors_total", "consumer", "broken") < 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // the last failure is counted just after accept() threw
        }
        double errors = sample("flowlens_consumer_errors_total", "consumer", "broken");
        assertTrue(errors >= 1 && errors <= 10, "errors: " + errors);
        assertEquals(0, sample("flowlens_consumer_records_total", "consumer", "broken"));
    }

    @Test
    void aFullQueueDropsAndCountsWithoutBlocking() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 2, 2));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        // an enricher that holds the only worker keeps the queue full
        pipeline.addEnricher(batch -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, props(1));
        assertTrue(pipeline.submit(batch(1), "test"));
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        int accepted = 0;
        for (int i = 0; i < 10; i++) {
            if (pipeline.submit(batch(1), "test")) {
                accepted++;
            }
        }
        assertEquals(2, accepted, "one batch in the worker, two queued");
        assertEquals(8, sample("flowlens_pipeline_dropped_records_total", "reason", "queue_full"));
        assertEquals(11, sample("flowlens_pipeline_received_records_total"));
        release.countDown();
    }

    @Test
    void anEnricherThatBlocksIsPassedByUntilItReturnsAndNothingIsLost() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 1000, 1000, 1024, 5, 0, 131_072, 0, 100));
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong calls = new AtomicLong();
        // blocks the only worker on its first call
        pipeline.addEnricher(batch -> {
            if (calls.incrementAndGet() == 1) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, props(1, "component.name", "slow"));
        CountingConsumer consumer = new CountingConsumer(990);
        pipeline.addConsumer(consumer, props(2, FlowConsumer.NAME, "c"));
        assertTrue(pipeline.submit(batch(10), "test"));
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        for (int i = 0; i < 99; i++) {
            assertTrue(pipeline.submit(batch(10), "test"));
        }
        assertTrue(consumer.done.await(10, TimeUnit.SECONDS), "a replacement worker delivers the rest while the enricher blocks");
        assertEquals(990, sample("flowlens_pipeline_enricher_skipped_records_total", "enricher", "slow"));
        assertEquals(1, sample("flowlens_pipeline_enricher_stalls_total", "enricher", "slow"));
        assertEquals(1, calls.get(), "not called while stalled");

        release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (consumer.records.get() < 1000 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertEquals(1000, consumer.records.get(), "the held batch goes on when the call returns");
        // called again once it returned
        CountingConsumer after = new CountingConsumer(10);
        pipeline.addConsumer(after, props(3, FlowConsumer.NAME, "after"));
        assertTrue(pipeline.submit(batch(10), "test"));
        assertTrue(after.done.await(10, TimeUnit.SECONDS));
        assertEquals(2, calls.get());
        assertEquals(990, sample("flowlens_pipeline_enricher_skipped_records_total", "enricher", "slow"));
        assertEquals(0, sample("flowlens_consumer_dropped_records_total", "consumer", "c"));
    }

    @Test
    void dispatchesByWireVersionAndCountsUndecodable() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 100, 100));
        CountingConsumer consumer = new CountingConsumer(3);
        pipeline.addConsumer(consumer, props(1, FlowConsumer.NAME, "c"));
        FlowDecoder v5 = new FlowDecoder() {
            @Override
            public void decode(ByteBuffer datagram, DecodeContext context, FlowBatch out) {
                int count = datagram.getShort(datagram.position() + 2);
                for (int i = 0; i < count; i++) {
                    out.next().bytes(1).packets(1);
                }
                context.drop("truncated", 1);
            }
        };
        Map<String, Object> v5props = props(7, FlowDecoder.FORMAT, "netflow", FlowDecoder.VERSIONS, new Integer[] {1, 5});
        pipeline.addDecoder(v5, v5props);
        InetSocketAddress exporter = new InetSocketAddress("127.0.0.1", 9999);
        ByteBuffer d = ByteBuffer.wrap(new byte[] {0, 5, 0, 3});
        assertEquals(3, pipeline.decode(d, exporter, 0, "l1"));
        assertEquals(0, pipeline.decode(ByteBuffer.wrap(new byte[] {0, 9, 0, 3}), exporter, 0, "l1"));
        assertEquals(0, pipeline.decode(ByteBuffer.wrap(new byte[] {0, 0, 0, 5, 1}), exporter, 0, "l1"));
        assertTrue(consumer.done.await(10, TimeUnit.SECONDS));
        assertEquals(1, sample("flowlens_collector_undecodable_datagrams_total", "listener", "l1", "version", "9"));
        assertEquals(1, sample("flowlens_collector_undecodable_datagrams_total", "listener", "l1", "version", "sflow5"));
        assertEquals(3, sample("flowlens_collector_datagrams_total", "listener", "l1", "exporter", "127.0.0.1"));
        assertEquals(3, sample("flowlens_collector_records_total", "listener", "l1", "exporter", "127.0.0.1"));
        assertEquals(1, sample("flowlens_collector_dropped_total", "listener", "l1", "exporter", "127.0.0.1", "reason", "truncated"));
        pipeline.removeDecoder(v5, v5props);
        assertEquals(0, pipeline.decode(ByteBuffer.wrap(new byte[] {0, 5, 0, 3}), exporter, 0, "l1"));
        assertEquals(1, sample("flowlens_collector_undecodable_datagrams_total", "listener", "l1", "version", "5"));
    }

    @Test
    void enrichersRunHighestRankingFirst() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 100, 100));
        List<String> order = new ArrayList<>();
        CountDownLatch seen = new CountDownLatch(1);
        pipeline.addEnricher(b -> order.add("low"), props(1, Constants.SERVICE_RANKING, -5));
        pipeline.addEnricher(b -> order.add("high"), props(2, Constants.SERVICE_RANKING, 10));
        pipeline.addEnricher(b -> order.add("mid"), props(3));
        pipeline.addConsumer(b -> seen.countDown(), props(4));
        pipeline.submit(batch(1), "test");
        assertTrue(seen.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("high", "mid", "low"), order);
    }

    @Test
    void liveReconfigurationLosesNothing() throws Exception {
        pipeline = new Pipeline(metrics, config(2, 100_000, 100_000));
        CountingConsumer consumer = new CountingConsumer(100_000);
        pipeline.addConsumer(consumer, props(1, FlowConsumer.NAME, "c"));
        Thread producer = new Thread(() -> {
            for (int i = 0; i < 10_000; i++) {
                pipeline.submit(batch(10), "test");
            }
        });
        producer.start();
        pipeline.modified(config(4, 50_000, 100_000));
        pipeline.modified(config(1, 100_000, 100_000));
        producer.join();
        assertTrue(consumer.done.await(30, TimeUnit.SECONDS), "received " + consumer.records.get());
        assertEquals(100_000, consumer.records.get());
        assertEquals(0, sample("flowlens_pipeline_dropped_records_total", "reason", "queue_full"));
        assertEquals(0, sample("flowlens_pipeline_dropped_records_total", "reason", "stopping"));
    }

    @Test
    void invalidConfigurationIsRefusedAndTheLastGoodOneKept() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 10, 10));
        pipeline.modified(config(0, -1, 10));
        CountingConsumer consumer = new CountingConsumer(10);
        pipeline.addConsumer(consumer, props(1));
        pipeline.submit(batch(10), "test");
        assertTrue(consumer.done.await(10, TimeUnit.SECONDS));
        assertEquals(10, sample("flowlens_pipeline_queue_capacity"));
    }

    @Test
    void recordsOfManyDatagramsTravelInOneBatchUntilItIsFull() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 100, 100, 10, 1000));
        BatchSizes consumer = new BatchSizes(12);
        pipeline.addConsumer(consumer, props(1, FlowConsumer.NAME, "c"));
        pipeline.addDecoder(new CountDecoder(), props(2, FlowDecoder.VERSIONS, 5));
        InetSocketAddress exporter = new InetSocketAddress("127.0.0.1", 9999);
        for (int i = 0; i < 4; i++) {
            assertEquals(3, pipeline.decode(ByteBuffer.wrap(new byte[] {0, 5, 0, 3}), exporter, 0, "l1"));
        }
        assertTrue(consumer.done.await(10, TimeUnit.SECONDS));
        // the fourth datagram filled the batch (12 >= 10): one batch, sent without waiting for the flush
        assertEquals(List.of(12), consumer.sizes);
    }

    @Test
    void aBatchThatIsNotFullIsFlushedInTime() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 100, 100, 1000, 5));
        BatchSizes consumer = new BatchSizes(3);
        pipeline.addConsumer(consumer, props(1, FlowConsumer.NAME, "c"));
        pipeline.addDecoder(new CountDecoder(), props(2, FlowDecoder.VERSIONS, 5));
        assertEquals(3, pipeline.decode(ByteBuffer.wrap(new byte[] {0, 5, 0, 3}), new InetSocketAddress("127.0.0.1", 9999), 0, "l1"));
        assertTrue(consumer.done.await(10, TimeUnit.SECONDS), "the flusher hands a partial batch on");
        assertEquals(3, consumer.records.get());
    }

    @Test
    void aDecoderThatThrowsLeavesNoPartOfItsDatagramInTheBatch() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 100, 100, 1000, 1000));
        BatchSizes consumer = new BatchSizes(5);
        pipeline.addConsumer(consumer, props(1, FlowConsumer.NAME, "c"));
        pipeline.addDecoder(new CountDecoder(), props(2, FlowDecoder.VERSIONS, 5));
        InetSocketAddress exporter = new InetSocketAddress("127.0.0.1", 9999);
        assertEquals(3, pipeline.decode(ByteBuffer.wrap(new byte[] {0, 5, 0, 3}), exporter, 0, "l1"));
        assertEquals(0, pipeline.decode(ByteBuffer.wrap(new byte[] {0, 5, 0, 99}), exporter, 0, "l1"));
        assertEquals(2, pipeline.decode(ByteBuffer.wrap(new byte[] {0, 5, 0, 2}), exporter, 0, "l1"));
        pipeline.deactivate(); // hands on what is pending
        pipeline = null;
        assertTrue(consumer.done.await(10, TimeUnit.SECONDS));
        assertEquals(5, consumer.records.get());
        assertEquals(1, sample("flowlens_collector_dropped_total", "listener", "l1", "exporter", "127.0.0.1", "reason", "decoder_error"));
        assertEquals(5, sample("flowlens_collector_records_total", "listener", "l1", "exporter", "127.0.0.1"));
    }

    @Test
    void batchSizeAndFlushIntervalOutOfRangeAreRefused() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 100, 100, 1000, 5));
        pipeline.modified(config(1, 100, 100, 0, 5));
        pipeline.modified(config(1, 100, 100, 1000, 0));
        BatchSizes consumer = new BatchSizes(3);
        pipeline.addConsumer(consumer, props(1, FlowConsumer.NAME, "c"));
        pipeline.addDecoder(new CountDecoder(), props(2, FlowDecoder.VERSIONS, 5));
        assertEquals(3, pipeline.decode(ByteBuffer.wrap(new byte[] {0, 5, 0, 3}), new InetSocketAddress("127.0.0.1", 9999), 0, "l1"));
        assertTrue(consumer.done.await(10, TimeUnit.SECONDS), "the last good configuration (flush every 5 ms) still applies");
    }

    @Test
    void consumerThreadsRunAtTheConfiguredNiceValueOnLinux() throws Exception {
        Assumptions.assumeTrue(Niceness.currentThreadId() > 0 && Niceness.get(Niceness.currentThreadId()) != null,
                "not Linux (/proc/thread-self): consumer priority is not set here");
        int own = Niceness.get(Niceness.currentThreadId());
        Assumptions.assumeTrue(own < 7, "this JVM already runs at nice " + own);
        pipeline = new Pipeline(metrics, config(1, 100, 100, 1024, 5, 7));
        CountingConsumer consumer = new CountingConsumer(10);
        pipeline.addConsumer(consumer, props(1, FlowConsumer.NAME, "c"));
        pipeline.submit(batch(10), "test");
        assertTrue(consumer.done.await(10, TimeUnit.SECONDS));
        Assumptions.assumeTrue(Niceness.set(Niceness.currentThreadId(), own), "renice is not installed");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Integer nice = null;
        while (System.nanoTime() < deadline) {
            long tid = pipeline.consumerThreadIds().get(0);
            nice = tid > 0 ? Niceness.get(tid) : null;
            if (nice != null && nice == 7) {
                break;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        assertEquals(7, nice, "the consumer thread's nice value");
        assertEquals(own, Niceness.get(Niceness.currentThreadId()), "other threads keep theirs");
    }

    /** A thread that decodes one datagram through the pipeline, then stays alive until released. */
    private Thread receiver(String name, CountDownLatch decoded, CountDownLatch release) {
        Thread t = new Thread(() -> {
            pipeline.decode(ByteBuffer.wrap(new byte[] {0, 5, 0, 1}), new InetSocketAddress("127.0.0.1", 9999), 0, "l1");
            decoded.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits (bounded) until the receiver thread runs at the nice value wanted; returns the last one seen. */
    private Integer awaitReceiverNice(Thread receiver, int wanted) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Integer nice = null;
        while (System.nanoTime() < deadline) {
            nice = pipeline.receiverNice(receiver);
            if (nice != null && nice == wanted) {
                break;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        return nice;
    }

    @Test
    void threadsThatDecodeDatagramsRunAtTheReceiverNiceValueOnLinux() throws Exception {
        long own = Niceness.currentThreadId();
        Assumptions.assumeTrue(own > 0 && Niceness.get(own) != null, "not Linux (/proc/thread-self): receiver priority is not set here");
        int ownNice = Niceness.get(own);
        // a throwaway thread shows whether this process may lower a nice value (root, CAP_SYS_NICE or RLIMIT_NICE)
        AtomicLong probe = new AtomicLong();
        CountDownLatch probeStarted = new CountDownLatch(1);
        CountDownLatch probeRelease = new CountDownLatch(1);
        Thread idle = new Thread(() -> {
            probe.set(Niceness.currentThreadId());
            probeStarted.countDown();
            try {
                probeRelease.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        idle.setDaemon(true);
        idle.start();
        assertTrue(probeStarted.await(10, TimeUnit.SECONDS));
        boolean allowed = Niceness.set(probe.get(), ownNice - 1);
        probeRelease.countDown();
        Assumptions.assumeTrue(allowed && ownNice > -17, "this process may not lower nice values (no CAP_SYS_NICE, RLIMIT_NICE or renice)");

        int wanted = ownNice - 3;
        pipeline = new Pipeline(metrics, config(1, 100, 100, 1024, 5, 0, 131_072, wanted));
        pipeline.addDecoder(new CountDecoder(), props(2, FlowDecoder.VERSIONS, 5));
        CountDownLatch release = new CountDownLatch(1);
        try {
            CountDownLatch decoded = new CountDownLatch(2);
            Thread first = receiver("receiver-1", decoded, release);
            assertEquals(wanted, awaitReceiverNice(first, wanted), "the receiver thread's nice value");
            assertEquals(ownNice, Niceness.get(own), "other threads keep theirs");

            pipeline.modified(config(1, 100, 100, 1024, 5, 0, 131_072, -21)); // refused: the last good value stays
            pipeline.modified(config(1, 100, 100, 1024, 5, 0, 131_072, 1)); // refused too
            Thread second = receiver("receiver-2", decoded, release);
            assertEquals(wanted, awaitReceiverNice(second, wanted), "a new receiver thread gets the last good value");

            pipeline.modified(config(1, 100, 100, 1024, 5, 0, 131_072, wanted + 1)); // applied live to running receivers
            assertEquals(wanted + 1, awaitReceiverNice(first, wanted + 1));
            assertEquals(wanted + 1, awaitReceiverNice(second, wanted + 1));
            assertTrue(decoded.await(10, TimeUnit.SECONDS));
        } finally {
            release.countDown();
        }
    }

    @Test
    void anOutOfRangeNiceValueIsRefused() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 100, 100, 1024, 5, 0));
        pipeline.modified(config(1, 100, 100, 1024, 5, 20));
        pipeline.modified(config(1, 100, 100, 1024, 5, -1));
        CountingConsumer consumer = new CountingConsumer(10);
        pipeline.addConsumer(consumer, props(1, FlowConsumer.NAME, "c"));
        pipeline.submit(batch(10), "test");
        assertTrue(consumer.done.await(10, TimeUnit.SECONDS), "the pipeline runs on with its last good configuration");
    }

    @Test
    void aSlowConsumerHoldsAtMostItsRecordBudget() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 1000, 1000, 1024, 5, 0, 1000));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        FlowConsumer stuck = b -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        pipeline.addConsumer(stuck, props(1, FlowConsumer.NAME, "stuck"));
        assertTrue(pipeline.submit(batch(500), "test"));
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the consumer holds the first batch");
        for (int i = 0; i < 5; i++) {
            assertTrue(pipeline.submit(batch(500), "test")); // the pipeline takes them: only this consumer loses
        }
        // a batch counts as processed once every channel took it or counted it as dropped
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sample("flowlens_pipeline_processed_batches_total") < 6 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        assertEquals(3000, pipeline.delivered().flows());
        // 1000 records may wait: two batches of 500; the other three are dropped for this consumer
        assertEquals(1500, sample("flowlens_consumer_dropped_records_total", "consumer", "stuck"));
        release.countDown();
    }

    @Test
    void aBatchLargerThanTheBudgetIsStillDeliveredWhenNothingWaits() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 100, 100, 1024, 5, 0, 1000));
        CountingConsumer consumer = new CountingConsumer(5000);
        pipeline.addConsumer(consumer, props(1, FlowConsumer.NAME, "c"));
        assertTrue(pipeline.submit(batch(5000), "test"));
        assertTrue(consumer.done.await(10, TimeUnit.SECONDS));
        assertEquals(0, sample("flowlens_consumer_dropped_records_total", "consumer", "c"));
    }

    @Test
    void recordsAConsumerMissesWhileAwayAreCountedAndItGetsEverythingAfterItIsBack() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 1000, 1000));
        CountingConsumer first = new CountingConsumer(100);
        CountingConsumer witness = new CountingConsumer(600);
        pipeline.addConsumer(first, props(1, FlowConsumer.NAME, "sink"));
        pipeline.addConsumer(witness, props(2, FlowConsumer.NAME, "witness"));
        for (int i = 0; i < 10; i++) {
            pipeline.submit(batch(10), "test");
        }
        assertTrue(first.done.await(10, TimeUnit.SECONDS));
        pipeline.removeConsumer(first, props(1, FlowConsumer.NAME, "sink"));
        for (int i = 0; i < 20; i++) {
            pipeline.submit(batch(10), "test");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sample("flowlens_consumer_absent_records_total", "consumer", "sink") < 200 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertEquals(200, sample("flowlens_consumer_absent_records_total", "consumer", "sink"));
        CountingConsumer back = new CountingConsumer(300);
        pipeline.addConsumer(back, props(3, FlowConsumer.NAME, "sink"));
        for (int i = 0; i < 30; i++) {
            pipeline.submit(batch(10), "test");
        }
        assertTrue(back.done.await(10, TimeUnit.SECONDS));
        assertTrue(witness.done.await(10, TimeUnit.SECONDS));
        assertEquals(300, back.records.get());
        assertEquals(600, witness.records.get());
        assertEquals(200, sample("flowlens_consumer_absent_records_total", "consumer", "sink"), "nothing counted as missed once it is back");
        // the channel counts a batch as delivered once accept returns, just after the consumer saw it
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sample("flowlens_consumer_records_total", "consumer", "sink") < 400 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertEquals(400, sample("flowlens_consumer_records_total", "consumer", "sink"));
        assertEquals(0, sample("flowlens_consumer_dropped_records_total", "consumer", "sink"));
        assertEquals(0, sample("flowlens_consumer_absent_records_total", "consumer", "witness"));
    }

    @Test
    void aConsumerThatCannotFinishItsQueueOnRemovalHasTheRestCountedAsDropped() throws Exception {
        pipeline = new Pipeline(metrics, config(1, 1000, 100));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        FlowConsumer stuck = batch -> {
            entered.countDown();
            while (release.getCount() > 0) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    // stays stuck: interrupting it is not enough
                }
            }
        };
        pipeline.addConsumer(stuck, props(1, FlowConsumer.NAME, "stuck"));
        pipeline.submit(batch(10), "test");
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        for (int i = 0; i < 5; i++) {
            pipeline.submit(batch(10), "test");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pipeline.delivered().flows() < 60 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        pipeline.removeConsumer(stuck, props(1, FlowConsumer.NAME, "stuck"));
        // one batch is in accept(), the five queued behind it are dropped and counted
        assertEquals(50, sample("flowlens_consumer_dropped_records_total", "consumer", "stuck"));
        release.countDown();
    }
}
