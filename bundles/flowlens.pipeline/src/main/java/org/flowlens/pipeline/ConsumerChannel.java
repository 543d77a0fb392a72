package org.flowlens.pipeline;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer's own bounded queue and thread: a consumer that is slow, blocks or throws loses
 * its own batches (counted) and never holds up the pipeline or the other consumers.
 *
 * <p>On Linux the thread runs at a lower priority (nice value, see {@link Pipeline.Config#consumerNice()}):
 * consumers saturated with work otherwise take the CPU that the receivers need, and the kernel
 * then drops datagrams that nothing counts per exporter; with the consumers behind the receivers,
 * overload costs consumer batches, which are counted per consumer.
 */
final class ConsumerChannel {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerChannel.class);
    private static final long ERROR_LOG_INTERVAL_MS = 10_000;

    private final FlowConsumer consumer;
    private final String name;
    private final BlockingQueue<FlowBatch> queue;
    /** Records in the queue, bounded by {@link #maxRecords} as well as the queue by batches. */
    private final java.util.concurrent.atomic.AtomicLong queuedRecords = new java.util.concurrent.atomic.AtomicLong();
    private final long maxRecords;
    private final Thread thread;
    private final Counter delivered;
    private final Counter dropped;
    private final Counter failed;
    private final org.flowlens.api.metrics.Histogram duration;
    private final Metrics metrics;
    private volatile boolean running = true;
    private long lastErrorLog;
    private final int initialNice;
    private volatile long tid = -1;

    ConsumerChannel(FlowConsumer consumer, String name, int capacity, Metrics metrics) {
        this(consumer, name, capacity, Long.MAX_VALUE, metrics, 0);
    }

    /**
     * @param capacity batches that may wait
     * @param maxRecords records that may wait (batches differ in size: records are what take memory)
     */
    ConsumerChannel(FlowConsumer consumer, String name, int capacity, long maxRecords, Metrics metrics, int nice) {
        this.initialNice = nice;
        this.maxRecords = Math.max(1, maxRecords);
        this.consumer = consumer;
        this.name = name;
        this.metrics = metrics;
        this.queue = new ArrayBlockingQueue<>(Math.max(1, capacity));
        this.delivered = metrics.counter("flowlens_consumer_records_total", "Records delivered to a consumer", "consumer", name);
        this.dropped = metrics.counter("flowlens_consumer_dropped_records_total", "Records a consumer lost because its queue was full", "consumer", name);
        this.failed = metrics.counter("flowlens_consumer_errors_total", "Batches a consumer failed on with an exception", "consumer", name);
        this.duration = metrics.histogram("flowlens_consumer_duration_seconds", "Time a consumer spent on one batch",
                new double[] {0.00001, 0.0001, 0.001, 0.01, 0.1, 1, 10}, "consumer", name);
        metrics.gauge("flowlens_consumer_queue_length", "Batches waiting for a consumer", queue::size, "consumer", name);
        this.thread = new Thread(this::run, "flowlens-consumer-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    FlowConsumer consumer() {
        return consumer;
    }

    String name() {
        return name;
    }

    /**
     * Never blocks: a full queue (in batches, or in records) drops the batch for this consumer
     * only. A batch is always taken when nothing waits, however large.
     */
    void offer(FlowBatch batch) {
        int n = batch.size();
        long waiting = queuedRecords.addAndGet(n);
        if (!running || (waiting > maxRecords && waiting > n) || !queue.offer(batch)) {
            queuedRecords.addAndGet(-n);
            dropped.add(n);
        }
    }

    /** Sets the thread's nice value (Linux); false where that is not possible. */
    boolean nice(int value) {
        return Niceness.set(tid, value);
    }

    /** The kernel id of the channel's thread, -1 until it runs or where unknown. */
    long threadId() {
        return tid;
    }

    private void run() {
        tid = Niceness.currentThreadId();
        if (initialNice > 0 && !Niceness.set(tid, initialNice)) {
            LOG.debug("Consumer {}: could not set nice {} (not Linux, or no renice)", name, initialNice);
        }
        while (running || !queue.isEmpty()) {
            FlowBatch batch;
            try {
                batch = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
                continue;
            }
            if (batch == null) {
                continue;
            }
            queuedRecords.addAndGet(-batch.size());
            long t0 = System.nanoTime();
            try {
                consumer.accept(batch);
                delivered.add(batch.size());
            } catch (RuntimeException | LinkageError e) {
                failed.increment();
                long now = System.currentTimeMillis();
                if (now - lastErrorLog > ERROR_LOG_INTERVAL_MS) {
                    lastErrorLog = now;
                    LOG.warn("Consumer {} failed on a batch of {} records (further errors counted in flowlens_consumer_errors_total for 10 s)", name, batch.size(), e);
                }
            } finally {
                duration.observe((System.nanoTime() - t0) / 1e9);
            }
        }
        int left = queue.size();
        if (left > 0) {
            long records = 0;
            for (FlowBatch b : queue) {
                records += b.size();
            }
            dropped.add(records);
            queue.clear();
            queuedRecords.set(0);
        }
    }

    /** Delivers what is queued (bounded by the time given), then stops the thread. */
    void close(long waitMillis) {
        running = false;
        thread.interrupt();
        try {
            thread.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        metrics.remove("flowlens_consumer_queue_length", "consumer", name);
    }
}
