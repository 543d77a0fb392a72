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
    private final Counter failedRecords;
    private final org.flowlens.api.metrics.Histogram duration;
    private final Metrics metrics;
    private volatile boolean running = true;
    /** Set when the consumer did not finish its queue within the time {@link #close} gives: the rest is dropped, counted. */
    private volatile boolean abandoned;
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
        this.dropped = metrics.counter("flowlens_consumer_dropped_records_total", "Records a consumer lost because its queue was full, or because it was removed before it took them", "consumer", name);
        this.failed = metrics.counter("flowlens_consumer_errors_total", "Batches a consumer failed on with an exception", "consumer", name);
        this.failedRecords = metrics.counter("flowlens_consumer_failed_records_total", "Records of the batches a consumer failed on", "consumer", name);
        this.duration = metrics.histogram("flowlens_consumer_duration_seconds", "Time a consumer spent on one batch",
                new double[] {0.00001, 0.0001, 0.001, 0.01, 0.1, 1, 10}, "consumer", name);
        publishQueueLength();
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
        boolean queued;
        // with close: once running is false nothing enters the queue, so what the thread leaves behind is final
        synchronized (this) {
            long waiting = queuedRecords.addAndGet(n);
            queued = running && (waiting <= maxRecords || waiting <= n) && queue.offer(batch);
        }
        if (!queued) {
            queuedRecords.addAndGet(-n);
            dropped.add(n);
        }
    }

    /** Makes this channel's queue the one behind the consumer's queue-length gauge (a newer channel of the same name takes it over). */
    void publishQueueLength() {
        metrics.gauge("flowlens_consumer_queue_length", "Batches waiting for a consumer", queue::size, "consumer", name);
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
        while (running || (!abandoned && !queue.isEmpty())) {
            FlowBatch batch;
            try {
                batch = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                continue; // close interrupts: the loop condition decides whether to finish the queue
            }
            if (batch == null) {
                continue;
            }
            queuedRecords.addAndGet(-batch.size());
            if (abandoned) {
                dropped.add(batch.size());
                continue;
            }
            long t0 = System.nanoTime();
            try {
                consumer.accept(batch);
                delivered.add(batch.size());
            } catch (RuntimeException | LinkageError e) {
                failed.increment();
                failedRecords.add(batch.size());
                long now = System.currentTimeMillis();
                if (now - lastErrorLog > ERROR_LOG_INTERVAL_MS) {
                    lastErrorLog = now;
                    LOG.warn("Consumer {} failed on a batch of {} records (further errors counted in flowlens_consumer_errors_total for 10 s)", name, batch.size(), e);
                }
            } finally {
                duration.observe((System.nanoTime() - t0) / 1e9);
            }
        }
        dropQueued();
    }

    /** Counts what is still queued as dropped; the thread and {@link #close} may both call it, each batch counts once. */
    private void dropQueued() {
        for (FlowBatch b = queue.poll(); b != null; b = queue.poll()) {
            queuedRecords.addAndGet(-b.size());
            dropped.add(b.size());
        }
    }

    /**
     * Takes no more batches, delivers what is queued within the time given, then stops the thread;
     * what a stuck or slow consumer has not taken by then is counted as dropped.
     */
    void close(long waitMillis) {
        synchronized (this) {
            running = false;
        }
        thread.interrupt();
        try {
            thread.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            // the consumer is stuck or too slow to finish: it gets nothing more, and the rest counts as dropped
            abandoned = true;
            dropQueued();
            LOG.warn("Consumer {} did not finish its queue within {} ms; its remaining batches are counted as dropped", name, waitMillis);
        }
        metrics.remove("flowlens_consumer_queue_length", "consumer", name);
    }
}
