package org.flowlens.forward;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.json.FlowJsonWriter;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowConsumer;
import org.flowlens.forward.spool.DiskSpool;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of agent → server forwarding: takes every batch the pipeline delivers, cuts the
 * records into JSON arrays of the ingest format and POSTs them to the server's {@code /ingest} with
 * a bearer token. A request that fails is tried again with exponential backoff; when the server
 * stays unreachable the arrays go to a size-capped disk spool, and everything spooled is delivered
 * in order once the server answers again (also after an agent restart). Nothing is lost below the
 * cap; what does not fit is counted. A small periodic report tells the server how the agent is.
 *
 * <p>{@link #accept} never blocks: records wait in a bounded memory queue, and a full queue drops
 * and counts the batch. Off until configured.
 */
@Component(service = {FlowConsumer.class, ConfigurationCheck.class}, configurationPid = Forwarder.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = {FlowConsumer.NAME + "=forward", ConfigurationCheck.PID + "=" + Forwarder.PID})
@Designate(ocd = Forwarder.Config.class)
public class Forwarder implements FlowConsumer, ConfigurationCheck {
    static final String PID = "flowlens.forward";
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    /** JSON arrays that wait in memory for the sender before new ones go to the spool. */
    private static final int CHUNKS_IN_MEMORY = 4;
    private static final long LOG_INTERVAL_MS = 30_000;

    @ObjectClassDefinition(name = "Flowlens forwarder (agent to server)", description = "Sends the flow records of this agent to a "
            + "Flowlens server's POST /ingest, with retries and a disk spool while the server is unreachable. Off until configured.")
    public @interface Config {
        @AttributeDefinition(name = "Server ingest URL", description = "The server's ingest endpoint, e.g. https://flowlens.example:8080/ingest.")
        String serverUrl() default "http://127.0.0.1:8080/ingest";

        @AttributeDefinition(name = "API token", type = AttributeType.PASSWORD, description = "Sent as 'Authorization: Bearer <token>'; "
                + "a token of the ingest role on the server. Empty sends none.")
        String token() default "";

        @AttributeDefinition(name = "Agent name", description = "How the server lists this agent; empty uses the host name.")
        String agentName() default "";

        @AttributeDefinition(name = "Records per request", description = "Largest JSON array sent in one POST (1-100000).")
        int batchSize() default 1000;

        @AttributeDefinition(name = "Linger (ms)", description = "Longest a record waits for its array to fill before it is sent anyway (0-600000).")
        int lingerMs() default 1000;

        @AttributeDefinition(name = "Timeout (ms)", description = "Connect and request timeout of one POST (100-600000).")
        int timeoutMs() default 10_000;

        @AttributeDefinition(name = "Retries", description = "Attempts after the first before an array goes to the disk spool (0-100).")
        int retries() default 3;

        @AttributeDefinition(name = "Backoff (ms)", description = "Wait after the first failure; it doubles with each further failure.")
        int backoffMs() default 500;

        @AttributeDefinition(name = "Longest backoff (ms)", description = "Cap of the doubling wait, also for a server's Retry-After.")
        int maxBackoffMs() default 30_000;

        @AttributeDefinition(name = "Memory buffer (records)", description = "Records waiting in memory; beyond it batches are dropped and counted.")
        int bufferRecords() default 100_000;

        @AttributeDefinition(name = "Spool directory", description = "Where records wait on disk while the server is unreachable; "
                + "relative to the working directory. Entries left there are delivered after a restart.")
        String spoolDir() default "data/spool/forward";

        @AttributeDefinition(name = "Spool size cap (MiB)", description = "Most the spool may take on disk; records that do not fit are "
                + "dropped and counted. 0 spools nothing.")
        long spoolMaxMegabytes() default 256;

        @AttributeDefinition(name = "Health report URL", description = "Where the agent POSTs its health; empty uses /api/agents/health "
                + "on the server's host.")
        String healthUrl() default "";

        @AttributeDefinition(name = "Health report interval (s)", description = "Seconds between health reports; 0 sends none.")
        int healthIntervalSeconds() default 30;
    }

    private record Chunk(byte[] json, int records) {}

    private final Metrics metrics;
    private final Counter received;
    private final Counter sent;
    private final Counter spooled;
    private final Counter failedRequests;
    private final Counter dropBuffer;
    private final Counter dropSpoolFull;
    private final Counter dropUnreachable;
    private final Counter dropRejected;
    private final Counter dropStopped;
    private final Counter dropSpoolError;

    private final LinkedBlockingQueue<FlowBatch> batches = new LinkedBlockingQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private final Object lock = new Object();
    /** Guarded by lock. Everything here is older than everything in the spool. */
    private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
    /** Guarded by lock. */
    private DiskSpool spool;
    private volatile Settings settings;
    private volatile IngestClient client;
    private volatile boolean running = true;
    private final long startedMillis = System.currentTimeMillis();
    private volatile boolean serverUp;
    /** The last attempt failed: new arrays go to the spool rather than wait for room in memory. */
    private volatile boolean failing;
    private volatile long lastSuccessMillis;
    private volatile String lastError = "";
    private long lastErrorLog;
    private final Thread batcher;
    private final Thread sender;
    private final Thread reporter;
    private final Object reporterSignal = new Object();

    @Activate
    public Forwarder(@Reference Metrics metrics, Config config) throws IOException {
        Settings s;
        try {
            s = Settings.of(config);
        } catch (IllegalArgumentException e) {
            LOG.error("{}: invalid configuration, the forwarder does not start: {}", PID, e.getMessage());
            throw e;
        }
        this.metrics = metrics;
        this.settings = s;
        String dropped = "flowlens_forward_dropped_records_total";
        String droppedHelp = "Records the forwarder could not deliver nor keep, by reason";
        received = metrics.counter("flowlens_forward_received_records_total", "Records handed to the forwarder");
        sent = metrics.counter("flowlens_forward_sent_records_total", "Records the server accepted");
        spooled = metrics.counter("flowlens_forward_spooled_records_total", "Records written to the disk spool while the server was unreachable");
        failedRequests = metrics.counter("flowlens_forward_failed_requests_total", "POSTs to the server that failed and will be tried again");
        dropBuffer = metrics.counter(dropped, droppedHelp, "reason", "buffer_full");
        dropSpoolFull = metrics.counter(dropped, droppedHelp, "reason", "spool_full");
        dropUnreachable = metrics.counter(dropped, droppedHelp, "reason", "unreachable");
        dropRejected = metrics.counter(dropped, droppedHelp, "reason", "rejected");
        dropStopped = metrics.counter(dropped, droppedHelp, "reason", "stopped");
        dropSpoolError = metrics.counter(dropped, droppedHelp, "reason", "spool_error");
        metrics.gauge("flowlens_forward_queue_records", "Records waiting in memory", queued::get);
        metrics.gauge("flowlens_forward_spool_records", "Records waiting in the disk spool", () -> spoolStat(false));
        metrics.gauge("flowlens_forward_spool_bytes", "Bytes the disk spool takes", () -> spoolStat(true));
        metrics.gauge("flowlens_forward_server_up", "1 when the last request reached the server", () -> serverUp ? 1 : 0);
        spool = new DiskSpool(s.spoolDir(), s.spoolMaxBytes());
        client = new IngestClient(s.token(), s.agent(), s.timeout());
        batcher = new Thread(this::batchLoop, "flowlens-forward-batcher");
        sender = new Thread(this::sendLoop, "flowlens-forward-sender");
        reporter = new Thread(this::reportLoop, "flowlens-forward-health");
        for (Thread t : new Thread[] {batcher, sender, reporter}) {
            t.setDaemon(true);
            t.start();
        }
        if (spool.records() > 0) {
            LOG.info("Forwarder to {}: {} records from an earlier run wait in {} and go first", s.ingest(), spool.records(), s.spoolDir());
        }
        LOG.info("Forwarder started: agent {} to {}, spool {} (cap {} MiB)", s.agent(), s.ingest(), s.spoolDir(), s.spoolMaxBytes() >> 20);
    }

    /** Whether {@link #modified} would take these properties. */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return ConfigurationCheck.problem(() -> Settings.of(Configs.of(Config.class, properties)));
    }

    @Modified
    void modified(Config config) {
        Settings next;
        try {
            next = Settings.of(config);
        } catch (IllegalArgumentException e) {
            LOG.error("{}: invalid configuration refused, keeping the previous one: {}", PID, e.getMessage());
            return;
        }
        Settings prev = settings;
        if (!next.token().equals(prev.token()) || !next.agent().equals(prev.agent()) || !next.timeout().equals(prev.timeout())) {
            client = new IngestClient(next.token(), next.agent(), next.timeout());
        }
        synchronized (lock) {
            if (!next.spoolDir().equals(prev.spoolDir())) {
                try {
                    DiskSpool fresh = new DiskSpool(next.spoolDir(), next.spoolMaxBytes());
                    if (!spool.isEmpty()) {
                        LOG.warn("{}: spool moved to {}; {} records stay in {} until it is configured again", PID, next.spoolDir(),
                                spool.records(), prev.spoolDir());
                    }
                    spool.close();
                    spool = fresh;
                } catch (IOException e) {
                    LOG.error("{}: cannot open the spool directory {}, keeping the previous configuration: {}", PID, next.spoolDir(), e.toString());
                    return;
                }
            } else {
                spool.maxBytes(next.spoolMaxBytes());
            }
            settings = next;
            lock.notifyAll();
        }
        synchronized (reporterSignal) {
            reporterSignal.notifyAll();
        }
        LOG.info("Forwarder reconfigured live: agent {} to {}", next.agent(), next.ingest());
    }

    @Deactivate
    void deactivate() {
        running = false;
        synchronized (lock) {
            lock.notifyAll();
        }
        synchronized (reporterSignal) {
            reporterSignal.notifyAll();
        }
        sender.interrupt();
        reporter.interrupt();
        join(sender);
        join(reporter);
        join(batcher);
        synchronized (lock) {
            // what is still in memory is older than the spool: it goes back at the head, newest first
            for (Iterator<Chunk> it = chunks.descendingIterator(); it.hasNext();) {
                Chunk c = it.next();
                spoolHead(c, dropStopped);
            }
            chunks.clear();
            spool.close();
        }
        for (String name : new String[] {"flowlens_forward_queue_records", "flowlens_forward_spool_records", "flowlens_forward_spool_bytes",
                "flowlens_forward_server_up"}) {
            metrics.remove(name);
        }
        LOG.info("Forwarder stopped; {} records wait in the spool", spoolStat(false));
    }

    @Override
    public void accept(FlowBatch batch) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        received.add(n);
        if (!running) {
            dropStopped.add(n);
            return;
        }
        long before = queued.get();
        if (before > 0 && before + n > settings.bufferRecords()) {
            dropBuffer.add(n);
            return;
        }
        queued.addAndGet(n);
        batches.add(batch);
    }

    // --- batching: records → JSON arrays of at most batchSize records

    private void batchLoop() {
        FlowJsonWriter w = new FlowJsonWriter(64 * 1024, false);
        int inChunk = 0;
        long firstAt = 0;
        FlowBatch current = null;
        int index = 0;
        while (true) {
            Settings s = settings;
            if (current == null) {
                long now = System.currentTimeMillis();
                if (inChunk > 0 && (now - firstAt >= s.lingerMillis() || !running && batches.isEmpty())) {
                    hand(new Chunk(w.endArray().toByteArray(), inChunk));
                    inChunk = 0;
                    continue;
                }
                if (!running && batches.isEmpty()) {
                    return;
                }
                long wait = inChunk == 0 ? 200 : Math.max(1, firstAt + s.lingerMillis() - now);
                try {
                    current = running ? batches.poll(Math.min(wait, 200), TimeUnit.MILLISECONDS) : batches.poll();
                } catch (InterruptedException e) {
                    continue;
                }
                if (current == null) {
                    continue;
                }
                index = 0;
            }
            while (index < current.size() && inChunk < s.batchSize()) {
                if (inChunk == 0) {
                    w.reset().beginArray();
                    firstAt = System.currentTimeMillis();
                }
                w.write(current.get(index++));
                inChunk++;
            }
            if (index >= current.size()) {
                queued.addAndGet(-current.size());
                current = null;
            }
            if (inChunk >= s.batchSize()) {
                hand(new Chunk(w.endArray().toByteArray(), inChunk));
                inChunk = 0;
            }
        }
    }

    /**
     * Queues an array for the sender; spools it when the spool already has a backlog (order) or
     * when the server is failing and memory is full. While the server is merely busy, waits for
     * room: the bounded record queue in front absorbs meanwhile.
     */
    private void hand(Chunk c) {
        synchronized (lock) {
            while (true) {
                boolean backlog = !spool.isEmpty();
                if (!backlog && chunks.size() < CHUNKS_IN_MEMORY) {
                    chunks.addLast(c);
                    lock.notifyAll();
                    return;
                }
                if (spool.maxBytes() > 0 && (backlog || failing || !running)) {
                    spoolTail(c);
                    return;
                }
                if (!running) {
                    dropStopped.add(c.records());
                    return;
                }
                try {
                    lock.wait(200);
                } catch (InterruptedException e) {
                    // checked again above
                }
            }
        }
    }

    // --- sending

    private void sendLoop() {
        int failures = 0;
        while (running) {
            Chunk c;
            DiskSpool.Entry e = null;
            synchronized (lock) {
                c = chunks.pollFirst();
                if (c != null) {
                    lock.notifyAll();
                } else {
                    try {
                        e = spool.peek();
                    } catch (IOException ex) {
                        logError("cannot read the spool: " + ex);
                    }
                    if (e == null) {
                        try {
                            lock.wait(200);
                        } catch (InterruptedException ie) {
                            // running is checked by the loop
                        }
                        continue;
                    }
                }
            }
            byte[] body = c != null ? c.json() : e.payload();
            int n = c != null ? c.records() : e.records();
            Settings s = settings;
            IngestClient.Result r;
            try {
                r = client.post(s.ingest(), body, n);
            } catch (InterruptedException ie) {
                if (c != null) {
                    synchronized (lock) {
                        chunks.addFirst(c);
                    }
                }
                continue;
            }
            switch (r.outcome()) {
                case DELIVERED -> {
                    sent.add(n);
                    delivered(e);
                    failures = 0;
                }
                case REJECTED -> {
                    sent.add(r.accepted());
                    dropRejected.add(n - r.accepted());
                    LOG.warn("Forwarder: the server refused {} of {} records: {}", n - r.accepted(), n, r.detail());
                    delivered(e);
                    failures = 0;
                }
                case RETRY -> {
                    failures++;
                    failedRequests.increment();
                    serverUp = false;
                    failing = true;
                    lastError = r.detail();
                    logError(r.detail() + (c != null && failures > s.retries() ? "; spooling" : "; will retry"));
                    synchronized (lock) {
                        lock.notifyAll();
                    }
                    if (c != null) {
                        synchronized (lock) {
                            if (failures <= s.retries()) {
                                chunks.addFirst(c);
                            } else if (spool.maxBytes() == 0) {
                                dropUnreachable.add(c.records());
                                lock.notifyAll();
                            } else {
                                // give up on memory: this array and those behind it go to the head of the spool
                                for (Iterator<Chunk> it = chunks.descendingIterator(); it.hasNext();) {
                                    spoolHead(it.next(), null);
                                }
                                chunks.clear();
                                spoolHead(c, null);
                                lock.notifyAll();
                            }
                        }
                    }
                    pause(backoff(s, failures, r.retryAfterMillis()));
                }
            }
        }
    }

    private void delivered(DiskSpool.Entry e) {
        serverUp = true;
        failing = false;
        lastSuccessMillis = System.currentTimeMillis();
        if (e != null) {
            synchronized (lock) {
                try {
                    spool.remove(e);
                } catch (IOException | IllegalStateException ex) {
                    logError("cannot remove a delivered entry from the spool: " + ex);
                }
                lock.notifyAll();
            }
        }
    }

    static long backoff(Settings s, int failures, long retryAfterMillis) {
        long wait = s.backoffMillis() << Math.min(30, Math.max(0, failures - 1));
        if (wait <= 0 || wait > s.maxBackoffMillis()) {
            wait = s.maxBackoffMillis();
        }
        if (retryAfterMillis >= 0) {
            wait = Math.min(Math.max(wait, retryAfterMillis), s.maxBackoffMillis());
        }
        return wait;
    }

    private void pause(long millis) {
        long until = System.currentTimeMillis() + millis;
        synchronized (lock) {
            long left;
            while (running && (left = until - System.currentTimeMillis()) > 0) {
                try {
                    lock.wait(left);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Caller holds lock. */
    private void spoolTail(Chunk c) {
        try {
            if (spool.append(c.json(), 0, c.json().length, c.records())) {
                spooled.add(c.records());
            } else {
                (spool.maxBytes() == 0 ? dropUnreachable : dropSpoolFull).add(c.records());
            }
        } catch (IOException e) {
            dropSpoolError.add(c.records());
            logError("cannot write the spool: " + e);
        }
    }

    /** Caller holds lock. */
    private void spoolHead(Chunk c, Counter whenNoRoom) {
        try {
            if (spool.prepend(c.json(), 0, c.json().length, c.records())) {
                spooled.add(c.records());
            } else {
                Counter drop = whenNoRoom != null ? whenNoRoom : spool.maxBytes() == 0 ? dropUnreachable : dropSpoolFull;
                drop.add(c.records());
            }
        } catch (IOException e) {
            dropSpoolError.add(c.records());
            logError("cannot write the spool: " + e);
        }
    }

    private double spoolStat(boolean bytes) {
        synchronized (lock) {
            return bytes ? spool.bytes() : spool.records();
        }
    }

    private void logError(String message) {
        long now = System.currentTimeMillis();
        if (now - lastErrorLog >= LOG_INTERVAL_MS) {
            lastErrorLog = now;
            LOG.warn("Forwarder: {}", message);
        }
    }

    // --- health

    private void reportLoop() {
        while (running) {
            Settings s = settings;
            if (s.healthIntervalMillis() > 0) {
                try {
                    client.postQuietly(s.health(), health(s).getBytes(StandardCharsets.UTF_8));
                } catch (InterruptedException e) {
                    return;
                }
            }
            synchronized (reporterSignal) {
                try {
                    reporterSignal.wait(s.healthIntervalMillis() > 0 ? s.healthIntervalMillis() : 60_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** The health report: a small JSON object the server keeps per agent. */
    String health(Settings s) {
        long now = System.currentTimeMillis();
        long spoolRecords;
        long spoolBytes;
        synchronized (lock) {
            spoolRecords = spool.records();
            spoolBytes = spool.bytes();
        }
        long dropped = dropBuffer.get() + dropSpoolFull.get() + dropUnreachable.get() + dropRejected.get() + dropStopped.get() + dropSpoolError.get();
        String state = lastSuccessMillis == 0 && lastError.isEmpty() ? "starting"
                : !serverUp ? "unreachable" : spoolRecords > 0 ? "catching_up" : "ok";
        StringBuilder b = new StringBuilder(512).append('{');
        field(b, "agent", s.agent()).append(',');
        field(b, "state", state).append(',');
        b.append("\"time\":").append(now).append(",\"started\":").append(startedMillis);
        b.append(",\"last_success\":").append(lastSuccessMillis);
        b.append(",\"records_received\":").append(received.get()).append(",\"records_sent\":").append(sent.get());
        b.append(",\"records_spooled\":").append(spooled.get()).append(",\"records_dropped\":").append(dropped);
        b.append(",\"queue_records\":").append(queued.get()).append(",\"spool_records\":").append(spoolRecords);
        b.append(",\"spool_bytes\":").append(spoolBytes).append(",\"spool_max_bytes\":").append(s.spoolMaxBytes()).append(',');
        field(b, "last_error", Objects.requireNonNullElse(lastError, ""));
        return b.append('}').toString();
    }

    private static StringBuilder field(StringBuilder b, String name, String value) {
        b.append('"').append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"');
    }

    private static void join(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("Forwarder: {} did not stop within 10 s", t.getName());
        }
    }
}
