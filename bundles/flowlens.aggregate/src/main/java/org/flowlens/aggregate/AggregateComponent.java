package org.flowlens.aggregate;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.pipeline.FlowConsumer;
import org.flowlens.api.query.AggregateStatus;
import org.flowlens.api.query.Counters;
import org.flowlens.api.query.DistinctTop;
import org.flowlens.api.query.FlowQueryService;
import org.flowlens.api.query.HostDetail;
import org.flowlens.api.query.HostTop;
import org.flowlens.api.query.Metric;
import org.flowlens.api.query.PortTop;
import org.flowlens.api.query.TopN;
import org.flowlens.api.query.Totals;
import org.flowlens.api.query.Trend;
import org.flowlens.api.query.WindowTotals;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator as a service: a flow consumer the pipeline feeds on a thread of its own, and the
 * query service the console, the REST API, the Prometheus exporter and detectors share.
 */
@Component(service = {FlowConsumer.class, FlowQueryService.class, ConfigurationCheck.class}, configurationPid = AggregateComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {FlowConsumer.NAME + "=aggregate", ConfigurationCheck.PID + "=" + AggregateComponent.PID})
@Designate(ocd = AggregateComponent.Config.class)
public class AggregateComponent implements FlowConsumer, FlowQueryService, ConfigurationCheck {
    static final String PID = "org.flowlens.aggregate";
    private static final Logger LOG = LoggerFactory.getLogger(AggregateComponent.class);

    @ObjectClassDefinition(name = "Flowlens aggregation",
            description = "Sliding windows, group-by dimensions and bounded top-N summaries that the console, "
                    + "the REST API, the Prometheus exporter and detectors query.")
    public @interface Config {
        @AttributeDefinition(name = "Windows", description = "Sliding windows as durations: 30s, 1m, 5m, 15m, 1h, 1d.")
        String[] windows() default {"1m", "5m", "15m", "1h"};

        @AttributeDefinition(name = "Bucket size", description = "Time bucket the windows slide by, e.g. 5s. "
                + "Smaller buckets make window edges sharper and cost memory.")
        String bucket() default "5s";

        @AttributeDefinition(name = "Dimensions", description = "What to group by: a field, or fields joined by +, "
                + "e.g. src_addr, dst_port+protocol, src_addr+dst_port. Fields: src_addr dst_addr src_port dst_port "
                + "service_port protocol exporter in_if out_if in_if_name out_if_name direction vlan tcp_flags "
                + "src_country dst_country src_asn dst_asn src_as_name dst_as_name src_domain dst_domain; session "
                + "stands for the 5-tuple. Changes apply live.")
        String[] dimensions() default {"session", "src_addr", "dst_addr", "dst_port+protocol", "protocol", "src_country",
            "dst_country", "src_asn+src_as_name", "dst_asn+dst_as_name", "dst_domain", "exporter", "exporter+in_if",
            "exporter+out_if"};

        @AttributeDefinition(name = "Top-N size", description = "The most groups any answer lists.")
        int topN() default 100;

        @AttributeDefinition(name = "Memory budget (MB)", description = "Memory all aggregates together may hold; "
                + "summaries hold as many keys as fits and report their error bound.")
        int memoryBudgetMb() default 256;

        @AttributeDefinition(name = "Refresh interval", description = "How often windows are recomputed, at most the bucket size.")
        String refresh() default "5s";

        @AttributeDefinition(name = "Time source", description = "Which time puts a record in a bucket.", options = {
            @Option(value = "received", label = "Receive time (collector clock)"),
            @Option(value = "end", label = "Flow end time (exporter clock)"),
            @Option(value = "arrival", label = "Arrival at the aggregator (e.g. for replayed files)")})
        String timeSource() default "received";

        @AttributeDefinition(name = "Lateness", description = "Records stamped up to this long before the current "
                + "bucket count in it; older ones are left out of the windows.")
        String lateness() default "60s";

        @AttributeDefinition(name = "Trend retention", description = "How far back the throughput trend goes.")
        String trendRetention() default "6h";

        @AttributeDefinition(name = "Checkpoint interval", description = "How often the aggregates are also saved while "
                + "running (at least 1s), so that after a crash Flowlens goes on from at most this long ago; 0 for "
                + "never (they are still saved whenever the component stops).")
        String checkpoint() default "5m";
    }

    private volatile Aggregator aggregator;
    private ScheduledExecutorService timer;
    private ExecutorService windowPool;
    private ScheduledFuture<?> task;
    private long refreshMillis;
    private ScheduledFuture<?> checkpointTask;
    private long checkpointMillis;

    /** Whether {@link #modified} would take these properties. */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return ConfigurationCheck.problem(() -> {
            Config c = Configs.of(Config.class, properties);
            settings(c);
            checkpointMillis(c);
        });
    }

    /** The checkpoint interval in milliseconds, 0 for none. */
    static long checkpointMillis(Config c) {
        String text = c.checkpoint() == null ? "" : c.checkpoint().trim();
        if (text.equals("0")) {
            return 0;
        }
        long millis = Settings.millis("checkpoint", text);
        if (millis < 1000) {
            throw new IllegalArgumentException("checkpoint must be at least 1s, or 0 for never: " + text);
        }
        return millis;
    }

    static Settings settings(Config c) {
        return new Settings(List.of(c.windows()), c.bucket(), List.of(c.dimensions()), c.topN(), c.memoryBudgetMb(),
                c.refresh(), c.timeSource(), c.lateness(), c.trendRetention());
    }

    /** The bundle's file the aggregates wait in while the component is away (an update, a restart); null without one. */
    private Path savedState;

    @Activate
    void activate(Config config, BundleContext context) {
        start(config, context == null ? null : context.getDataFile("aggregates.bin").toPath());
    }

    /** Starts, going on from the aggregates saved in {@code saved} when it holds some. */
    void start(Config config, Path saved) {
        savedState = saved;
        Settings s;
        long checkpoint;
        try {
            s = settings(config);
            checkpoint = checkpointMillis(config);
        } catch (IllegalArgumentException e) {
            LOG.error("Aggregation configuration refused, using the defaults: {}", e.getMessage());
            s = Settings.defaults();
            checkpoint = checkpointMillis(Configs.defaults(Config.class));
        }
        AtomicInteger n = new AtomicInteger();
        windowPool = Executors.newFixedThreadPool(Math.max(1, Math.min(s.windows.size(),
                Runtime.getRuntime().availableProcessors())), r -> {
                    Thread t = new Thread(r, "flowlens-aggregate-window-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flowlens-aggregate-refresh");
            t.setDaemon(true);
            return t;
        });
        Aggregator restored = restore(s);
        aggregator = restored != null ? restored : new Aggregator(s, System::currentTimeMillis, windowPool);
        schedule(s.refreshMillis);
        scheduleCheckpoints(checkpoint);
        LOG.info("Aggregation started: {}", s);
    }

    /**
     * The aggregator as last saved (by the previous instance when it stopped, or by a checkpoint
     * before a crash), or null. The file stays until the next save replaces it; a damaged one is
     * removed.
     */
    private Aggregator restore(Settings s) {
        Path file = savedState;
        if (file == null || !Files.isRegularFile(file)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            Aggregator a = Aggregator.restore(s, System::currentTimeMillis, windowPool, in);
            LOG.info("Aggregates restored as saved at {}: {} flows counted since {}",
                    Instant.ofEpochMilli(a.restoredFromMillis()), a.totals().flows(), Instant.ofEpochMilli(a.totals().sinceMillis()));
            return a;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Saved aggregates in {} not restored, starting afresh: {}", file, e.toString());
            try {
                Files.deleteIfExists(file);
            } catch (IOException d) {
                LOG.warn("Could not remove {}: {}", file, d.toString());
            }
            return null;
        }
    }

    /**
     * Saves the aggregates for the next instance: the windows then survive an update of this bundle,
     * a restart and, as of the last checkpoint, a crash.
     *
     * @param why "for the next start" or "as a checkpoint", for the log
     */
    private void save(String why) {
        Path file = savedState;
        if (file == null) {
            return;
        }
        long t0 = System.nanoTime();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
                aggregator.save(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("Aggregates saved {}: {} bytes in {} ms", why, Files.size(file), (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not save the aggregates {} to {}: {}", why, file, e.toString());
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException d) {
                LOG.warn("Could not remove {}: {}", tmp, d.toString());
            }
        }
    }

    /** Saves the aggregates every {@code millis} (none for 0), on the refresh thread. */
    private synchronized void scheduleCheckpoints(long millis) {
        if (checkpointTask != null) {
            checkpointTask.cancel(false);
            checkpointTask = null;
        }
        checkpointMillis = millis;
        if (millis > 0) {
            checkpointTask = timer.scheduleWithFixedDelay(() -> save("as a checkpoint"), millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    @Modified
    void modified(Config config) {
        Settings s;
        long checkpoint;
        try {
            s = settings(config);
            checkpoint = checkpointMillis(config);
        } catch (IllegalArgumentException e) {
            LOG.error("Aggregation configuration refused, keeping the last good one ({}): {}", aggregator.settings(),
                    e.getMessage());
            return;
        }
        aggregator.reconfigure(s);
        if (s.refreshMillis != refreshMillis) {
            schedule(s.refreshMillis);
        }
        if (checkpoint != checkpointMillis) {
            scheduleCheckpoints(checkpoint);
        }
        LOG.info("Aggregation reconfigured: {}", s);
    }

    private synchronized void schedule(long millis) {
        if (task != null) {
            task.cancel(false);
        }
        refreshMillis = millis;
        task = timer.scheduleWithFixedDelay(this::refresh, millis, millis, TimeUnit.MILLISECONDS);
    }

    private void refresh() {
        try {
            aggregator.refresh();
        } catch (RuntimeException | Error e) {
            LOG.error("Aggregation refresh failed", e);
        }
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
        try {
            // a checkpoint being written finishes (or gives up) before the last save takes the file
            if (!timer.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("The aggregation refresh thread did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        save("for the next start");
        windowPool.shutdownNow();
    }

    @Override
    public void accept(FlowBatch batch) {
        aggregator.accept(batch);
    }

    @Override
    public Totals totals() {
        return aggregator.totals();
    }

    @Override
    public List<Duration> windows() {
        return aggregator.windows();
    }

    @Override
    public List<String> dimensions() {
        return aggregator.dimensions();
    }

    @Override
    public int topN() {
        return aggregator.topN();
    }

    @Override
    public AggregateStatus status() {
        return aggregator.status();
    }

    @Override
    public WindowTotals window(Duration window) {
        return aggregator.window(window);
    }

    @Override
    public TopN top(Duration window, String dimension, Metric order, int limit) {
        return aggregator.top(window, dimension, order, limit);
    }

    @Override
    public Counters counters(String dimension, int limit) {
        return aggregator.counters(dimension, limit);
    }

    @Override
    public HostTop hosts(Duration window, Metric order, int limit) {
        return aggregator.hosts(window, order, limit);
    }

    @Override
    public PortTop ports(Duration window, int limit) {
        return aggregator.ports(window, limit);
    }

    @Override
    public HostDetail host(Duration window, String address, int limit) {
        return aggregator.host(window, address, limit);
    }

    @Override
    public Trend trend(Duration span, Duration step, int protocols) {
        return aggregator.trend(span, step, protocols);
    }

    @Override
    public DistinctTop distinctBySource(Duration window, DistinctTop.By order, int limit) {
        return aggregator.distinctBySource(window, order, limit);
    }
}
