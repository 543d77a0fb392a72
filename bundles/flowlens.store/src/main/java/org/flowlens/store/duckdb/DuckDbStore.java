package org.flowlens.store.duckdb;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.LongSupplier;

import org.flowlens.api.alert.AlertTopics;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowConsumer;
import org.flowlens.api.store.FlowStore;
import org.flowlens.store.sql.SqlEngine;
import org.flowlens.store.sql.SqlFlowStore;
import org.flowlens.store.sql.StoreException;
import org.flowlens.store.sql.StoreComponent;
import org.flowlens.store.sql.StoreSettings;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded flow store: every enriched batch the pipeline delivers is written to a DuckDB
 * file, and the web API searches and summarises it through {@link FlowStore}. On by default
 * through {@code config/flowlens.store.cfg}; deleting that file turns it off. It also keeps the
 * alert history from the alert events on Event Admin.
 */
@Component(service = {FlowConsumer.class, FlowStore.class, EventHandler.class, ConfigurationCheck.class}, configurationPid = DuckDbStore.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {FlowConsumer.NAME + "=store", FlowStore.ENGINE + "=duckdb", EventConstants.EVENT_TOPIC + "=" + AlertTopics.ALL,
            ConfigurationCheck.PID + "=" + DuckDbStore.PID})
@Designate(ocd = DuckDbStore.Config.class)
public class DuckDbStore extends StoreComponent {
    static final String PID = "flowlens.store";
    private static final Logger LOG = LoggerFactory.getLogger(DuckDbStore.class);
    private static final long CLOSE_WAIT_MILLIS = 30_000;

    @ObjectClassDefinition(name = "Flowlens flow store (DuckDB)",
            description = "Keeps raw flow records, per-minute rollups and the alert history in an embedded DuckDB "
                    + "file for log search and history. Records are written in batches off the pipeline; a crash loses at most the last flush "
                    + "interval. Changes apply live.")
    public @interface Config {
        @AttributeDefinition(name = "Database file", description = "The DuckDB file, relative to the working directory "
                + "unless absolute. Changing it switches to that file (created when missing); the old one is left as it is.")
        String path() default "data/store/flows.duckdb";

        @AttributeDefinition(name = "Flush interval", description = "How often queued records are committed to disk, "
                + "e.g. 500ms, 1s, 5s (50 ms to 60 s). A crash loses at most the records of the last interval.")
        String flushInterval() default "1s";

        @AttributeDefinition(name = "Queue size", description = "Records that may wait for the writer (1000-100000000; at most a quarter of the heap, about 300 bytes a record); "
                + "beyond it batches are dropped and counted in flowlens_store_dropped_records_total{reason=\"queue_full\"}.")
        int queueSize() default 1_000_000;

        @AttributeDefinition(name = "Raw retention (days)", description = "Whole UTC days of raw flow records kept "
                + "before today (1-3650); older ones are removed.")
        int rawRetentionDays() default 7;

        @AttributeDefinition(name = "Rollup retention (months)", description = "Whole UTC months of per-minute rollups "
                + "kept before this month (1-1200); they serve trends and top talkers beyond the raw retention. The alert "
                + "history is kept as long.")
        int rollupRetentionMonths() default 13;

        @AttributeDefinition(name = "Address filter", description = "Address blocks such as 10.0.0.0/8 or 2001:db8::/32: "
                + "when any is set, only records with a source or destination in one of them are stored. Empty stores everything.")
        String[] storeCidrs() default {};

        @AttributeDefinition(name = "Time source", description = "Which time a record is filed, searched and retained under.",
                options = {@Option(value = "received", label = "Receive time (collector clock)"),
                    @Option(value = "end", label = "Flow end time (exporter clock), receive time when absent")})
        String timeSource() default "received";

        @AttributeDefinition(name = "Memory limit (MB)", description = "The most memory DuckDB may use for queries and "
                + "writes (64-1048576); larger work spills to a temporary directory next to the file.")
        int memoryLimitMb() default 512;

        @AttributeDefinition(name = "Threads", description = "DuckDB worker threads for queries and writes (0 for one per core, at most 256).")
        int threads() default 0;
    }

    /** DuckDB's own settings, applied when the file is opened. */
    record EngineSettings(Path path, int memoryLimitMb, int threads) {
        static EngineSettings of(Config c) {
            if (c.path() == null || c.path().isBlank()) {
                throw new IllegalArgumentException("the database file path is empty");
            }
            if (c.memoryLimitMb() < 64 || c.memoryLimitMb() > 1_048_576) {
                throw new IllegalArgumentException("memory limit must be 64-1048576 MB, got " + c.memoryLimitMb());
            }
            if (c.threads() < 0 || c.threads() > 256) {
                throw new IllegalArgumentException("threads must be 0-256, got " + c.threads());
            }
            Path p;
            try {
                p = Path.of(c.path().trim()).toAbsolutePath().normalize();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("the database file path '" + c.path() + "' is not valid: " + e.getMessage());
            }
            return new EngineSettings(p, c.memoryLimitMb(), c.threads());
        }
    }

    private final LongSupplier clock;
    private final SqlFlowStore store;
    private EngineSettings engineSettings;

    @Activate
    public DuckDbStore(@Reference Metrics metrics, Config config) {
        this(metrics, config, System::currentTimeMillis);
    }

    /**
     * @param clock wall-clock time: record times without one, rollups and retention follow it
     * @throws IllegalArgumentException when the configuration is invalid
     * @throws StoreException when the file cannot be opened
     */
    DuckDbStore(Metrics metrics, Config config, LongSupplier clock) {
        this.clock = clock;
        StoreSettings settings;
        EngineSettings es;
        try {
            settings = settings(config);
            es = EngineSettings.of(config);
        } catch (IllegalArgumentException e) {
            LOG.error("Refused flow store configuration: {}", e.getMessage());
            throw e;
        }
        DuckDbEngine engine = DuckDbEngine.open(es.path(), es.memoryLimitMb(), es.threads(), clock.getAsLong());
        this.engineSettings = es;
        this.store = new SqlFlowStore("duckdb", engine, settings, metrics, clock);
        LOG.info("Flow store writing to {} ({})", es.path(), settings.describe());
    }

    @Override
    protected void check(Map<String, Object> properties) {
        Config c = Configs.of(Config.class, properties);
        settings(c);
        EngineSettings.of(c);
    }

    static StoreSettings settings(Config c) {
        return StoreSettings.parse(c.flushInterval(), c.queueSize(), c.rawRetentionDays(), c.rollupRetentionMonths(),
                c.storeCidrs(), c.timeSource());
    }

    @Modified
    synchronized void modified(Config config) {
        StoreSettings settings;
        EngineSettings es;
        try {
            settings = settings(config);
            es = EngineSettings.of(config);
        } catch (IllegalArgumentException e) {
            LOG.error("Refused flow store configuration: {}; keeping the last good one", e.getMessage());
            return;
        }
        if (!es.equals(engineSettings)) {
            try {
                if (es.path().equals(engineSettings.path())) {
                    // same file: DuckDB takes new memory and thread settings as they are
                    ((DuckDbEngine) store.engine()).applySettings(es.memoryLimitMb(), es.threads());
                } else {
                    DuckDbEngine next = DuckDbEngine.open(es.path(), es.memoryLimitMb(), es.threads(), clock.getAsLong());
                    store.replaceEngine(next, CLOSE_WAIT_MILLIS).close();
                }
            } catch (StoreException e) {
                LOG.error("Refused flow store configuration: {}; keeping the last good one", e.getMessage());
                return;
            }
            engineSettings = es;
        }
        store.configure(settings);
        LOG.info("Flow store reconfigured live: {} ({})", es.path(), settings.describe());
    }

    @Deactivate
    void deactivate() {
        store.close(CLOSE_WAIT_MILLIS);
        store.engine().close();
        LOG.info("Flow store closed: {}", engineSettings.path());
    }

    /** The store behind the service: its writer can be flushed and watched (tests, benchmarks). */
    @Override
    public SqlFlowStore store() {
        return store;
    }
}
