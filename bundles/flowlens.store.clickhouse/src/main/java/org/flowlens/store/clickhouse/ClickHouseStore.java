package org.flowlens.store.clickhouse;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

import org.flowlens.api.alert.AlertTopics;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowConsumer;
import org.flowlens.api.store.FlowStore;
import org.flowlens.store.sql.SqlFlowStore;
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
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The flow store in a ClickHouse server, for sites that outgrow one machine. Off until configured
 * ({@code config/flowlens.store.clickhouse.cfg}); it then ranks above the embedded store, so the
 * web API reads from ClickHouse while both run. It also keeps the alert history from the alert
 * events on Event Admin.
 */
@Component(service = {FlowConsumer.class, FlowStore.class, EventHandler.class, ConfigurationCheck.class},
        configurationPid = ClickHouseStore.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {FlowConsumer.NAME + "=store-clickhouse", FlowStore.ENGINE + "=clickhouse", "service.ranking:Integer=10",
            EventConstants.EVENT_TOPIC + "=" + AlertTopics.ALL, ConfigurationCheck.PID + "=" + ClickHouseStore.PID})
@Designate(ocd = ClickHouseStore.Config.class)
public class ClickHouseStore extends StoreComponent {
    static final String PID = "flowlens.store.clickhouse";
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseStore.class);
    private static final long CLOSE_WAIT_MILLIS = 30_000;

    @ObjectClassDefinition(name = "Flowlens flow store (ClickHouse)",
            description = "Keeps raw flow records, per-minute rollups and the alert history in a ClickHouse server "
                    + "(18.16 or newer) over its HTTP interface, for log search and history at scale. Tables are created "
                    + "when missing. Changes apply live.")
    public @interface Config {
        @AttributeDefinition(name = "Server URL", description = "ClickHouse's HTTP interface, e.g. http://127.0.0.1:8123.")
        String url() default "http://127.0.0.1:8123";

        @AttributeDefinition(name = "User", description = "ClickHouse user; empty for none.", required = false)
        String user() default "default";

        @AttributeDefinition(name = "Password", description = "The user's password; kept out of service properties. "
                + "Use $[secret:name] to read it from data/secrets/.", type = AttributeType.PASSWORD, required = false)
        String _password() default "";

        @AttributeDefinition(name = "Database", description = "The database of the store's tables (letters, digits, _); created when missing.")
        String database() default "flowlens";

        @AttributeDefinition(name = "Request timeout", description = "How long one request may take, e.g. 30s (1 s to 10 min).")
        String requestTimeout() default "30s";

        @AttributeDefinition(name = "Flush interval", description = "How often queued records are sent, e.g. 500ms, 1s, 5s "
                + "(50 ms to 60 s). Records not yet sent are lost in a crash.")
        String flushInterval() default "1s";

        @AttributeDefinition(name = "Queue size", description = "Records that may wait for the writer (1000-100000000; at most a quarter of the heap, about 300 bytes a record); "
                + "beyond it batches are dropped and counted in flowlens_store_dropped_records_total{reason=\"queue_full\"}.")
        int queueSize() default 1_000_000;

        @AttributeDefinition(name = "Raw retention (days)", description = "Whole UTC days of raw flow records kept "
                + "before today (1-3650); older day partitions are dropped.")
        int rawRetentionDays() default 7;

        @AttributeDefinition(name = "Rollup retention (months)", description = "Whole UTC months of per-minute rollups "
                + "kept before this month (1-1200); older month partitions are dropped, the alert history's too.")
        int rollupRetentionMonths() default 13;

        @AttributeDefinition(name = "Address filter", description = "Address blocks such as 10.0.0.0/8 or 2001:db8::/32: "
                + "when any is set, only records with a source or destination in one of them are stored. Empty stores everything.")
        String[] storeCidrs() default {};

        @AttributeDefinition(name = "Time source", description = "Which time a record is filed, searched and retained under.",
                options = {@Option(value = "received", label = "Receive time (collector clock)"),
                    @Option(value = "end", label = "Flow end time (exporter clock), receive time when absent")})
        String timeSource() default "received";
    }

    /** The server settings, checked. */
    record Server(URI url, String user, String password, String database, Duration timeout) {
        static Server of(Config c) {
            URI url;
            try {
                url = new URI(c.url() == null ? "" : c.url().trim());
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("server URL '" + c.url() + "' is not a URL: " + e.getMessage());
            }
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
                throw new IllegalArgumentException("server URL '" + c.url() + "' must be http:// or https:// with a host");
            }
            if (url.getRawQuery() != null || url.getRawUserInfo() != null) {
                throw new IllegalArgumentException("server URL '" + c.url() + "' must have no query and no user: set user and password instead");
            }
            String db = c.database() == null ? "" : c.database().trim();
            if (!ClickHouseEngine.DATABASE_NAME.matcher(db).matches()) {
                throw new IllegalArgumentException("database name '" + c.database() + "' must be letters, digits and _, not starting with a digit");
            }
            long timeout = StoreSettings.durationMillis("request timeout", c.requestTimeout());
            if (timeout < 1_000 || timeout > 600_000) {
                throw new IllegalArgumentException("request timeout must be 1 s to 10 min, got " + c.requestTimeout());
            }
            return new Server(url, c.user() == null ? "" : c.user().trim(), c._password() == null ? "" : c._password(), db,
                    Duration.ofMillis(timeout));
        }

        ClickHouseEngine engine() {
            return new ClickHouseEngine(new ClickHouseClient(url, user, password, timeout), database);
        }

        @Override
        public String toString() {
            return url + " database " + database + (user.isEmpty() ? "" : " as " + user);
        }
    }

    private final SqlFlowStore store;
    private Server server;

    @Activate
    public ClickHouseStore(@Reference Metrics metrics, Config config) {
        this(metrics, config, System::currentTimeMillis);
    }

    /**
     * @param clock wall-clock time: record times without one and retention follow it
     * @throws IllegalArgumentException when the configuration is invalid
     */
    ClickHouseStore(Metrics metrics, Config config, LongSupplier clock) {
        StoreSettings settings;
        Server s;
        try {
            settings = settings(config);
            s = Server.of(config);
        } catch (IllegalArgumentException e) {
            LOG.error("Refused ClickHouse flow store configuration: {}", e.getMessage());
            throw e;
        }
        this.server = s;
        this.store = new SqlFlowStore("clickhouse", s.engine(), settings, metrics, clock);
        LOG.info("Flow store writing to ClickHouse at {} ({})", s, settings.describe());
    }

    @Override
    protected void check(Map<String, Object> properties) {
        Config c = Configs.of(Config.class, properties);
        settings(c);
        Server.of(c);
    }

    static StoreSettings settings(Config c) {
        return StoreSettings.parse(c.flushInterval(), c.queueSize(), c.rawRetentionDays(), c.rollupRetentionMonths(),
                c.storeCidrs(), c.timeSource());
    }

    @Modified
    synchronized void modified(Config config) {
        StoreSettings settings;
        Server s;
        try {
            settings = settings(config);
            s = Server.of(config);
        } catch (IllegalArgumentException e) {
            LOG.error("Refused ClickHouse flow store configuration: {}; keeping the last good one", e.getMessage());
            return;
        }
        if (!s.equals(server)) {
            store.replaceEngine(s.engine(), CLOSE_WAIT_MILLIS).close();
            server = s;
        }
        store.configure(settings);
        LOG.info("ClickHouse flow store reconfigured live: {} ({})", s, settings.describe());
    }

    @Deactivate
    void deactivate() {
        store.close(CLOSE_WAIT_MILLIS);
        store.engine().close();
        LOG.info("ClickHouse flow store closed: {}", server);
    }

    /** The store behind the service. */
    @Override
    protected SqlFlowStore store() {
        return store;
    }
}
