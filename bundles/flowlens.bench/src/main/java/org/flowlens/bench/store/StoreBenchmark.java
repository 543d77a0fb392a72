package org.flowlens.bench.store;

import java.lang.annotation.Annotation;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.query.Metric;
import org.flowlens.api.store.TopTalkers;
import org.flowlens.pipeline.MetricsRegistry;
import org.flowlens.store.duckdb.DuckDbStore;
import org.flowlens.store.sql.Column;
import org.flowlens.store.sql.RowSink;
import org.flowlens.store.sql.StoreSql;

/**
 * The flow store's speed, side by side with a raw DuckDB Appender loop writing the same records
 * to a file in the same run: sustained records per second through the store (queue, staging,
 * commits every flush interval, rollups), top talkers over one hour of data, and disk bytes per
 * stored flow. Run it by hand:
 *
 * <pre>
 * java -cp bundles/flowlens.bench/target/benchmarks.jar org.flowlens.bench.store.StoreBenchmark [records=3000000] [hour=2000000]
 * </pre>
 */
public final class StoreBenchmark {
    private static final int BATCH = 200;
    private static final int QUEUE = 1_000_000;
    private static final int RUNS = 11;

    private StoreBenchmark() {}

    public static void main(String[] args) throws Exception {
        int records = arg(args, "records", 3_000_000);
        int hour = arg(args, "hour", 2_000_000);
        Path dir = Files.createTempDirectory("flowlens-store-bench");
        try {
            System.out.printf("Flow store benchmark: %d records, %d cores, %s%n", records, Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.vm.version"));
            StoreTraffic traffic = new StoreTraffic(200_000, BATCH, 42);
            rawAppender(dir.resolve("raw.duckdb"), traffic, records);
            sustained(dir.resolve("store.duckdb"), traffic, records);
            rawAppender(dir.resolve("raw2.duckdb"), traffic, records);
            oneHour(dir.resolve("hour.duckdb"), traffic, hour);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static int arg(String[] args, String name, int dflt) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return Integer.parseInt(a.substring(name.length() + 1));
            }
        }
        return dflt;
    }

    /** The system load average over the last minute: other work on the machine skews wall-clock figures. */
    private static String load() {
        return String.format("load %.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Bytes of the blocks a DuckDB file uses; the rest of the file is free blocks kept for reuse. */
    private static long usedBytes(Path file) throws SQLException {
        try (DuckDBConnection conn = (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:" + file, new Properties());
                Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT block_size * used_blocks FROM pragma_database_size()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static DuckDbStore.Config config(Path path) {
        return new DuckDbStore.Config() {
            @Override public Class<? extends Annotation> annotationType() { return DuckDbStore.Config.class; }
            @Override public String path() { return path.toString(); }
            @Override public String flushInterval() { return "1s"; }
            @Override public int queueSize() { return QUEUE; }
            @Override public int rawRetentionDays() { return 7; }
            @Override public int rollupRetentionMonths() { return 13; }
            @Override public String[] storeCidrs() { return new String[0]; }
            @Override public String timeSource() { return "received"; }
            @Override public int memoryLimitMb() { return 512; }
            @Override public int threads() { return 0; }
        };
    }

    /** The same records appended straight into a file table by one DuckDB Appender, committed once. */
    private static void rawAppender(Path file, StoreTraffic traffic, int records) throws SQLException {
        StringBuilder cols = new StringBuilder();
        for (Column c : Column.all()) {
            cols.append(cols.length() == 0 ? "" : ", ").append(c.sqlName()).append(' ').append(switch (c.kind()) {
                case INT64 -> "BIGINT";
                case INT32 -> "INTEGER";
                case FLOAT32 -> "FLOAT";
                case STRING -> "VARCHAR";
            });
        }
        try (DuckDBConnection conn = (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:" + file, new Properties())) {
            try (Statement st = conn.createStatement()) {
                st.execute("SET memory_limit = '512MB'");
                st.execute("CREATE TABLE flows (" + cols + ")");
            }
            long t0 = System.nanoTime();
            long c0 = cpuNanos();
            try (DuckDBAppender app = conn.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "flows")) {
                RowSink sink = new AppenderSink(app);
                int written = 0;
                for (int b = 0; written < records; b = (b + 1) % traffic.batches.length) {
                    FlowBatch batch = traffic.batches[b];
                    long now = System.currentTimeMillis();
                    StoreTraffic.stamp(batch, now);
                    for (int i = 0; i < batch.size(); i++) {
                        app.beginRow();
                        Column.write(batch.get(i), now, sink);
                        app.endRow();
                    }
                    written += batch.size();
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            double cpu = (cpuNanos() - c0) / 1e9;
            System.out.printf("raw DuckDB Appender loop, %d columns, to a file: %,.0f records/s (%.1f s wall, %.1f s CPU, %,.0f records per "
                    + "CPU-second; %s)%n", Column.count(), records / secs, secs, cpu, records / cpu, load());
        }
    }

    /** Records through the store as the pipeline hands them over, as fast as its writer takes them. */
    private static void sustained(Path file, StoreTraffic traffic, int records) throws Exception {
        DuckDbStore store = new DuckDbStore(new MetricsRegistry(), config(file));
        long t0 = System.nanoTime();
        long c0 = cpuNanos();
        long waits = 0;
        try {
            int accepted = 0;
            for (int b = 0; accepted < records; b = (b + 1) % traffic.batches.length) {
                while (store.store().writer().queued() > QUEUE - 10 * BATCH) {
                    LockSupport.parkNanos(200_000);
                    waits++;
                }
                FlowBatch batch = traffic.batches[b];
                StoreTraffic.stamp(batch, System.currentTimeMillis());
                store.accept(batch);
                accepted += batch.size();
            }
            long acceptedNanos = System.nanoTime() - t0;
            store.store().writer().flush().get(10, TimeUnit.MINUTES);
            double secs = (System.nanoTime() - t0) / 1e9;
            double cpu = (cpuNanos() - c0) / 1e9;
            System.out.printf("store (queue, stage, commit every 1 s, rollups): %,.0f records/s sustained (%.1f s wall until the last "
                    + "commit, %.1f s CPU, %,.0f records per CPU-second; the feeder waited on a full queue %d times, %.1f s to hand over; %s); "
                    + "dropped %d%n", records / secs, secs, cpu, records / cpu, waits, acceptedNanos / 1e9, load(),
                    store.status().droppedRecords());
        } finally {
            close(store);
        }
        long bytes = Files.size(file);
        System.out.printf("disk: %,d bytes for %,d flows = %.1f bytes per stored flow (all %d fields, rollups included); blocks in use "
                + "%.1f bytes per flow, the rest free blocks kept for reuse%n", bytes, records, (double) bytes / records, Column.count() - 1,
                (double) usedBytes(file) / records);
    }

    /** One hour of records, then top talkers and series over that hour. */
    private static void oneHour(Path file, StoreTraffic traffic, int records) throws Exception {
        DuckDbStore store = new DuckDbStore(new MetricsRegistry(), config(file));
        long end = StoreSql.floorMinute(System.currentTimeMillis());
        long start = end - 3_600_000L;
        try {
            int batches = records / BATCH;
            for (int i = 0; i < batches; i++) {
                while (store.store().writer().queued() > QUEUE - 10 * BATCH) {
                    LockSupport.parkNanos(200_000);
                }
                FlowBatch batch = traffic.batches[i % traffic.batches.length];
                StoreTraffic.stamp(batch, start + (3_600_000L * i) / batches);
                store.accept(batch);
            }
            store.store().writer().flush().get(10, TimeUnit.MINUTES);
            store.store().writer().maintain().get(10, TimeUnit.MINUTES);
            TopTalkers[] last = new TopTalkers[1];
            String talkers = timing(() -> last[0] = store.topTalkers(start, end, Metric.BYTES, 10));
            String odd = timing(() -> store.topTalkers(start + 12_345, end - 6_789, Metric.BYTES, 10));
            String protocols = timing(() -> store.protocolSeries(start, end, 60_000, Metric.BYTES, 10));
            String ports = timing(() -> store.portSeries(start, end, 60_000, Metric.BYTES, 10));
            System.out.printf("one hour of data (%,d flows, %,d in the hour's top talker), best / median of %d runs:%n"
                    + "  top talkers %s; over a range with partial minutes at both ends %s%n"
                    + "  per-protocol series %s, per-port series %s (1-minute steps)%n",
                    last[0].totalFlows(), last[0].talkers().get(0).flows(), RUNS, talkers, odd, protocols, ports);
        } finally {
            close(store);
        }
        long bytes = Files.size(file);
        try (DuckDBConnection conn = (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:" + file, new Properties());
                Statement st = conn.createStatement()) {
            String sql = "SELECT hi, lo, sum(bs) + sum(br) AS b FROM (SELECT src_hi AS hi, src_lo AS lo, bytes AS bs, 0 AS br FROM flows "
                    + "WHERE time_ms >= " + start + " AND time_ms < " + end + " UNION ALL SELECT dst_hi, dst_lo, 0, bytes FROM flows WHERE time_ms >= "
                    + start + " AND time_ms < " + end + ") GROUP BY hi, lo ORDER BY b DESC LIMIT 10";
            String raw = timing(() -> {
                try (ResultSet rs = st.executeQuery(sql)) {
                    while (rs.next()) {
                        rs.getLong(3);
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            long rollupRows;
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM rollup_host")) {
                rs.next();
                rollupRows = rs.getLong(1);
            }
            System.out.printf("  the same top talkers straight from the %,d raw records: %s; the host rollup holds %,d rows for the hour%n",
                    records, raw, rollupRows);
        }
        System.out.printf("  disk: %.1f bytes per stored flow for the hour (raw records and rollups), blocks in use %.1f; %s%n",
                (double) bytes / records, (double) usedBytes(file) / records, load());
    }

    /** What the component's deactivation does: write what is queued, stop the writer, close the file. */
    private static void close(DuckDbStore store) {
        store.store().close(60_000);
        store.store().engine().close();
    }

    /** Best and median time of {@link #RUNS} runs: the best shows the cost, the median what other load added. */
    private static String timing(Runnable r) {
        double[] ms = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long t = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return String.format("%.1f / %.1f ms", ms[0], ms[RUNS / 2]);
    }

    /** The raw loop's column writer: straight into the appender. */
    private static final class AppenderSink implements RowSink {
        private final DuckDBAppender app;

        AppenderSink(DuckDBAppender app) {
            this.app = app;
        }

        @Override
        public void int64(long value) {
            try {
                app.append(value);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void int32(int value) {
            try {
                app.append(value);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void float32(float value) {
            try {
                app.append(value);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void string(String value) {
            try {
                if (value == null) {
                    app.appendNull();
                } else {
                    app.append(value);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
