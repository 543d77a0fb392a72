package org.flowlens.store.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.store.FlowSearch;
import org.flowlens.api.store.StoreStatus;
import org.flowlens.pipeline.MetricsRegistry;
import org.flowlens.store.sql.Traffic;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ClickHouse store as a component: credentials, an unreachable server, live changes, refused settings. */
class ClickHouseStoreTest {
    private static final long T0 = java.time.Instant.parse("2025-03-10T12:00:00Z").toEpochMilli();
    private static ClickHouseServer server;
    private final Metrics metrics = new MetricsRegistry();
    private final AtomicLong clock = new AtomicLong(T0);

    @BeforeAll
    static void startServer() throws Exception {
        server = ClickHouseServer.shared();
    }

    static ClickHouseStore.Config config(String url, String user, String password, String database, String timeout) {
        return new ClickHouseStore.Config() {
            @Override public Class<? extends Annotation> annotationType() { return ClickHouseStore.Config.class; }
            @Override public String url() { return url; }
            @Override public String user() { return user; }
            @Override public String _password() { return password; }
            @Override public String database() { return database; }
            @Override public String requestTimeout() { return timeout; }
            @Override public String flushInterval() { return "1s"; }
            @Override public int queueSize() { return 100_000; }
            @Override public int rawRetentionDays() { return 7; }
            @Override public int rollupRetentionMonths() { return 13; }
            @Override public String[] storeCidrs() { return new String[0]; }
            @Override public String timeSource() { return "received"; }
        };
    }

    private static void accept(ClickHouseStore store, List<FlowRecord> records) {
        for (FlowBatch b : Traffic.batches(records, 50)) {
            store.accept(b);
        }
    }

    private double errors() {
        return metrics.snapshot().stream().filter(x -> x.name().equals("flowlens_store_errors_total") && "write".equals(x.label("operation")))
                .mapToDouble(x -> x.value()).sum();
    }

    @Test
    void writesWithCredentialsIntoTheDatabaseItCreates() throws Exception {
        ClickHouseStore store = new ClickHouseStore(metrics,
                config(server.url().toString(), ClickHouseServer.USER, ClickHouseServer.PASSWORD, "component_a", "30s"), clock::get);
        try {
            accept(store, Traffic.records(250, T0 - 3_600_000, T0));
            assertEquals(250L, store.store().writer().flush().get(60, TimeUnit.SECONDS));
            StoreStatus s = store.status();
            assertEquals("clickhouse", s.engine());
            assertEquals(server.url() + "/ database component_a", s.location());
            assertFalse(s.location().contains(ClickHouseServer.PASSWORD));
            assertEquals(250, s.storedRecords());
            assertTrue(s.diskBytes() > 0);
            assertEquals(250, store.search(FlowSearch.between(T0 - 3_600_000, T0)).total());
        } finally {
            store.deactivate();
        }
    }

    @Test
    void countsWhatItCannotWriteAndRecoversWhenReconfiguredLive() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        ClickHouseStore store = new ClickHouseStore(metrics, config("http://127.0.0.1:" + closedPort, "default", "", "component_b", "5s"),
                clock::get);
        try {
            accept(store, Traffic.records(100, T0 - 60_000, T0));
            ExecutionException unreachable = assertThrows(ExecutionException.class,
                    () -> store.store().writer().flush().get(60, TimeUnit.SECONDS));
            assertTrue(unreachable.getCause().getMessage().contains("unreachable"), unreachable.getCause().getMessage());
            assertTrue(errors() >= 1);
            assertTrue(store.status().lastError().contains("unreachable"));

            // the right server with a wrong password: refused by ClickHouse, counted
            store.modified(config(server.url().toString(), ClickHouseServer.USER, "wrong", "component_b", "5s"));
            assertEquals(100, store.status().droppedRecords(), "what the unreachable server never got is counted as lost");
            accept(store, Traffic.records(30, T0 - 60_000, T0));
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> store.store().writer().flush().get(60, TimeUnit.SECONDS));
            assertTrue(refused.getCause().getMessage().contains("password"), refused.getCause().getMessage());

            store.modified(config(server.url().toString(), ClickHouseServer.USER, ClickHouseServer.PASSWORD, "component_b", "5s"));
            accept(store, Traffic.records(40, T0 - 60_000, T0));
            store.store().writer().flush().get(60, TimeUnit.SECONDS);
            assertEquals(40, store.search(FlowSearch.between(T0 - 60_000, T0)).total());
            StoreStatus s = store.status();
            assertEquals(170, s.acceptedRecords());
            assertEquals(40, s.writtenRecords());
            assertEquals(130, s.droppedRecords());
            assertEquals(null, s.lastError());
        } finally {
            store.deactivate();
        }
    }

    @Test
    void refusesInvalidSettingsAndKeepsTheLastGoodOnes() throws Exception {
        String url = server.url().toString();
        assertThrows(IllegalArgumentException.class, () -> new ClickHouseStore(metrics, config("ftp://127.0.0.1:1", "u", "", "db", "30s"), clock::get));
        ClickHouseStore store = new ClickHouseStore(metrics, config(url, ClickHouseServer.USER, ClickHouseServer.PASSWORD, "component_c", "30s"),
                clock::get);
        try {
            for (ClickHouseStore.Config bad : List.of(config("not a url", "u", "", "component_c", "30s"),
                    config("http://", "u", "", "component_c", "30s"),
                    config("http://u:p@127.0.0.1:8123", "u", "", "component_c", "30s"),
                    config(url, "u", "", "1st", "30s"),
                    config(url, "u", "", "db; DROP TABLE x", "30s"),
                    config(url, "u", "", "component_c", "0s"),
                    config(url, "u", "", "component_c", "an hour"))) {
                store.modified(bad);
            }
            accept(store, Traffic.records(20, T0 - 60_000, T0));
            assertEquals(20L, store.store().writer().flush().get(60, TimeUnit.SECONDS), "still writing with the first settings");
            assertEquals(server.url() + "/ database component_c", store.status().location());
        } finally {
            store.deactivate();
        }
    }
}
