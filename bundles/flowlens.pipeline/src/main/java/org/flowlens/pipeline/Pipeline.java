package org.flowlens.pipeline;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.decode.FlowDecoder;
import org.flowlens.api.decode.WireVersion;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowConsumer;
import org.flowlens.api.pipeline.FlowEnricher;
import org.flowlens.api.pipeline.FlowPipeline;
import org.flowlens.api.query.Totals;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spine: decoder dispatch by wire version, a bounded queue with workers, enrichers in ranking
 * order, then fan-out to every consumer through its own channel.
 *
 * <p>Records decoded from datagrams are gathered per source thread into batches of up to
 * {@link Config#batchRecords()} records, handed to the workers when full and at the latest after
 * {@link Config#flushMillis()}: one queue hand-off and one wake-up per consumer for many datagrams
 * instead of one per datagram, which is what the fan-out costs most at high rates.
 */
@Component(service = {FlowPipeline.class, ConfigurationCheck.class}, configurationPid = "flowlens.pipeline", immediate = true,
        property = ConfigurationCheck.PID + "=flowlens.pipeline")
@Designate(ocd = Pipeline.Config.class)
public class Pipeline implements FlowPipeline, ConfigurationCheck {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    @ObjectClassDefinition(name = "Flowlens pipeline", description = "Queues, workers and fan-out between capture sources and consumers. Changes apply live without losing queued records.")
    public @interface Config {
        @AttributeDefinition(name = "Workers", description = "Threads that enrich batches and hand them to consumers (1-64).")
        int workers() default 2;

        @AttributeDefinition(name = "Queue size", description = "Batches waiting for a worker before new ones are dropped and counted as queue_full (1-1000000).")
        int queueSize() default 4096;

        @AttributeDefinition(name = "Consumer queue size", description = "Batches waiting for each consumer before that consumer loses batches, counted per consumer (1-1000000). A consumer's flowlens.consumer.queue service property overrides it.")
        int consumerQueueSize() default 1024;

        @AttributeDefinition(name = "Consumer queue records", description = "Records waiting for each consumer, whatever the number of batches, before that"
                + " consumer loses batches (1000-100000000): what bounds the memory a slow consumer holds. Records waiting for"
                + " consumers are what the garbage collector copies at each young collection, during which no receiver reads"
                + " its socket: a larger budget makes those pauses longer when consumers fall behind.")
        int consumerQueueRecords() default 16_384;

        @AttributeDefinition(name = "Exporter limit", description = "Exporters tracked with counters of their own; traffic from more is counted under exporter=\"other\" (1-100000).")
        int exporterLimit() default 10_000;

        @AttributeDefinition(name = "Batch size (records)", description = "Records decoded from datagrams are gathered per receiving thread into batches of up to this many before they go to the workers (1-100000; 1: one batch per datagram).")
        int batchRecords() default 1024;

        @AttributeDefinition(name = "Flush interval (ms)", description = "A batch that is not full goes to the workers after at most this long (1-1000).")
        int flushMillis() default 5;

        @AttributeDefinition(name = "Consumer priority (nice)", description = "On Linux, consumer threads run at this nice value (0-19; 0: the"
                + " same priority as the rest). When the machine is saturated, consumers then lose batches, counted per consumer, before the"
                + " UDP receivers lose datagrams in the kernel. Lowering it again at run time needs CAP_SYS_NICE.")
        int consumerNice() default 10;

        @AttributeDefinition(name = "Receiver priority (nice)", description = "On Linux, threads that hand datagrams to the pipeline (the UDP"
                + " listeners' receivers) run at this nice value (-20-0; 0: the same priority as the rest), ahead of every other thread of"
                + " the process, so that a busy machine does not make the kernel drop datagrams while other threads run. A negative value"
                + " needs CAP_SYS_NICE or an RLIMIT_NICE that allows it (systemd: LimitNICE=-10); without either the receivers keep the"
                + " process's priority, which is logged once.")
        int receiverNice() default -10;

        @AttributeDefinition(name = "Enricher timeout (ms)", description = "An enricher call that takes longer than this marks the enricher as"
                + " stalled: its worker is replaced, and records go on without that enricher (counted per enricher) until the call"
                + " returns (10-60000).")
        int enricherTimeoutMillis() default 1000;
    }

    private record DecoderEntry(FlowDecoder decoder, String format, int[] versions, int ranking, long serviceId) {}

    /** The batch a source thread is filling; guarded by its own monitor (the flusher takes it too). */
    private static final class Pending {
        final Thread owner = Thread.currentThread();
        /** The owner's kernel thread id (-1 where unknown). */
        final long tid = Niceness.currentThreadId();
        /** The receiver nice value last applied, or tried, by the flusher; only the flusher uses it. */
        int nice;
        FlowBatch batch;

        Pending(int capacity) {
            batch = new FlowBatch(capacity);
        }

        /** Takes the batch if it has records, leaving an empty one; null when empty. */
        synchronized FlowBatch take(int capacity) {
            if (batch.isEmpty()) {
                return null;
            }
            FlowBatch b = batch;
            batch = new FlowBatch(capacity);
            return b;
        }
    }

    private final List<Pending> pendings = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Pending> pending = new ThreadLocal<>();
    private volatile Thread flusher;
    /** The receiver nice value a failure was last logged for (once per value). */
    private int niceFailureLogged;

    private final Map<Integer, DecoderEntry> decoders = new ConcurrentHashMap<>();
    private final List<DecoderEntry> decoderList = new CopyOnWriteArrayList<>();
    private volatile GuardedEnricher[] enrichers = new GuardedEnricher[0];
    private final List<EnricherEntry> enricherList = new ArrayList<>();
    private final List<ConsumerChannel> channels = new CopyOnWriteArrayList<>();
    /**
     * What a worker hands each batch to: the channels, and the absence counters of the consumers
     * that were there and left (stopped, being updated or uninstalled). A batch goes through one
     * snapshot, so each record counts exactly once per consumer: queued for it, dropped by its
     * channel, or missed while it was away.
     */
    private record Fanout(ConsumerChannel[] channels, Counter[] absent) {}

    private volatile Fanout fanout = new Fanout(new ConsumerChannel[0], new Counter[0]);
    /** Consumers that left, by name, oldest first; guarded by {@link #fanoutLock}. */
    private final Map<String, Counter> away = new java.util.LinkedHashMap<>();
    private final Object fanoutLock = new Object();
    /** Consumers remembered while away; one that stays away longer than this many others leave is forgotten. */
    private static final int AWAY_LIMIT = 256;
    private final Map<String, ListenerCounters> listeners = new ConcurrentHashMap<>();

    private record EnricherEntry(GuardedEnricher enricher, int ranking, long serviceId) {}

    private final Metrics metrics;
    private volatile Config config;
    private volatile Stage stage;
    private int generation;
    private long startMillis;
    private final Counter received;
    private final Counter dropQueueFull;
    private final Counter dropStopped;
    private final Counter delivered;
    private final Counter deliveredBytes;
    private final Counter deliveredPackets;
    private final org.flowlens.api.metrics.Histogram processingSeconds;
    private final Counter processedBatches;
    private final Counter enricherErrors;

    /** Constructor injection: the metrics registry and configuration exist before any service is bound. */
    @Activate
    public Pipeline(@Reference Metrics metrics, Config config) {
        this.metrics = metrics;
        this.config = valid(config) ? config : Configs.defaults(Config.class);
        startMillis = System.currentTimeMillis();
        received = metrics.counter("flowlens_pipeline_received_records_total", "Records submitted to the pipeline");
        dropQueueFull = metrics.counter("flowlens_pipeline_dropped_records_total", "Records the pipeline dropped, by reason", "reason", "queue_full");
        dropStopped = metrics.counter("flowlens_pipeline_dropped_records_total", "Records the pipeline dropped, by reason", "reason", "stopping");
        delivered = metrics.counter("flowlens_pipeline_delivered_records_total", "Records handed to consumers");
        deliveredBytes = metrics.counter("flowlens_pipeline_delivered_bytes_total", "Bytes of the records handed to consumers");
        deliveredPackets = metrics.counter("flowlens_pipeline_delivered_packets_total", "Packets of the records handed to consumers");
        processingSeconds = metrics.histogram("flowlens_pipeline_processing_duration_seconds", "Time a worker spent on one batch: enrichment and hand-off to consumers",
                new double[] {0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1});
        processedBatches = metrics.counter("flowlens_pipeline_processed_batches_total", "Batches the workers processed");
        enricherErrors = metrics.counter("flowlens_pipeline_enricher_errors_total", "Batches an enricher failed on (the batch goes on unenriched by it)");
        metrics.gauge("flowlens_pipeline_queue_length", "Batches waiting for a worker", () -> stage == null ? 0 : stage.length());
        metrics.gauge("flowlens_pipeline_queue_capacity", "Batches the queue holds", () -> stage == null ? 0 : stage.capacity());
        stage = new Stage(this.config.workers(), this.config.queueSize(), this::process, generation++);
        Thread f = new Thread(this::flushLoop, "flowlens-pipeline-flusher");
        f.setDaemon(true);
        flusher = f;
        f.start();
        LOG.info("Pipeline started: {} workers, queue of {} batches, batches of up to {} records flushed every {} ms", this.config.workers(),
                this.config.queueSize(), this.config.batchRecords(), this.config.flushMillis());
    }

    @Modified
    synchronized void modified(Config next) {
        if (!valid(next)) {
            return;
        }
        Config prev = config;
        config = next;
        if (prev.consumerNice() != next.consumerNice()) {
            for (ConsumerChannel c : channels) {
                if (!c.nice(next.consumerNice())) {
                    LOG.warn("Consumer {}: nice {} not applied (lowering it needs CAP_SYS_NICE; Linux only)", c.name(), next.consumerNice());
                }
            }
        }
        if (prev.workers() != next.workers() || prev.queueSize() != next.queueSize()) {
            Stage old = stage;
            Stage fresh = new Stage(next.workers(), next.queueSize(), this::process, generation++);
            stage = fresh;
            for (FlowBatch b : old.close()) {
                if (fresh.offer(b) != 1) {
                    dropQueueFull.add(b.size());
                }
            }
            LOG.info("Pipeline reconfigured live: {} workers, queue of {} batches", next.workers(), next.queueSize());
        }
    }

    @Deactivate
    synchronized void deactivate() {
        Thread f = flusher;
        flusher = null;
        if (f != null) {
            f.interrupt();
            try {
                f.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        flushAll();
        Stage old = stage;
        stage = null;
        if (old != null) {
            for (FlowBatch b : old.close()) {
                process(b);
            }
        }
        for (ConsumerChannel c : channels) {
            c.close(2_000);
        }
        synchronized (fanoutLock) {
            channels.clear();
            away.clear();
            rebuildFanout();
        }
        metrics.remove("flowlens_pipeline_queue_length");
        metrics.remove("flowlens_pipeline_queue_capacity");
    }

    /** What is wrong with a configuration, null when nothing is. */
    static String problem(Config c) {
        String problem = null;
        if (c.workers() < 1 || c.workers() > 64) {
            problem = "workers must be 1-64, got " + c.workers();
        } else if (c.queueSize() < 1 || c.queueSize() > 1_000_000) {
            problem = "queueSize must be 1-1000000, got " + c.queueSize();
        } else if (c.consumerQueueSize() < 1 || c.consumerQueueSize() > 1_000_000) {
            problem = "consumerQueueSize must be 1-1000000, got " + c.consumerQueueSize();
        } else if (c.exporterLimit() < 1 || c.exporterLimit() > 100_000) {
            problem = "exporterLimit must be 1-100000, got " + c.exporterLimit();
        } else if (c.batchRecords() < 1 || c.batchRecords() > 100_000) {
            problem = "batchRecords must be 1-100000, got " + c.batchRecords();
        } else if (c.flushMillis() < 1 || c.flushMillis() > 1000) {
            problem = "flushMillis must be 1-1000, got " + c.flushMillis();
        } else if (c.consumerQueueRecords() < 1000 || c.consumerQueueRecords() > 100_000_000) {
            problem = "consumerQueueRecords must be 1000-100000000, got " + c.consumerQueueRecords();
        } else if (c.consumerNice() < 0 || c.consumerNice() > 19) {
            problem = "consumerNice must be 0-19, got " + c.consumerNice();
        } else if (c.receiverNice() < -20 || c.receiverNice() > 0) {
            problem = "receiverNice must be -20-0, got " + c.receiverNice();
        } else if (c.enricherTimeoutMillis() < 10 || c.enricherTimeoutMillis() > 60_000) {
            problem = "enricherTimeoutMillis must be 10-60000, got " + c.enricherTimeoutMillis();
        }
        return problem;
    }

    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return problem(Configs.of(Config.class, properties));
    }

    private static boolean valid(Config c) {
        String problem = problem(c);
        if (problem != null) {
            LOG.error("Refused pipeline configuration: {}; keeping the last good one", problem);
            return false;
        }
        return true;
    }

    // ---- sources --------------------------------------------------------------------------

    @Override
    public boolean submit(FlowBatch batch, String source) {
        int n = batch.size();
        if (n == 0) {
            return true;
        }
        received.add(n);
        for (int attempt = 0; attempt < 3; attempt++) {
            Stage s = stage;
            if (s == null) {
                break;
            }
            int r = s.offer(batch);
            if (r == 1) {
                return true;
            }
            if (r == 0) {
                dropQueueFull.add(n);
                return false;
            }
        }
        dropStopped.add(n);
        return false;
    }

    @Override
    public int decode(ByteBuffer datagram, InetSocketAddress exporter, long receivedMillis, String listener) {
        ExporterCounters counters = listenerCounters(listener).exporter(exporter.getAddress());
        counters.datagrams.increment();
        counters.bytes.add(datagram.remaining());
        int version = WireVersion.of(datagram);
        DecoderEntry entry = decoders.get(version);
        if (entry == null) {
            listenerCounters(listener).undecodable(version).increment();
            return 0;
        }
        Pending p = pending();
        int limit = config.batchRecords();
        DatagramContext ctx = new DatagramContext(exporter, receivedMillis, listener, counters);
        FlowBatch full = null;
        int n;
        synchronized (p) {
            FlowBatch batch = p.batch;
            int before = batch.size();
            try {
                entry.decoder().decode(datagram.slice(), ctx, batch);
            } catch (RuntimeException | StackOverflowError e) {
                while (batch.size() > before) {
                    batch.dropLast(); // what the failed datagram had appended
                }
                counters.drop("decoder_error").increment();
                LOG.debug("Decoder {} threw on a datagram from {}", entry.format(), exporter, e);
                return 0;
            }
            n = batch.size() - before;
            if (batch.size() >= limit) {
                full = batch;
                p.batch = new FlowBatch(batchCapacity(limit));
            }
        }
        if (n > 0) {
            counters.records.add(n);
        }
        if (full != null) {
            submit(full, listener);
        }
        return n;
    }

    /** The calling thread's pending batch, created (and made known to the flusher) on first use. */
    private Pending pending() {
        Pending p = pending.get();
        if (p == null) {
            p = new Pending(batchCapacity(config.batchRecords()));
            pending.set(p);
            pendings.add(p);
        }
        return p;
    }

    /** Room for a full batch and the records of the datagram that fills it, without growing. */
    private static int batchCapacity(int limit) {
        return Math.min(limit, 100_000) + 64;
    }

    /** Hands every thread's pending records to the workers every flushMillis; forgets threads that ended. */
    private void flushLoop() {
        while (flusher == Thread.currentThread()) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(config.flushMillis()));
            if (Thread.interrupted() && flusher != Thread.currentThread()) {
                break;
            }
            prioritizeReceivers();
            flushAll();
            watchEnrichers();
        }
    }

    /**
     * Gives every thread that decodes datagrams through the pipeline the configured receiver nice
     * value, once per thread and again when the value changes. The flusher does it rather than
     * the receiver itself, so that starting renice never delays a receiver, and so that the
     * processes and helper threads it takes are not created at the receiver's priority.
     */
    private void prioritizeReceivers() {
        int wanted = config.receiverNice();
        for (Pending p : pendings) {
            if (p.nice == wanted || p.tid <= 0 || !p.owner.isAlive()) {
                continue;
            }
            p.nice = wanted;
            if (Niceness.set(p.tid, wanted)) {
                LOG.debug("Receiver thread {} runs at nice {}", p.owner.getName(), wanted);
            } else if (niceFailureLogged != wanted) {
                niceFailureLogged = wanted;
                LOG.info("Receiver threads could not be set to nice {} and keep the process's priority: a negative nice value needs"
                        + " CAP_SYS_NICE or an RLIMIT_NICE that allows it (systemd: LimitNICE={}); Linux only", wanted, wanted);
            }
        }
    }

    /** The nice value of a thread that decodes datagrams through the pipeline, or null when unknown (for tests). */
    Integer receiverNice(Thread receiver) {
        for (Pending p : pendings) {
            if (p.owner == receiver) {
                return Niceness.get(p.tid);
            }
        }
        return null;
    }

    /** Replaces the workers stuck in an enricher call for longer than the enricher timeout (see {@link GuardedEnricher}). */
    private void watchEnrichers() {
        long now = System.nanoTime();
        long timeout = TimeUnit.MILLISECONDS.toNanos(config.enricherTimeoutMillis());
        Stage s = stage;
        for (GuardedEnricher g : enrichers) {
            for (Thread stuck : g.stuckSince(now, timeout)) {
                s.replace(stuck);
            }
        }
    }

    private void flushAll() {
        int capacity = batchCapacity(config.batchRecords());
        for (Pending p : pendings) {
            FlowBatch b = p.take(capacity);
            if (b != null) {
                submit(b, "flush");
            }
            if (!p.owner.isAlive()) {
                pendings.remove(p);
                FlowBatch rest = p.take(capacity);
                if (rest != null) {
                    submit(rest, "flush");
                }
            }
        }
    }

    @Override
    public Totals delivered() {
        return new Totals(delivered.get(), deliveredBytes.get(), deliveredPackets.get(), startMillis, System.currentTimeMillis());
    }

    private ListenerCounters listenerCounters(String listener) {
        return listeners.computeIfAbsent(listener, l -> new ListenerCounters(l, metrics, config.exporterLimit()));
    }

    // ---- workers --------------------------------------------------------------------------

    private void process(FlowBatch batch) {
        long t0 = System.nanoTime();
        for (GuardedEnricher e : enrichers) {
            e.enrich(batch);
        }
        long bytes = 0, packets = 0;
        for (int i = 0, n = batch.size(); i < n; i++) {
            FlowRecord r = batch.get(i);
            bytes += r.bytes();
            packets += r.packets();
        }
        // counted before the hand-off, so that no consumer has seen records the totals do not show yet
        delivered.add(batch.size());
        deliveredBytes.add(bytes);
        deliveredPackets.add(packets);
        Fanout f = fanout;
        for (ConsumerChannel c : f.channels()) {
            c.offer(batch);
        }
        for (Counter absent : f.absent()) {
            absent.add(batch.size());
        }
        processedBatches.increment();
        processingSeconds.observe((System.nanoTime() - t0) / 1e9);
    }

    // ---- whiteboard -----------------------------------------------------------------------

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addDecoder(FlowDecoder decoder, Map<String, Object> props) {
        int[] versions = ints(props.get(FlowDecoder.VERSIONS));
        String format = String.valueOf(props.getOrDefault(FlowDecoder.FORMAT, decoder.getClass().getName()));
        DecoderEntry entry = new DecoderEntry(decoder, format, versions, ranking(props), serviceId(props));
        decoderList.add(entry);
        rebuildDecoders();
        LOG.info("Decoder {} added for wire versions {}", format, java.util.Arrays.toString(versions));
    }

    void removeDecoder(FlowDecoder decoder, Map<String, Object> props) {
        decoderList.removeIf(e -> e.serviceId() == serviceId(props));
        rebuildDecoders();
        LOG.info("Decoder {} removed; its datagrams are now counted as undecodable", props.get(FlowDecoder.FORMAT));
    }

    private synchronized void rebuildDecoders() {
        List<DecoderEntry> sorted = new ArrayList<>(decoderList);
        // lowest ranking first so that the highest ranking wins each version
        sorted.sort(Comparator.comparingInt(DecoderEntry::ranking).thenComparing(Comparator.comparingLong(DecoderEntry::serviceId).reversed()));
        Map<Integer, DecoderEntry> next = new java.util.HashMap<>();
        for (DecoderEntry e : sorted) {
            for (int v : e.versions()) {
                next.put(v, e);
            }
        }
        decoders.keySet().retainAll(next.keySet());
        decoders.putAll(next);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    synchronized void addEnricher(FlowEnricher enricher, Map<String, Object> props) {
        Object n = props.get("component.name");
        String name = n != null ? n.toString() : enricher.getClass().getName();
        enricherList.add(new EnricherEntry(new GuardedEnricher(enricher, name, metrics, enricherErrors), ranking(props), serviceId(props)));
        rebuildEnrichers();
    }

    synchronized void removeEnricher(FlowEnricher enricher, Map<String, Object> props) {
        enricherList.removeIf(e -> e.serviceId() == serviceId(props));
        rebuildEnrichers();
    }

    private void rebuildEnrichers() {
        List<EnricherEntry> sorted = new ArrayList<>(enricherList);
        sorted.sort(Comparator.comparingInt(EnricherEntry::ranking).reversed().thenComparingLong(EnricherEntry::serviceId));
        enrichers = sorted.stream().map(EnricherEntry::enricher).toArray(GuardedEnricher[]::new);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addConsumer(FlowConsumer consumer, Map<String, Object> props) {
        Object n = props.get(FlowConsumer.NAME);
        String name = n != null ? n.toString() : consumer.getClass().getSimpleName() + "-" + serviceId(props);
        Object q = props.get(FlowConsumer.QUEUE);
        Config c = config != null ? config : Configs.defaults(Config.class);
        int capacity = q instanceof Number num ? num.intValue() : q != null ? Integer.parseInt(q.toString().trim()) : c.consumerQueueSize();
        ConsumerChannel channel = new ConsumerChannel(consumer, name, capacity, c.consumerQueueRecords(), metrics, c.consumerNice());
        boolean back;
        synchronized (fanoutLock) {
            back = away.remove(name) != null;
            channels.add(channel);
            rebuildFanout();
        }
        LOG.info("Consumer {} {}", name, back ? "is back" : "added");
    }

    void removeConsumer(FlowConsumer consumer, Map<String, Object> props) {
        List<ConsumerChannel> gone = new ArrayList<>();
        synchronized (fanoutLock) {
            for (ConsumerChannel c : channels) {
                if (c.consumer() == consumer) {
                    channels.remove(c);
                    gone.add(c);
                    // only named consumers come back under the same name; a name another channel still serves is not away
                    if (props.get(FlowConsumer.NAME) == null || channels.stream().anyMatch(o -> o.name().equals(c.name()))) {
                        continue;
                    }
                    if (away.size() >= AWAY_LIMIT) {
                        away.remove(away.keySet().iterator().next());
                    }
                    away.put(c.name(), metrics.counter("flowlens_consumer_absent_records_total",
                            "Records handed out while a consumer that was there was away (stopped, being updated, uninstalled)", "consumer", c.name()));
                }
            }
            rebuildFanout();
        }
        for (ConsumerChannel c : gone) {
            c.close(2_000);
            // closing removed the name's queue gauge: a channel that serves the name now takes it back
            channels.stream().filter(o -> o.name().equals(c.name())).findFirst().ifPresent(ConsumerChannel::publishQueueLength);
            LOG.info("Consumer {} removed; records it misses while away are counted in flowlens_consumer_absent_records_total", c.name());
        }
    }

    /** Publishes the channels and absence counters as one snapshot; called under {@link #fanoutLock}. */
    private void rebuildFanout() {
        fanout = new Fanout(channels.toArray(new ConsumerChannel[0]), away.values().toArray(new Counter[0]));
    }

    /** The kernel ids of the consumer threads (-1 where unknown), in the order consumers were added. */
    List<Long> consumerThreadIds() {
        List<Long> ids = new ArrayList<>();
        channels.forEach(c -> ids.add(c.threadId()));
        return ids;
    }

    List<String> consumerNames() {
        List<String> names = new ArrayList<>();
        channels.forEach(c -> names.add(c.name()));
        return Collections.unmodifiableList(names);
    }

    private static int ranking(Map<String, Object> props) {
        return props.get(Constants.SERVICE_RANKING) instanceof Integer i ? i : 0;
    }

    private static long serviceId(Map<String, Object> props) {
        return props.get(Constants.SERVICE_ID) instanceof Long l ? l : 0L;
    }

    static int[] ints(Object v) {
        if (v == null) {
            return new int[0];
        }
        if (v instanceof int[] a) {
            return a;
        }
        if (v instanceof Integer[] a) {
            return java.util.Arrays.stream(a).mapToInt(Integer::intValue).toArray();
        }
        if (v instanceof Number n) {
            return new int[] {n.intValue()};
        }
        if (v instanceof Object[] a) {
            return java.util.Arrays.stream(a).mapToInt(o -> Integer.parseInt(o.toString().trim())).toArray();
        }
        if (v instanceof java.util.Collection<?> c) {
            return c.stream().mapToInt(o -> Integer.parseInt(o.toString().trim())).toArray();
        }
        return java.util.Arrays.stream(v.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    /** Counters of one listener and the exporters it hears from. */
    static final class ListenerCounters {
        private final String listener;
        private final Metrics metrics;
        private final int exporterLimit;
        private final Map<InetAddress, ExporterCounters> exporters = new ConcurrentHashMap<>();
        private final Map<Integer, Counter> undecodable = new ConcurrentHashMap<>();
        private volatile ExporterCounters other;

        ListenerCounters(String listener, Metrics metrics, int exporterLimit) {
            this.listener = listener;
            this.metrics = metrics;
            this.exporterLimit = exporterLimit;
        }

        ExporterCounters exporter(InetAddress address) {
            ExporterCounters c = exporters.get(address);
            if (c != null) {
                return c;
            }
            if (exporters.size() >= exporterLimit) {
                ExporterCounters o = other;
                if (o == null) {
                    o = other = new ExporterCounters(listener, "other", metrics);
                }
                return o;
            }
            return exporters.computeIfAbsent(address, a -> new ExporterCounters(listener, a.getHostAddress(), metrics));
        }

        Counter undecodable(int version) {
            return undecodable.computeIfAbsent(version, v -> metrics.counter("flowlens_collector_undecodable_datagrams_total",
                    "Datagrams no decoder claimed, by the version they announced", "listener", listener, "version", WireVersion.label(v)));
        }
    }
}
