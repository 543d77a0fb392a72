package org.flowlens.sink.kafka;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.forward.spool.DiskSpool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One producer with the bounded buffer in front of it, for one immutable configuration. An intake
 * thread encodes records and hands them to the producer; when Kafka is away it drops and counts
 * them, or, with a spool, writes them to disk, and a drainer thread delivers the spool in order
 * once Kafka is back. Alerts and aggregates are small messages sent by the same intake thread.
 */
final class SinkEngine {
    private static final Logger LOG = LoggerFactory.getLogger(SinkEngine.class);
    /** Records per spool entry. */
    private static final int SPOOL_CHUNK = 5000;
    /** After the producer blocked and gave up, how long records are dropped without trying it. */
    private static final long BLOCKED_PAUSE_MS = 1000;
    private static final int MAX_MESSAGES = 10_000;
    private static final long LOG_INTERVAL_MS = 30_000;

    /** A small message (alert or aggregate) waiting to be sent. */
    record Message(String topic, byte[] key, byte[] value, SinkCounters.Kind kind) {}

    private final SinkSettings settings;
    private final SinkCounters counters;
    private final Producer<byte[], byte[]> producer;
    private final DiskSpool spool;
    private final LinkedBlockingQueue<FlowBatch> batches = new LinkedBlockingQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private volatile long bufferRecords;
    private final ArrayBlockingQueue<Message> messages = new ArrayBlockingQueue<>(MAX_MESSAGES);
    /** Records whose delivery failed, waiting to be spooled: {key, value} pairs. */
    private final ConcurrentLinkedQueue<byte[][]> failed = new ConcurrentLinkedQueue<>();
    private final AtomicInteger failedCount = new AtomicInteger();
    private final Object drainSignal = new Object();
    private final Thread intake;
    private final Thread drainer;
    private volatile boolean running = true;
    private volatile boolean kafkaUp = true;
    private long blockedUntil;
    // intake thread only: a send in progress, and the failure its callback reported before send returned
    private boolean sending;
    private Exception failedInSend;
    private long lastLog;
    // the spool entry being filled by the intake thread
    private ByteBuffer pending = ByteBuffer.allocate(1 << 16);
    private int pendingRecords;

    SinkEngine(SinkSettings settings, SinkCounters counters) throws IOException {
        this.settings = settings;
        this.counters = counters;
        this.bufferRecords = settings.bufferRecords();
        this.spool = settings.spoolDir() != null && settings.spoolMaxBytes() > 0 ? new DiskSpool(settings.spoolDir(), settings.spoolMaxBytes()) : null;
        this.producer = KafkaClients.withKafkaLoader(() -> new KafkaProducer<>(settings.producer(), new ByteArraySerializer(), new ByteArraySerializer()));
        intake = new Thread(this::intakeLoop, "flowlens-kafka-sink-" + settings.name());
        intake.setDaemon(true);
        drainer = new Thread(this::drainLoop, "flowlens-kafka-spool-" + settings.name());
        drainer.setDaemon(true);
        intake.start();
        if (spool != null) {
            drainer.start();
            if (spool.records() > 0) {
                LOG.info("Kafka sink {}: {} records from an earlier run wait in {} and go first", settings.name(), spool.records(), settings.spoolDir());
            }
        }
    }

    SinkSettings settings() {
        return settings;
    }

    void bufferRecords(long n) {
        bufferRecords = n;
    }

    long queuedRecords() {
        return queued.get();
    }

    long spoolRecords() {
        return spool == null ? 0 : spool.records();
    }

    boolean kafkaUp() {
        return kafkaUp;
    }

    /** Never blocks: a full buffer drops and counts the batch. */
    void offer(FlowBatch batch) {
        int n = batch.size();
        if (!running) {
            counters.dropStopped.add(n);
            return;
        }
        long before = queued.get();
        if (before > 0 && before + n > bufferRecords) {
            counters.dropBufferFull.add(n);
            return;
        }
        queued.addAndGet(n);
        batches.add(batch);
    }

    /** Queues an alert or aggregate; never blocks. */
    void offer(Message m) {
        if (!running || !messages.offer(m)) {
            counters.messageDropped(m.kind());
        }
    }

    // --- intake: records → producer (or spool)

    private void intakeLoop() {
        FlowCodec codec = new FlowCodec(settings.format(), settings.keyBy(), settings.enrichment());
        String topic = settings.recordsTopic();
        if (!topic.isEmpty()) {
            // fetch the topic's metadata before the first record (records wait in the buffer meanwhile)
            try {
                producer.partitionsFor(topic);
            } catch (KafkaException e) {
                logRare("no metadata for " + topic + " yet: " + e.getMessage());
            }
        }
        while (true) {
            Message m;
            while ((m = messages.poll()) != null) {
                sendMessage(m);
            }
            spoolFailed();
            FlowBatch batch;
            try {
                batch = running ? batches.poll(100, TimeUnit.MILLISECONDS) : batches.poll();
            } catch (InterruptedException e) {
                continue;
            }
            if (batch == null) {
                flushPending();
                if (!running) {
                    return;
                }
                continue;
            }
            int n = batch.size();
            if (topic.isEmpty()) {
                queued.addAndGet(-n);
                continue;
            }
            for (int i = 0; i < n; i++) {
                byte[] key;
                byte[] value;
                try {
                    key = codec.key(batch.get(i));
                    value = codec.value(batch.get(i));
                } catch (RuntimeException e) {
                    counters.dropEncode.increment();
                    logRare("cannot encode a record: " + e);
                    continue;
                }
                route(topic, key, value);
            }
            queued.addAndGet(-n);
        }
    }

    private void route(String topic, byte[] key, byte[] value) {
        if (spool != null && (!kafkaUp || pendingRecords > 0 || !spool.isEmpty())) {
            toSpool(key, value);
            return;
        }
        long now = System.currentTimeMillis();
        if (now < blockedUntil) {
            counters.dropUnavailable.increment();
            return;
        }
        sending = true;
        failedInSend = null;
        try {
            producer.send(new ProducerRecord<>(topic, key, value), new RecordCallback(key, value));
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            failedInSend = e;
            if (spool != null) {
                toSpool(key, value);
            } else {
                counters.dropUnavailable.increment();
            }
        } catch (KafkaException | IllegalStateException e) {
            counters.dropSendFailed.increment();
            logRare("cannot send a record: " + e);
        } finally {
            sending = false;
        }
        if (failedInSend != null) {
            // the producer waited max.block.ms for metadata or buffer room and gave up: Kafka is away.
            // Do not wait like that for every record: pause, then try again.
            kafkaUp = false;
            blockedUntil = System.currentTimeMillis() + BLOCKED_PAUSE_MS;
            logRare("Kafka does not take records (" + failedInSend.getMessage() + "); " + (spool != null ? "spooling" : "dropping and counting them"));
        }
    }

    /** Delivery of one record: acknowledged, or failed (dropped, or spooled when there is a spool). */
    private final class RecordCallback implements Callback {
        private final byte[] key;
        private final byte[] value;

        RecordCallback(byte[] key, byte[] value) {
            this.key = key;
            this.value = value;
        }

        @Override
        public void onCompletion(org.apache.kafka.clients.producer.RecordMetadata metadata, Exception e) {
            if (e == null) {
                counters.sent.increment();
                kafkaUp = true;
                return;
            }
            if (e instanceof RetriableException || e instanceof org.apache.kafka.common.errors.TimeoutException) {
                kafkaUp = false;
            }
            if (sending && Thread.currentThread() == intake) {
                failedInSend = e;
            }
            if (spool != null && failedCount.get() < SPOOL_CHUNK * 20) {
                failedCount.incrementAndGet();
                failed.add(new byte[][] {key, value});
            } else {
                counters.dropSendFailed.increment();
                logRare("a record was not delivered: " + e);
            }
        }
    }

    private void sendMessage(Message m) {
        if (System.currentTimeMillis() < blockedUntil) {
            counters.messageDropped(m.kind());
            return;
        }
        try {
            producer.send(new ProducerRecord<>(m.topic(), m.key(), m.value()), (md, e) -> {
                if (e == null) {
                    counters.messageSent(m.kind());
                } else {
                    counters.messageDropped(m.kind());
                }
            });
        } catch (KafkaException | IllegalStateException e) {
            counters.messageDropped(m.kind());
            logRare("cannot send a " + m.kind().label() + " message: " + e);
        }
    }

    // --- spool

    private void spoolFailed() {
        byte[][] kv;
        while ((kv = failed.poll()) != null) {
            failedCount.decrementAndGet();
            toSpool(kv[0], kv[1]);
        }
    }

    private void toSpool(byte[] key, byte[] value) {
        int need = 8 + (key == null ? 0 : key.length) + value.length;
        if (pending.remaining() < need) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + need));
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
        pending.putInt(key == null ? -1 : key.length);
        if (key != null) {
            pending.put(key);
        }
        pending.putInt(value.length).put(value);
        if (++pendingRecords >= SPOOL_CHUNK) {
            flushPending();
        }
    }

    private void flushPending() {
        if (pendingRecords == 0) {
            return;
        }
        int n = pendingRecords;
        pendingRecords = 0;
        try {
            if (spool.append(pending.array(), 0, pending.position(), n)) {
                counters.spooled.add(n);
            } else {
                counters.dropSpoolFull.add(n);
            }
        } catch (IOException e) {
            counters.dropSpoolError.add(n);
            logRare("cannot write the spool: " + e);
        }
        pending.clear();
        if (pending.capacity() > 1 << 22) {
            pending = ByteBuffer.allocate(1 << 16);
        }
        synchronized (drainSignal) {
            drainSignal.notifyAll();
        }
    }

    // --- drainer: spool → producer, in order, one entry at a time

    private void drainLoop() {
        int failures = 0;
        long nextTry = 0;
        while (running) {
            DiskSpool.Entry e = null;
            try {
                if (System.currentTimeMillis() >= nextTry) {
                    e = spool.peek();
                }
            } catch (IOException ex) {
                logRare("cannot read the spool: " + ex);
            }
            if (e == null) {
                synchronized (drainSignal) {
                    try {
                        drainSignal.wait(Math.max(1, Math.min(200, nextTry - System.currentTimeMillis())));
                    } catch (InterruptedException ie) {
                        // running is checked by the loop
                    }
                }
                continue;
            }
            if (deliver(e)) {
                try {
                    spool.remove(e);
                } catch (IOException | IllegalStateException ex) {
                    logRare("cannot remove a delivered spool entry: " + ex);
                }
                kafkaUp = true;
                failures = 0;
                nextTry = 0;
            } else if (running) {
                kafkaUp = false;
                failures++;
                nextTry = System.currentTimeMillis() + Math.min(10_000, 250L << Math.min(6, failures - 1));
            }
        }
    }

    /** Sends one spool entry's records and waits for all their acknowledgements. */
    private boolean deliver(DiskSpool.Entry e) {
        List<byte[][]> records = new ArrayList<>(e.records());
        ByteBuffer b = ByteBuffer.wrap(e.payload());
        try {
            while (b.hasRemaining()) {
                int kl = b.getInt();
                byte[] key = kl < 0 ? null : new byte[kl];
                if (key != null) {
                    b.get(key);
                }
                byte[] value = new byte[b.getInt()];
                b.get(value);
                records.add(new byte[][] {key, value});
            }
        } catch (RuntimeException bad) {
            // the spool's checksum makes this unlikely; such an entry can never be delivered
            counters.dropSpoolError.add(e.records());
            logRare("a spool entry of " + e.records() + " records could not be read and was dropped");
            return true;
        }
        CountDownLatch done = new CountDownLatch(records.size());
        AtomicInteger errors = new AtomicInteger();
        Thread self = Thread.currentThread();
        int attempted = 0;
        for (byte[][] kv : records) {
            attempted++;
            try {
                producer.send(new ProducerRecord<>(settings.recordsTopic(), kv[0], kv[1]), (md, ex) -> {
                    if (ex == null) {
                        counters.sent.increment();
                    } else {
                        errors.incrementAndGet();
                    }
                    done.countDown();
                });
            } catch (KafkaException | IllegalStateException ex) {
                errors.incrementAndGet();
                done.countDown();
            }
            if (errors.get() > 0 && Thread.currentThread() == self) {
                // failed while sending (no metadata, no buffer room): the rest would only wait the same way
                break;
            }
        }
        for (int i = attempted; i < records.size(); i++) {
            errors.incrementAndGet();
            done.countDown();
        }
        long deadline = System.currentTimeMillis() + settings.deliveryTimeoutMillis() + 5000;
        try {
            while (!done.await(200, TimeUnit.MILLISECONDS)) {
                if (!running || System.currentTimeMillis() > deadline) {
                    return false;
                }
            }
        } catch (InterruptedException ie) {
            return false;
        }
        return errors.get() == 0;
    }

    private void logRare(String message) {
        long now = System.currentTimeMillis();
        if (now - lastLog >= LOG_INTERVAL_MS) {
            lastLog = now;
            LOG.warn("Kafka sink {}: {}", settings.name(), message);
        }
    }

    /**
     * Stops taking records, hands what is buffered to the producer (or the spool), then closes the
     * producer, waiting at most {@code timeout} for outstanding deliveries.
     */
    void close(Duration timeout) {
        running = false;
        synchronized (drainSignal) {
            drainSignal.notifyAll();
        }
        join(intake);
        if (spool != null) {
            drainer.interrupt();
            join(drainer);
        }
        try {
            producer.close(timeout);
        } catch (KafkaException | IllegalStateException e) {
            LOG.warn("Kafka sink {}: closing the producer: {}", settings.name(), e.toString());
        }
        if (spool != null) {
            spoolFailed();
            flushPending();
            spool.close();
        } else {
            counters.dropSendFailed.add(failedCount.getAndSet(0));
        }
    }

    private void join(Thread t) {
        try {
            t.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("Kafka sink {}: {} did not stop within 30 s", settings.name(), t.getName());
        }
    }
}
