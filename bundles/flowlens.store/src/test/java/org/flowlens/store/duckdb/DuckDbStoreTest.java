package org.flowlens.store.duckdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.store.FlowSearch;
import org.flowlens.api.store.StoreStatus;
import org.flowlens.pipeline.MetricsRegistry;
import org.flowlens.store.sql.Dialect;
import org.flowlens.store.sql.FlowWriter;
import org.flowlens.store.sql.SqlEngine;
import org.flowlens.store.sql.SqlFlowStore;
import org.flowlens.store.sql.StoreSettings;
import org.flowlens.store.sql.Traffic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DuckDB store as a component: configuration, live changes, overflow. */
class DuckDbStoreTest {
    private static final long T0 = java.time.Instant.parse("2025-03-10T12:00:00Z").toEpochMilli();

    @TempDir
    Path dir;
    private final Metrics metrics = new MetricsRegistry();
    private final AtomicLong clock = new AtomicLong(T0);

    private static void write(DuckDbStore store, List<FlowRecord> records) throws Exception {
        for (FlowBatch b : Traffic.batches(records, 64)) {
            store.accept(b);
        }
        store.store().writer().flush().get(60, TimeUnit.SECONDS);
    }

    @Test
    void writesWhatIsDeliveredToTheConfiguredFile() throws Exception {
        Path file = dir.resolve("data/store/flows.duckdb");
        DuckDbStore store = new DuckDbStore(metrics, Configs.of(file), clock::get);
        try {
            write(store, Traffic.records(500, T0 - 3_600_000, T0));
            assertTrue(Files.exists(file), "the file and its directories are created");
            StoreStatus s = store.status();
            assertEquals("duckdb", s.engine());
            assertEquals(file.toAbsolutePath().toString(), s.location());
            assertEquals(500, s.storedRecords());
            assertEquals(500, store.search(FlowSearch.between(T0 - 3_600_000, T0)).total());
        } finally {
            store.deactivate();
        }
        // reopened: everything is still there
        DuckDbStore again = new DuckDbStore(metrics, Configs.of(file), clock::get);
        try {
            assertEquals(500, again.status().storedRecords());
        } finally {
            again.deactivate();
        }
    }

    @Test
    void refusesInvalidConfigurationAndKeepsTheLastGoodOne() throws Exception {
        Path file = dir.resolve("flows.duckdb");
        assertThrows(IllegalArgumentException.class, () -> new DuckDbStore(metrics,
                Configs.of(file, "soon", 1_000_000, 7, 13, new String[0], "received", 256, 2), clock::get));
        DuckDbStore store = new DuckDbStore(metrics, Configs.of(file, "2s", 50_000, 5, 6, new String[0], "received", 256, 2), clock::get);
        try {
            List<DuckDbStore.Config> bad = List.of(
                    Configs.of(file, "fast", 50_000, 5, 6, new String[0], "received", 256, 2),
                    Configs.of(file, "10ms", 50_000, 5, 6, new String[0], "received", 256, 2),
                    Configs.of(file, "2s", 10, 5, 6, new String[0], "received", 256, 2),
                    Configs.of(file, "2s", 50_000, 0, 6, new String[0], "received", 256, 2),
                    Configs.of(file, "2s", 50_000, 5, 0, new String[0], "received", 256, 2),
                    Configs.of(file, "2s", 50_000, 5, 6, new String[] {"10.0.0.0/40"}, "received", 256, 2),
                    Configs.of(file, "2s", 50_000, 5, 6, new String[] {"not-an-address"}, "received", 256, 2),
                    Configs.of(file, "2s", 50_000, 5, 6, new String[0], "sometimes", 256, 2),
                    Configs.of(file, "2s", 50_000, 5, 6, new String[0], "received", 1, 2),
                    Configs.of(file, "2s", 50_000, 5, 6, new String[0], "received", 256, -1),
                    Configs.of(Path.of(""), "2s", 50_000, 5, 6, new String[0], "received", 256, 2));
            for (DuckDbStore.Config c : bad) {
                store.modified(c);
                StoreSettings s = store.store().writer().settings();
                assertEquals(List.of(2_000L, 50_000L, 5L, 6L), List.of(s.flushMillis(), (long) s.queueRecords(),
                        (long) s.rawRetentionDays(), (long) s.rollupRetentionMonths()), "kept after " + c.flushInterval());
                assertTrue(s.storeCidrs().isEmpty());
            }
            write(store, Traffic.records(10, T0 - 60_000, T0));
            assertEquals(10, store.status().storedRecords(), "still writing to the same file");
            store.modified(Configs.of(file, "500ms", 60_000, 3, 4, new String[] {"10.0.1.0/24"}, "end", 128, 1));
            StoreStatus s = store.status();
            assertEquals(List.of(500L, 3L, 4L), List.of(s.flushMillis(), (long) s.rawRetentionDays(), (long) s.rollupRetentionMonths()));
            assertEquals(StoreSettings.TimeSource.END, store.store().writer().settings().timeSource());
        } finally {
            store.deactivate();
        }
    }

    @Test
    void switchesToAnotherFileLive() throws Exception {
        Path first = dir.resolve("a/flows.duckdb");
        Path second = dir.resolve("b/flows.duckdb");
        DuckDbStore store = new DuckDbStore(metrics, Configs.of(first), clock::get);
        try {
            write(store, Traffic.records(30, T0 - 60_000, T0));
            store.modified(Configs.of(second));
            assertEquals(second.toAbsolutePath().toString(), store.status().location());
            write(store, Traffic.records(20, T0 - 60_000, T0));
            assertEquals(20, store.status().storedRecords());
            store.modified(Configs.of(dir.resolve("a/../a/flows.duckdb")));
            assertEquals(30, store.status().storedRecords(), "back on the first file, which kept its records");
        } finally {
            store.deactivate();
        }
    }

    /** A real engine whose writer can be held inside {@link #stage} by the test. */
    private static final class HeldEngine implements SqlEngine {
        final SqlEngine engine;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        HeldEngine(SqlEngine engine) {
            this.engine = engine;
        }

        @Override
        public void stage(Chunk chunk) {
            entered.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            engine.stage(chunk);
        }

        @Override public Encoder encoder() { return engine.encoder(); }
        @Override public String engine() { return engine.engine(); }
        @Override public String location() { return engine.location(); }
        @Override public Dialect dialect() { return engine.dialect(); }
        @Override public int staged() { return engine.staged(); }
        @Override public void commit() { engine.commit(); }
        @Override public void discard() { engine.discard(); }
        @Override public void execute(String statement) { engine.execute(statement); }
        @Override public long rolledUpTo() { return engine.rolledUpTo(); }
        @Override public void rollUp(long toMillis) { engine.rollUp(toMillis); }
        @Override public void retain(long raw, long rollup) { engine.retain(raw, rollup); }
        @Override public <T> T read(ReadWork<T> work) { return engine.read(work); }
        @Override public long diskBytes() { return engine.diskBytes(); }
        @Override public void close() { engine.close(); }
    }

    @Test
    void countsOverflowAndNeverBlocksTheCaller() throws Exception {
        HeldEngine held = new HeldEngine(DuckDbEngine.open(dir.resolve("held.duckdb"), 256, 2, T0));
        StoreSettings settings = new StoreSettings(1_000, 1_000, 7, 13, List.of(), StoreSettings.TimeSource.RECEIVED);
        SqlFlowStore store = new SqlFlowStore("held", held, settings, metrics, clock::get);
        try {
            List<FlowBatch> batches = Traffic.batches(Traffic.records(1_200, T0 - 60_000, T0), 100);
            store.accept(batches.get(0));
            java.util.concurrent.CompletableFuture<Long> first = store.writer().flush();
            assertTrue(held.entered.await(30, TimeUnit.SECONDS), "the writer took the first batch");
            // the writer is held: ten batches fill the queue of 1000 records, the eleventh overflows
            for (int i = 1; i < batches.size(); i++) {
                store.accept(batches.get(i));
            }
            FlowWriter w = store.writer();
            assertEquals(1_000, w.queued());
            assertEquals(100, w.dropped());
            assertEquals(100.0, metrics.snapshot().stream().filter(x -> x.name().equals("flowlens_store_dropped_records_total")
                    && "held".equals(x.label("store")) && "queue_full".equals(x.label("reason"))).mapToDouble(x -> x.value()).sum());
            assertEquals(1_000.0, metrics.snapshot().stream().filter(x -> x.name().equals("flowlens_store_queued_records")
                    && "held".equals(x.label("store"))).mapToDouble(x -> x.value()).sum());
            held.release.countDown();
            assertEquals(100L, first.get(60, TimeUnit.SECONDS));
            assertEquals(1_100L, w.flush().get(60, TimeUnit.SECONDS));
            assertEquals(1_100, store.search(FlowSearch.between(T0 - 60_000, T0)).total());
            assertEquals(1_200, w.accepted());
        } finally {
            held.release.countDown();
            store.close(30_000);
            held.close();
        }
    }
}
