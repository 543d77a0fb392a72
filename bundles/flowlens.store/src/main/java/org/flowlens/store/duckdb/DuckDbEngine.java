package org.flowlens.store.duckdb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.store.sql.Column;
import org.flowlens.store.sql.Dialect;
import org.flowlens.store.sql.RowSink;
import org.flowlens.store.sql.RowSource;
import org.flowlens.store.sql.SqlEngine;
import org.flowlens.store.sql.StoreException;
import org.flowlens.store.sql.StoreSql;

/**
 * A DuckDB file as a flow store engine. Records are appended into an in-memory staging table and
 * moved into the file in one transaction per commit, together with the rollups of any record filed
 * in a minute already rolled up, so a crash leaves raw records and rollups consistent. Finished
 * minutes are rolled up from the raw table, and the rollup mark is kept in the same transaction.
 * DuckDB's write-ahead log makes every commit durable; it is replayed on the next open.
 */
final class DuckDbEngine implements SqlEngine {
    static final int SCHEMA_VERSION = 1;
    private static final String STAGE_DB = "flowlens_stage";
    private static final String STAGE = STAGE_DB + ".flows";

    static final Dialect DIALECT = new Dialect() {
        @Override
        public String table(String name) {
            return name;
        }

        @Override
        public String intDiv(String expression, long divisor) {
            return "(" + expression + " // " + divisor + ")";
        }

        @Override
        public String int64(String expression) {
            return "CAST(" + expression + " AS BIGINT)";
        }
    };

    private final Path file;
    private final DuckDBConnection conn;
    private DuckDBConnection readRoot;
    private DuckDBAppender appender;
    private int staged;
    private long minStagedTime = Long.MAX_VALUE;
    private volatile long rolledUpTo;
    private final RowSink sink = new RowSink() {
        @Override
        public void int64(long value) {
            try {
                appender.append(value);
            } catch (SQLException e) {
                throw new StoreException("appending failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void int32(int value) {
            try {
                appender.append(value);
            } catch (SQLException e) {
                throw new StoreException("appending failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void float32(float value) {
            try {
                appender.append(value);
            } catch (SQLException e) {
                throw new StoreException("appending failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void string(String value) {
            try {
                if (value == null) {
                    appender.appendNull();
                } else {
                    appender.append(value);
                }
            } catch (SQLException e) {
                throw new StoreException("appending failed: " + e.getMessage(), e);
            }
        }
    };

    private DuckDbEngine(Path file, DuckDBConnection conn) {
        this.file = file;
        this.conn = conn;
    }

    /**
     * Opens (or creates) the database file and its tables.
     *
     * @param memoryLimitMb DuckDB's memory limit
     * @param threads DuckDB's worker threads, 0 for one per core
     * @param nowMillis the current time: a new file starts its rollups here
     * @throws StoreException when the file cannot be opened or was written by another schema version
     */
    static DuckDbEngine open(Path file, int memoryLimitMb, int threads, long nowMillis) {
        Path abs = file.toAbsolutePath().normalize();
        try {
            Path parent = abs.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new StoreException("cannot create the directory of " + abs + ": " + e.getMessage(), e);
        }
        DuckDBConnection conn = null;
        DuckDBConnection readRoot = null;
        try {
            // DriverManager does not see the driver inside OSGi: construct it
            conn = (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:" + abs, new Properties());
            if (conn == null) {
                throw new StoreException("DuckDB did not open " + abs);
            }
            settings(conn, memoryLimitMb, threads);
            DuckDbEngine engine = new DuckDbEngine(abs, conn);
            engine.createSchema(nowMillis);
            readRoot = conn.duplicate();
            engine.readRoot = readRoot;
            return engine;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(readRoot);
            closeQuietly(conn);
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("cannot open DuckDB file " + abs + ": " + e.getMessage(), e);
        }
    }

    private static void settings(DuckDBConnection c, int memoryLimitMb, int threads) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET memory_limit = '" + memoryLimitMb + "MB'");
            st.execute(threads > 0 ? "SET threads = " + threads : "RESET threads");
        }
    }

    /** New memory and thread limits; they apply to the whole database at once. */
    void applySettings(int memoryLimitMb, int threads) {
        try {
            DuckDBConnection c;
            synchronized (readRoot) {
                c = readRoot.duplicate();
            }
            try {
                settings(c, memoryLimitMb, threads);
            } finally {
                closeQuietly(c);
            }
        } catch (SQLException e) {
            throw new StoreException("DuckDB refused memory limit " + memoryLimitMb + " MB or " + threads + " threads: " + e.getMessage(), e);
        }
    }

    private void createSchema(long nowMillis) throws SQLException {
        StringBuilder cols = new StringBuilder();
        for (Column c : Column.all()) {
            cols.append(cols.length() == 0 ? "" : ", ").append(c.sqlName()).append(' ').append(type(c.kind()));
        }
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS store_state (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL)");
            long version = value(st, "schema_version", -1);
            if (version != -1 && version != SCHEMA_VERSION) {
                throw new StoreException(file + " holds schema version " + version + ", this store writes version " + SCHEMA_VERSION);
            }
            conn.setAutoCommit(false);
            try {
                st.execute("CREATE TABLE IF NOT EXISTS flows (" + cols + ")");
                st.execute("CREATE TABLE IF NOT EXISTS rollup_protocol (minute_ms BIGINT, protocol INTEGER, bytes BIGINT, packets BIGINT, flows BIGINT)");
                st.execute("CREATE TABLE IF NOT EXISTS rollup_port (minute_ms BIGINT, protocol INTEGER, port INTEGER, bytes BIGINT, packets BIGINT, flows BIGINT)");
                st.execute("CREATE TABLE IF NOT EXISTS rollup_host (minute_ms BIGINT, addr_hi BIGINT, addr_lo BIGINT, bytes_sent BIGINT, "
                        + "bytes_received BIGINT, packets_sent BIGINT, packets_received BIGINT, flows_sent BIGINT, flows_received BIGINT)");
                st.execute("INSERT OR IGNORE INTO store_state VALUES ('schema_version', " + SCHEMA_VERSION + ")");
                st.execute("INSERT OR IGNORE INTO store_state VALUES ('rollup_watermark', "
                        + StoreSql.floorMinute(nowMillis - org.flowlens.store.sql.FlowWriter.ROLLUP_DELAY_MILLIS) + ")");
                conn.commit();
            } catch (SQLException | RuntimeException e) {
                conn.rollback();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
            rolledUpTo = value(st, "rollup_watermark", 0);
            st.execute("ATTACH IF NOT EXISTS ':memory:' AS " + STAGE_DB);
            st.execute("CREATE TABLE IF NOT EXISTS " + STAGE + " (" + cols + ")");
        }
    }

    private static long value(Statement st, String name, long absent) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT value FROM store_state WHERE name = '" + name + "'")) {
            return rs.next() ? rs.getLong(1) : absent;
        }
    }

    private static String type(Column.Kind kind) {
        return switch (kind) {
            case INT64 -> "BIGINT";
            case INT32 -> "INTEGER";
            case FLOAT32 -> "FLOAT";
            case STRING -> "VARCHAR";
        };
    }

    /** DuckDB confines an appender to the thread that created it: the writer thread creates it here. */
    private DuckDBAppender appender() throws SQLException {
        if (appender == null) {
            appender = conn.createAppender(STAGE_DB, DuckDBConnection.DEFAULT_SCHEMA, "flows");
        }
        return appender;
    }

    Path file() {
        return file;
    }

    @Override
    public String engine() {
        return "duckdb";
    }

    @Override
    public String location() {
        return file.toString();
    }

    @Override
    public Dialect dialect() {
        return DIALECT;
    }

    // ---- writing (writer thread) ------------------------------------------------------------

    @Override
    public void stage(FlowRecord record, long timeMillis) {
        try {
            appender().beginRow();
            Column.write(record, timeMillis, sink);
            appender.endRow();
        } catch (SQLException e) {
            throw new StoreException("appending failed: " + e.getMessage(), e);
        }
        staged++;
        if (timeMillis < minStagedTime) {
            minStagedTime = timeMillis;
        }
    }

    @Override
    public int staged() {
        return staged;
    }

    @Override
    public void commit() {
        if (staged == 0) {
            return;
        }
        try {
            appender().flush();
            long mark = rolledUpTo;
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                st.execute("INSERT INTO flows SELECT * FROM " + STAGE);
                if (minStagedTime < mark) {
                    // records filed in minutes already rolled up: their rollups go in with them
                    for (String sql : rollupInserts(STAGE, "time_ms < " + mark)) {
                        st.execute(sql);
                    }
                }
                conn.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("writing to " + file + " failed: " + e.getMessage(), e);
        }
        clearStage();
    }

    @Override
    public void discard() {
        clearStage();
    }

    private void clearStage() {
        if (appender != null) {
            try {
                appender.close();
            } catch (SQLException e) {
                // the rows are dropped below either way
            }
            appender = null;
        }
        try (Statement st = conn.createStatement()) {
            st.execute("DELETE FROM " + STAGE);
        } catch (SQLException e) {
            throw new StoreException("clearing the staging table failed: " + e.getMessage(), e);
        } finally {
            staged = 0;
            minStagedTime = Long.MAX_VALUE;
        }
    }

    private void rollbackQuietly() {
        try {
            conn.rollback();
        } catch (SQLException e) {
            // the transaction is gone with the error
        }
    }

    /** The three rollup inserts of the rows of {@code source} matching {@code condition}. */
    static String[] rollupInserts(String source, String condition) {
        String minute = "(time_ms // " + StoreSql.MINUTE + ") * " + StoreSql.MINUTE;
        return new String[] {
            "INSERT INTO rollup_protocol SELECT " + minute + " AS minute_ms, protocol, sum(bytes), sum(packets), count(*) FROM "
                    + source + " WHERE " + condition + " GROUP BY minute_ms, protocol",
            "INSERT INTO rollup_port SELECT " + minute + " AS minute_ms, protocol, " + StoreSql.SERVICE_PORT
                    + " AS service_port, sum(bytes), sum(packets), count(*) FROM " + source + " WHERE " + condition
                    + " GROUP BY minute_ms, protocol, service_port",
            "INSERT INTO rollup_host SELECT minute_ms, hi, lo, sum(bs), sum(br), sum(ps), sum(pr), sum(fs), sum(fr) FROM ("
                    + "SELECT " + minute + " AS minute_ms, src_hi AS hi, src_lo AS lo, bytes AS bs, 0 AS br, packets AS ps, 0 AS pr, "
                    + "1 AS fs, 0 AS fr FROM " + source + " WHERE " + condition + " UNION ALL SELECT " + minute
                    + " AS minute_ms, dst_hi AS hi, dst_lo AS lo, 0 AS bs, bytes AS br, 0 AS ps, packets AS pr, 0 AS fs, 1 AS fr FROM "
                    + source + " WHERE " + condition + ") AS u GROUP BY minute_ms, hi, lo"
        };
    }

    @Override
    public long rolledUpTo() {
        return rolledUpTo;
    }

    @Override
    public void rollUp(long toMillis) {
        long from = rolledUpTo;
        if (toMillis <= from) {
            return;
        }
        try {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                for (String sql : rollupInserts("flows", "time_ms >= " + from + " AND time_ms < " + toMillis)) {
                    st.execute(sql);
                }
                st.execute("UPDATE store_state SET value = " + toMillis + " WHERE name = 'rollup_watermark'");
                conn.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("rolling up " + file + " failed: " + e.getMessage(), e);
        }
        rolledUpTo = toMillis;
    }

    @Override
    public void retain(long rawCutoffMillis, long rollupCutoffMillis) {
        long removed = 0;
        try (Statement st = conn.createStatement()) {
            removed += st.executeUpdate("DELETE FROM flows WHERE time_ms < " + StoreSql.literal(rawCutoffMillis));
            for (String table : new String[] {"rollup_protocol", "rollup_port", "rollup_host"}) {
                removed += st.executeUpdate("DELETE FROM " + table + " WHERE minute_ms < " + StoreSql.literal(rollupCutoffMillis));
            }
        } catch (SQLException e) {
            throw new StoreException("removing old records from " + file + " failed: " + e.getMessage(), e);
        }
        if (removed > 0) {
            // frees the blocks of removed row groups for reuse; a busy reader only postpones it
            try (Statement st = conn.createStatement()) {
                st.execute("CHECKPOINT");
            } catch (SQLException e) {
                // the automatic checkpoint will do it
            }
        }
    }

    // ---- reading (any thread) ---------------------------------------------------------------

    @Override
    public <T> T read(ReadWork<T> work) {
        DuckDBConnection c;
        try {
            synchronized (readRoot) {
                c = readRoot.duplicate();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            // one transaction: every query of the work sees the same data
            c.setAutoCommit(false);
            T result = work.run((sql, handler) -> {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                    RowSource row = new ResultSetRow(rs);
                    while (rs.next()) {
                        handler.row(row);
                    }
                } catch (SQLException e) {
                    throw new StoreException("query failed on " + file + ": " + e.getMessage(), e);
                }
            });
            c.commit();
            return result;
        } catch (SQLException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        } finally {
            closeQuietly(c);
        }
    }

    @Override
    public long diskBytes() {
        return size(file) + size(Path.of(file + ".wal"));
    }

    private static long size(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        closeQuietly(readRoot);
        closeQuietly(conn);
    }

    private static void closeQuietly(java.sql.Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
    }

    /** A JDBC result row as a {@link RowSource}. */
    private static final class ResultSetRow implements RowSource {
        private final ResultSet rs;

        ResultSetRow(ResultSet rs) {
            this.rs = rs;
        }

        @Override
        public long int64(int column) {
            try {
                return rs.getLong(column + 1);
            } catch (SQLException e) {
                throw new StoreException("reading column " + column + ": " + e.getMessage(), e);
            }
        }

        @Override
        public int int32(int column) {
            try {
                return rs.getInt(column + 1);
            } catch (SQLException e) {
                throw new StoreException("reading column " + column + ": " + e.getMessage(), e);
            }
        }

        @Override
        public float float32(int column) {
            try {
                return rs.getFloat(column + 1);
            } catch (SQLException e) {
                throw new StoreException("reading column " + column + ": " + e.getMessage(), e);
            }
        }

        @Override
        public String string(int column) {
            try {
                String s = rs.getString(column + 1);
                return s == null || s.isEmpty() ? null : s;
            } catch (SQLException e) {
                throw new StoreException("reading column " + column + ": " + e.getMessage(), e);
            }
        }
    }
}
