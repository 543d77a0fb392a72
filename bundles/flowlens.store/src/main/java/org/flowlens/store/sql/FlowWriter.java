package org.flowlens.store.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Histogram;
import org.flowlens.api.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches to an engine off the pipeline's thread in two steps. {@link #accept} runs on the
 * caller's thread (the pipeline gives each consumer a thread of its own): it leaves out records
 * the address filter rejects and encodes the rest into the engine's chunks, or counts the whole
 * batch as dropped when the queue already holds its limit; it never blocks. The writer thread
 * stages the chunks and commits them every flush interval, so a crash loses at most the records
 * accepted during the last interval plus any backlog the writer had not reached. The same thread
 * rolls finished minutes into the rollups and enforces retention, so the engine sees one writer.
 *
 * <p>A failed commit is tried again at the next interval; after three failures the staged
 * records are dropped and counted, so a broken disk or an unreachable server never grows memory
 * beyond the queue.
 *
 * <p>Alert events ({@link #acceptAlert}) wait in a queue of their own, bounded too, and the writer
 * inserts them into the {@code alerts} table after each commit, with the same three attempts.
 */
public final class FlowWriter {
    private static final Logger LOG = LoggerFactory.getLogger(FlowWriter.class);
    /** Heap a queued record takes in the encoder's column arrays (about 280 bytes), rounded up. */
    private static final long QUEUED_RECORD_BYTES = 300;
    /**
     * The most records the queue holds whatever its setting: a quarter of the heap, so that a
     * small JVM (128 MB on a 512 MB machine) drops and counts batches instead of running out of memory.
     */
    static final long HEAP_QUEUE_LIMIT = Runtime.getRuntime().maxMemory() / 4 / QUEUED_RECORD_BYTES;
    /** Minutes are rolled up once they are this far in the past. */
    public static final long ROLLUP_DELAY_MILLIS = 60_000;
    /** The most records staged before a commit, whatever the interval. */
    public static final int MAX_STAGED = 262_144;
    private static final long RETENTION_EVERY_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final long MAINTENANCE_RETRY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int MAX_ATTEMPTS = 3;
    /** Alert events that may wait for the writer; beyond it they are dropped and counted. */
    public static final int MAX_QUEUED_ALERTS = 10_000;
    private static final int ALERTS_PER_INSERT = 500;

    private enum Kind { FLUSH, MAINTAIN, REPLACE, STOP }

    private record Request(Kind kind, SqlEngine next, CompletableFuture<Object> done) {}

    /** A chunk and the engine whose encoder made it. */
    private record Encoded(SqlEngine engine, SqlEngine.Chunk chunk) {}

    private final String name;
    private final Metrics metrics;
    private final LongSupplier clock;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    /** Records accepted and not yet staged: in the encoder or in the queue. */
    private final AtomicLong queued = new AtomicLong();
    private final Thread thread;
    private volatile StoreSettings settings;
    private volatile SqlEngine engine;
    private volatile boolean closed;
    private volatile boolean retentionRequested;
    private volatile LongConsumer commitListener;

    private final Object encoderLock = new Object();
    /** The current engine's encoder; guarded by {@link #encoderLock}. */
    private SqlEngine.Encoder encoder;
    /** The engine the encoder belongs to; guarded by {@link #encoderLock}. */
    private SqlEngine encoderEngine;

    private final ConcurrentLinkedQueue<StoredAlert> alerts = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedAlerts = new AtomicInteger();
    /** Orders alert events of one millisecond: microseconds since the epoch at start, then one up per event. */
    private final AtomicLong alertSequence = new AtomicLong(System.currentTimeMillis() * 1_000);
    private final LongAdder accepted = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder filtered = new LongAdder();
    private volatile long written;
    private volatile long lastCommitMillis;
    private volatile String lastError;

    private final Counter acceptedCounter;
    private final Counter writtenCounter;
    private final Counter filteredCounter;
    private final Counter droppedQueueFull;
    private final Counter droppedWriteError;
    private final Counter droppedStopped;
    private final Counter writeErrors;
    private final Counter maintenanceErrors;
    private final Histogram commitSeconds;
    private final Counter alertsWritten;
    private final Counter alertsDroppedQueueFull;
    private final Counter alertsDroppedWriteError;
    private final Counter alertsDroppedStopped;

    // writer thread only
    /** Requests met while switching engines, answered before the queue. */
    private final java.util.ArrayDeque<Object> deferred = new java.util.ArrayDeque<>();
    private int attempts;
    private final List<StoredAlert> pendingAlerts = new ArrayList<>();
    private int alertAttempts;
    private long rawCutoffApplied = Long.MIN_VALUE;
    private long rollupCutoffApplied = Long.MIN_VALUE;
    private long lastRetentionNanos;
    private long maintenanceRetryAt;
    private boolean maintenanceFailing;
    private long lastWriteLog;
    private long lastMaintenanceLog;

    /**
     * Starts the writer thread.
     *
     * @param name the store's name in metrics labels and the thread name
     * @param clock wall-clock time, epoch milliseconds: record times, rollups and retention follow it
     */
    public FlowWriter(String name, SqlEngine engine, StoreSettings settings, Metrics metrics, LongSupplier clock) {
        this.name = name;
        this.engine = engine;
        this.encoder = engine.encoder();
        this.encoderEngine = engine;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
        if (settings.queueRecords() > HEAP_QUEUE_LIMIT) {
            LOG.info("Flow store {}: the queue holds at most {} records, a quarter of this JVM's heap, not the {} configured",
                    name, HEAP_QUEUE_LIMIT, settings.queueRecords());
        }
        acceptedCounter = metrics.counter("flowlens_store_accepted_records_total", "Records handed to a flow store", "store", name);
        writtenCounter = metrics.counter("flowlens_store_written_records_total", "Records a flow store wrote and committed", "store", name);
        filteredCounter = metrics.counter("flowlens_store_filtered_records_total",
                "Records a flow store left out because no address matched its address filter", "store", name);
        String dropHelp = "Records a flow store lost, by reason";
        droppedQueueFull = metrics.counter("flowlens_store_dropped_records_total", dropHelp, "store", name, "reason", "queue_full");
        droppedWriteError = metrics.counter("flowlens_store_dropped_records_total", dropHelp, "store", name, "reason", "write_error");
        droppedStopped = metrics.counter("flowlens_store_dropped_records_total", dropHelp, "store", name, "reason", "stopping");
        String errHelp = "Failed attempts of a flow store's writer, by operation";
        writeErrors = metrics.counter("flowlens_store_errors_total", errHelp, "store", name, "operation", "write");
        maintenanceErrors = metrics.counter("flowlens_store_errors_total", errHelp, "store", name, "operation", "maintenance");
        commitSeconds = metrics.histogram("flowlens_store_commit_duration_seconds", "Time a flow store took to commit one flush",
                new double[] {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}, "store", name);
        alertsWritten = metrics.counter("flowlens_store_written_alerts_total", "Alert events a flow store wrote", "store", name);
        String alertDropHelp = "Alert events a flow store lost, by reason";
        alertsDroppedQueueFull = metrics.counter("flowlens_store_dropped_alerts_total", alertDropHelp, "store", name, "reason", "queue_full");
        alertsDroppedWriteError = metrics.counter("flowlens_store_dropped_alerts_total", alertDropHelp, "store", name, "reason", "write_error");
        alertsDroppedStopped = metrics.counter("flowlens_store_dropped_alerts_total", alertDropHelp, "store", name, "reason", "stopping");
        metrics.gauge("flowlens_store_queued_records", "Records waiting for a flow store's writer", queued::get, "store", name);
        thread = new Thread(this::run, "flowlens-store-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    // ---- the caller's thread ------------------------------------------------------------------

    /**
     * Encodes a batch for writing; never waits for the writer. When the queue already holds its
     * limit the whole batch is dropped and counted.
     */
    public void accept(FlowBatch batch) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        accepted.add(n);
        acceptedCounter.add(n);
        StoreSettings s = settings;
        if (closed) {
            drop(droppedStopped, n);
            return;
        }
        if (queued.get() + n > Math.min(s.queueRecords(), HEAP_QUEUE_LIMIT)) {
            drop(droppedQueueFull, n);
            return;
        }
        long now = clock.getAsLong();
        int skipped = 0;
        synchronized (encoderLock) {
            SqlEngine.Encoder enc = encoder;
            for (int i = 0; i < n; i++) {
                FlowRecord r = batch.get(i);
                if (!s.admits(r)) {
                    skipped++;
                    continue;
                }
                enc.add(r, s.timeOf(r, now));
                queued.incrementAndGet();
                if (enc.full()) {
                    queue.offer(new Encoded(encoderEngine, enc.finish()));
                }
            }
        }
        if (skipped > 0) {
            filtered.add(skipped);
            filteredCounter.add(skipped);
        }
    }

    /** The sequence number of the next alert event. */
    public long nextAlertSequence() {
        return alertSequence.incrementAndGet();
    }

    /**
     * Queues an alert event, written with the next flush; never blocks. When the queue already
     * holds {@link #MAX_QUEUED_ALERTS} events, or the writer stopped, the event is dropped and
     * counted.
     *
     * @return true when queued
     */
    public boolean acceptAlert(StoredAlert alert) {
        if (closed) {
            alertsDroppedStopped.increment();
            return false;
        }
        if (queuedAlerts.incrementAndGet() > MAX_QUEUED_ALERTS) {
            queuedAlerts.decrementAndGet();
            alertsDroppedQueueFull.increment();
            return false;
        }
        alerts.offer(alert);
        return true;
    }

    private void drop(Counter reason, long n) {
        dropped.add(n);
        reason.add(n);
    }

    /** Applies new settings; retention is checked again at once. */
    public void configure(StoreSettings next) {
        settings = next;
        retentionRequested = true;
        queue.offer(Boolean.TRUE); // wakes the writer
    }

    public StoreSettings settings() {
        return settings;
    }

    public SqlEngine engine() {
        return engine;
    }

    /** Commits everything accepted before the call; completes with the records written so far. */
    public CompletableFuture<Long> flush() {
        return request(Kind.FLUSH, null).thenApply(o -> (Long) o);
    }

    /** Commits, rolls up finished minutes and enforces retention now. */
    public CompletableFuture<Void> maintain() {
        return request(Kind.MAINTAIN, null).thenApply(o -> null);
    }

    /**
     * Commits what was accepted for the current engine, then writes to {@code next}; completes
     * with the engine replaced, which the caller closes.
     */
    public CompletableFuture<SqlEngine> replace(SqlEngine next) {
        return request(Kind.REPLACE, next).thenApply(o -> (SqlEngine) o);
    }

    /** Called on the writer thread after each commit with the records written so far. */
    public void commitListener(LongConsumer listener) {
        this.commitListener = listener;
    }

    /**
     * Writes what was accepted and stops the thread, waiting at most {@code waitMillis}. Batches
     * accepted afterwards are dropped and counted.
     */
    public void close(long waitMillis) {
        if (closed) {
            return;
        }
        closed = true;
        queue.offer(new Request(Kind.STOP, null, new CompletableFuture<>()));
        try {
            thread.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("Flow store {}: the writer did not finish within {} ms; {} queued records are lost", name, waitMillis, queued.get());
        }
        metrics.remove("flowlens_store_queued_records", "store", name);
    }

    private CompletableFuture<Object> request(Kind kind, SqlEngine next) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        if (closed || !thread.isAlive()) {
            done.completeExceptionally(new StoreException("flow store " + name + " is closed"));
            return done;
        }
        queue.offer(new Request(kind, next, done));
        return done;
    }

    public long accepted() {
        return accepted.sum();
    }

    public long written() {
        return written;
    }

    public long filtered() {
        return filtered.sum();
    }

    public long dropped() {
        return dropped.sum();
    }

    /** Records accepted and not yet staged. */
    public long queued() {
        return queued.get();
    }

    public long lastCommitMillis() {
        return lastCommitMillis;
    }

    public String lastError() {
        return lastError;
    }

    // ---- writer thread ------------------------------------------------------------------------

    private long flushNanos() {
        return TimeUnit.MILLISECONDS.toNanos(settings.flushMillis());
    }

    private void run() {
        maintainIfDue(true);
        long nextCommit = System.nanoTime() + flushNanos();
        while (true) {
            Object item = deferred.poll();
            if (item == null) {
                if (engine.staged() >= MAX_STAGED) {
                    // a commit failed with a full stage: take nothing more until the next attempt
                    long wait = nextCommit - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                } else {
                    try {
                        long wait = nextCommit - System.nanoTime();
                        item = wait <= 0 ? queue.poll() : queue.poll(wait, TimeUnit.NANOSECONDS);
                    } catch (InterruptedException ex) {
                        continue;
                    }
                }
            }
            try {
                if (item instanceof Encoded e) {
                    stage(e);
                    if (engine.staged() >= MAX_STAGED) {
                        commit();
                        nextCommit = System.nanoTime() + flushNanos();
                    }
                } else if (item instanceof Request r && handle(r)) {
                    return;
                }
                if (System.nanoTime() - nextCommit >= 0) {
                    takeEncoded();
                    commit();
                    writeAlerts();
                    nextCommit = System.nanoTime() + flushNanos();
                }
                maintainIfDue(false);
            } catch (RuntimeException ex) {
                // the writer must outlive any engine failure: the next interval tries again
                writeErrors.increment();
                noteWriteError("the writer failed", ex);
                if (item instanceof Request r) {
                    r.done().completeExceptionally(ex);
                    if (r.kind() == Kind.STOP) {
                        return;
                    }
                }
            }
        }
    }

    /** Stages what the encoder holds so far. */
    private void takeEncoded() {
        Encoded e = null;
        synchronized (encoderLock) {
            if (encoder.size() > 0) {
                e = new Encoded(encoderEngine, encoder.finish());
            }
        }
        if (e != null) {
            stage(e);
        }
    }

    private void stage(Encoded e) {
        int n = e.chunk().records();
        queued.addAndGet(-n);
        SqlEngine target = engine;
        if (e.engine() != target) {
            // encoded for an engine already replaced: nothing can write it any more
            drop(droppedWriteError, n);
            return;
        }
        try {
            target.stage(e.chunk());
        } catch (RuntimeException ex) {
            int lost = target.staged() + n;
            try {
                target.discard();
            } catch (RuntimeException discardFailed) {
                LOG.debug("Flow store {}: discarding staged records failed", name, discardFailed);
            }
            drop(droppedWriteError, lost);
            writeErrors.increment();
            noteWriteError("staging failed, " + lost + " records dropped", ex);
        }
    }

    private void commit() {
        SqlEngine e = engine;
        int before = e.staged();
        if (before == 0) {
            return;
        }
        long t0 = System.nanoTime();
        RuntimeException failure = null;
        try {
            e.commit();
        } catch (RuntimeException ex) {
            failure = ex;
        }
        // an engine may commit part of what was staged before it fails
        int left = e.staged();
        int done = before - left;
        if (done > 0) {
            written += done;
            writtenCounter.add(done);
            lastCommitMillis = clock.getAsLong();
        }
        if (failure == null) {
            attempts = 0;
            commitSeconds.observe((System.nanoTime() - t0) / 1e9);
            lastError = null;
            LongConsumer l = commitListener;
            if (l != null) {
                l.accept(written);
            }
            return;
        }
        writeErrors.increment();
        attempts++;
        if (attempts >= MAX_ATTEMPTS) {
            attempts = 0;
            try {
                e.discard();
            } catch (RuntimeException discardFailed) {
                LOG.debug("Flow store {}: discarding staged records failed", name, discardFailed);
            }
            drop(droppedWriteError, left);
            noteWriteError("commit failed " + MAX_ATTEMPTS + " times, " + left + " records dropped", failure);
        } else {
            noteWriteError("commit failed (attempt " + attempts + " of " + MAX_ATTEMPTS + "), trying again in "
                    + settings.flushMillis() + " ms", failure);
        }
    }

    /** Writes the queued alert events; a failed write is tried again at the next interval, three times. */
    private void writeAlerts() {
        StoredAlert a;
        while (pendingAlerts.size() < MAX_QUEUED_ALERTS && (a = alerts.poll()) != null) {
            queuedAlerts.decrementAndGet();
            pendingAlerts.add(a);
        }
        if (pendingAlerts.isEmpty()) {
            return;
        }
        SqlEngine e = engine;
        int done = 0;
        try {
            while (done < pendingAlerts.size()) {
                List<StoredAlert> part = pendingAlerts.subList(done, Math.min(pendingAlerts.size(), done + ALERTS_PER_INSERT));
                e.execute(AlertSql.insert(e.dialect(), part));
                done += part.size();
                alertsWritten.add(part.size());
            }
            pendingAlerts.clear();
            alertAttempts = 0;
        } catch (RuntimeException ex) {
            pendingAlerts.subList(0, done).clear();
            writeErrors.increment();
            if (++alertAttempts >= MAX_ATTEMPTS) {
                alertAttempts = 0;
                alertsDroppedWriteError.add(pendingAlerts.size());
                noteWriteError("writing alerts failed " + MAX_ATTEMPTS + " times, " + pendingAlerts.size() + " alert events dropped", ex);
                pendingAlerts.clear();
            } else {
                noteWriteError("writing alerts failed (attempt " + alertAttempts + " of " + MAX_ATTEMPTS + ")", ex);
            }
        }
    }

    private void noteWriteError(String what, RuntimeException ex) {
        lastError = what + ": " + ex.getMessage();
        long now = System.nanoTime();
        if (now - lastWriteLog > LOG_INTERVAL_NANOS || lastWriteLog == 0) {
            lastWriteLog = now;
            LOG.warn("Flow store {}: {} (further write errors counted in flowlens_store_errors_total for 10 s)", name, what, ex);
        }
    }

    /** @return true when the writer is to stop */
    private boolean handle(Request r) {
        switch (r.kind()) {
            case FLUSH -> {
                takeEncoded();
                commit();
                writeAlerts();
                if (engine.staged() > 0) {
                    r.done().completeExceptionally(new StoreException("flow store " + name + ": " + lastError));
                } else {
                    r.done().complete(written);
                }
            }
            case MAINTAIN -> {
                takeEncoded();
                commit();
                writeAlerts();
                RuntimeException failure = maintainIfDue(true);
                if (failure != null) {
                    r.done().completeExceptionally(failure);
                } else {
                    r.done().complete(null);
                }
            }
            case REPLACE -> r.done().complete(switchTo(r.next()));
            case STOP -> {
                synchronized (encoderLock) {
                    if (encoder.size() > 0) {
                        queue.offer(new Encoded(encoderEngine, encoder.finish()));
                    }
                }
                Object item;
                while ((item = deferred.poll()) != null || (item = queue.poll()) != null) {
                    if (item instanceof Encoded e) {
                        stage(e);
                        if (engine.staged() >= MAX_STAGED) {
                            commit();
                        }
                    } else if (item instanceof Request other) {
                        other.done().completeExceptionally(new StoreException("flow store " + name + " is closed"));
                    }
                }
                commit();
                writeAlerts();
                int left = engine.staged();
                if (left > 0) {
                    drop(droppedWriteError, left);
                    engine.discard();
                }
                if (!pendingAlerts.isEmpty()) {
                    alertsDroppedWriteError.add(pendingAlerts.size());
                    pendingAlerts.clear();
                }
                // events that passed the closed check while the last ones were written
                while (alerts.poll() != null) {
                    queuedAlerts.decrementAndGet();
                    alertsDroppedStopped.increment();
                }
                r.done().complete(null);
                return true;
            }
            default -> throw new IllegalStateException(r.kind().name());
        }
        return false;
    }

    /**
     * Switches engines: from now on records are encoded for {@code next}; what was encoded for
     * the old engine is written to it first.
     */
    private SqlEngine switchTo(SqlEngine next) {
        SqlEngine old = engine;
        Encoded last;
        synchronized (encoderLock) {
            last = encoder.size() > 0 ? new Encoded(encoderEngine, encoder.finish()) : null;
            encoder = next.encoder();
            encoderEngine = next;
        }
        // chunks of the old engine are all queued before the first chunk of the new one
        Object item;
        while ((item = queue.peek()) != null && !(item instanceof Encoded e && e.engine() == next)) {
            queue.poll();
            if (item instanceof Encoded e) {
                stage(e);
                if (engine.staged() >= MAX_STAGED) {
                    commit();
                }
            } else if (item instanceof Request other) {
                // requests made while switching are answered once the new engine is in place
                deferred.add(other);
            }
        }
        if (last != null) {
            stage(last);
        }
        commit();
        int left = old.staged();
        if (left > 0) {
            drop(droppedWriteError, left);
            old.discard();
        }
        engine = next;
        attempts = 0;
        rawCutoffApplied = Long.MIN_VALUE;
        rollupCutoffApplied = Long.MIN_VALUE;
        maintainIfDue(true);
        return old;
    }

    /** @return the failure, or null */
    private RuntimeException maintainIfDue(boolean force) {
        long nowNanos = System.nanoTime();
        if (!force && maintenanceFailing && nowNanos - maintenanceRetryAt < 0) {
            return null;
        }
        SqlEngine e = engine;
        StoreSettings s = settings;
        long now = clock.getAsLong();
        try {
            long target = StoreSql.floorMinute(now - ROLLUP_DELAY_MILLIS);
            if (target > e.rolledUpTo()) {
                e.rollUp(target);
            }
            // raw records are never removed before they are rolled up
            long raw = Math.min(StoreSql.rawCutoff(now, s.rawRetentionDays()), StoreSql.floorMinute(e.rolledUpTo()));
            long rollup = StoreSql.rollupCutoff(now, s.rollupRetentionMonths());
            if (force || retentionRequested || raw != rawCutoffApplied || rollup != rollupCutoffApplied
                    || nowNanos - lastRetentionNanos >= RETENTION_EVERY_NANOS) {
                retentionRequested = false;
                e.retain(raw, rollup);
                rawCutoffApplied = raw;
                rollupCutoffApplied = rollup;
                lastRetentionNanos = nowNanos;
            }
            maintenanceFailing = false;
            return null;
        } catch (RuntimeException ex) {
            maintenanceErrors.increment();
            maintenanceFailing = true;
            maintenanceRetryAt = nowNanos + MAINTENANCE_RETRY_NANOS;
            lastError = "maintenance failed: " + ex.getMessage();
            if (nowNanos - lastMaintenanceLog > LOG_INTERVAL_NANOS || lastMaintenanceLog == 0) {
                lastMaintenanceLog = nowNanos;
                LOG.warn("Flow store {}: rollup or retention failed, trying again in a minute", name, ex);
            }
            return ex;
        }
    }
}
