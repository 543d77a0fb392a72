package org.flowlens.store.duckdb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * A DuckDB file as a flow store engine.
 *
 * <p>Records are encoded column by column into Java arrays, text as numbers into a small
 * dictionary per chunk, so the pipeline's thread does the per-field work. The writer appends each
 * chunk as one row of list columns to an in-memory staging table, which costs a copy per column
 * rather than a call per value, and a commit unnests the staged chunks into the file in one
 * transaction, together with the rollups of any record filed in a minute already rolled up; a
 * crash therefore leaves raw records and rollups consistent. Finished minutes are rolled up from
 * the raw table, and the rollup mark is kept in the same transaction. DuckDB's write-ahead log
 * makes every commit durable; it is replayed on the next open.
 */
final class DuckDbEngine implements SqlEngine {
    static final int SCHEMA_VERSION = 1;
    private static final String STAGE_DB = "flowlens_stage";

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

    /** Records per staged chunk. */
    static final int CHUNK = 32_768;
    private static final Column[] COLUMNS = Column.all();
    /** Each column's index among the columns of its kind. */
    private static final int[] SLOT = new int[COLUMNS.length];
    private static final int[] PER_KIND = new int[Column.Kind.values().length];

    static {
        for (int i = 0; i < COLUMNS.length; i++) {
            SLOT[i] = PER_KIND[COLUMNS[i].kind().ordinal()]++;
        }
    }

    private static final String UNNEST_LIST;
    private static final String SELECT_LIST;
    private static final String STAGE_COLUMNS;

    static {
        StringBuilder unnest = new StringBuilder();
        StringBuilder select = new StringBuilder();
        StringBuilder lists = new StringBuilder();
        for (Column c : COLUMNS) {
            unnest.append("unnest(").append(c.sqlName()).append(") AS ").append(c.sqlName()).append(", ");
            select.append(select.length() == 0 ? "" : ", ");
            select.append(c.kind() == Column.Kind.STRING ? "dict[" + c.sqlName() + "]" : c.sqlName());
            lists.append(c.sqlName()).append(' ').append(c.kind() == Column.Kind.STRING ? "INTEGER" : type(c.kind())).append("[], ");
        }
        UNNEST_LIST = unnest.toString();
        SELECT_LIST = select.toString();
        STAGE_COLUMNS = lists + "dict VARCHAR[]";
    }

    /** The rows of a staging table, unnested, with the columns of {@code flows} (text still as numbers). */
    private static String unnested(String table) {
        return "(SELECT " + UNNEST_LIST + "dict FROM " + table + ") AS staged";
    }

    private final Path file;
    private final DuckDBConnection conn;
    private DuckDBConnection readRoot;
    private Stage stage;
    private volatile long rolledUpTo;

    /**
     * The in-memory staging table with its appender. Larger commits compress better: one stage
     * commits everything in one transaction, which also keeps a flush all-or-nothing.
     */
    private final class Stage {
        final String table;
        final DuckDBConnection connection;
        DuckDBAppender appender;
        int staged;
        long minTime = Long.MAX_VALUE;

        Stage(DuckDBConnection connection) throws SQLException {
            this.table = STAGE_DB + ".chunks";
            this.connection = connection;
            try (Statement st = connection.createStatement()) {
                st.execute("CREATE OR REPLACE TABLE " + table + " (" + STAGE_COLUMNS + ")");
            }
        }

        /** DuckDB confines an appender to the thread that created it: the writer thread creates it here. */
        DuckDBAppender appender() throws SQLException {
            if (appender == null) {
                appender = connection.createAppender(STAGE_DB, DuckDBConnection.DEFAULT_SCHEMA, table.substring(STAGE_DB.length() + 1));
            }
            return appender;
        }

        /** Ends the appender: its rows are in the table. */
        void closeAppender() throws SQLException {
            if (appender != null) {
                DuckDBAppender a = appender;
                appender = null;
                a.close();
            }
        }

        /** Moves the staged rows into the file, with their late rollups, in one transaction. */
        void commit(long mark) throws SQLException {
            connection.setAutoCommit(false);
            try (Statement st = connection.createStatement()) {
                st.execute("INSERT INTO flows SELECT " + SELECT_LIST + " FROM " + unnested(table));
                if (minTime < mark) {
                    // records filed in minutes already rolled up: their rollups go in with them
                    for (String sql : rollupInserts(unnested(table), "time_ms < " + mark)) {
                        st.execute(sql);
                    }
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException rollbackFailed) {
                    // the transaction is gone with the error
                }
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }

        /** Empties the stage; dropped rather than deleted, since DuckDB frees an in-memory table's blocks only with the table. */
        void clear() throws SQLException {
            try {
                closeAppender();
            } catch (SQLException e) {
                // the rows are dropped below either way
            }
            try (Statement st = connection.createStatement()) {
                st.execute("CREATE OR REPLACE TABLE " + table + " (" + STAGE_COLUMNS + ")");
            } finally {
                staged = 0;
                minTime = Long.MAX_VALUE;
            }
        }
    }

    /**
     * Records encoded column by column; text as indexes into the chunk's own dictionary, 0 for
     * none. The arrays grow with the chunk, so a quiet second does not cost a full chunk.
     */
    static final class DuckChunk implements Chunk {
        private static final int FIRST_CAPACITY = 1_024;
        long[][] longs = new long[PER_KIND[Column.Kind.INT64.ordinal()]][FIRST_CAPACITY];
        int[][] ints = new int[PER_KIND[Column.Kind.INT32.ordinal()]][FIRST_CAPACITY];
        float[][] floats = new float[PER_KIND[Column.Kind.FLOAT32.ordinal()]][FIRST_CAPACITY];
        int[][] strings = new int[PER_KIND[Column.Kind.STRING.ordinal()]][FIRST_CAPACITY];
        final List<String> dictionary = new ArrayList<>();
        int capacity = FIRST_CAPACITY;
        int n;
        long minTime = Long.MAX_VALUE;

        /** Makes room for one more record. */
        void ensureRoom() {
            if (n < capacity) {
                return;
            }
            capacity = Math.min(CHUNK, capacity * 2);
            for (int i = 0; i < longs.length; i++) {
                longs[i] = Arrays.copyOf(longs[i], capacity);
            }
            for (int i = 0; i < ints.length; i++) {
                ints[i] = Arrays.copyOf(ints[i], capacity);
            }
            for (int i = 0; i < floats.length; i++) {
                floats[i] = Arrays.copyOf(floats[i], capacity);
            }
            for (int i = 0; i < strings.length; i++) {
                strings[i] = Arrays.copyOf(strings[i], capacity);
            }
        }

        @Override
        public int records() {
            return n;
        }
    }

    /** Fills chunks; text is numbered per chunk, most of it the few strings enrichers intern. */
    static final class DuckEncoder implements Encoder, RowSink {
        private final Map<String, Integer> ids = new HashMap<>();
        private DuckChunk chunk = new DuckChunk();
        private int row;
        private int col;

        @Override
        public void add(FlowRecord record, long timeMillis) {
            DuckChunk c = chunk;
            c.ensureRoom();
            row = c.n;
            col = 0;
            Column.write(record, timeMillis, this);
            c.n++;
            if (timeMillis < c.minTime) {
                c.minTime = timeMillis;
            }
        }

        @Override
        public void int64(long value) {
            chunk.longs[SLOT[col++]][row] = value;
        }

        @Override
        public void int32(int value) {
            chunk.ints[SLOT[col++]][row] = value;
        }

        @Override
        public void float32(float value) {
            chunk.floats[SLOT[col++]][row] = value;
        }

        @Override
        public void string(String value) {
            int id = 0;
            if (value != null) {
                Integer known = ids.get(value);
                if (known == null) {
                    chunk.dictionary.add(value);
                    id = chunk.dictionary.size();
                    ids.put(value, id);
                } else {
                    id = known;
                }
            }
            chunk.strings[SLOT[col++]][row] = id;
        }

        @Override
        public int size() {
            return chunk.n;
        }

        @Override
        public boolean full() {
            return chunk.n >= CHUNK;
        }

        @Override
        public Chunk finish() {
            DuckChunk done = chunk;
            chunk = new DuckChunk();
            ids.clear();
            return done;
        }
    }

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
            engine.stage = engine.new Stage(conn);
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
            // a commit's rows may land in any order: every query that needs an order asks for it
            st.execute("SET preserve_insertion_order = false");
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
    public Encoder encoder() {
        return new DuckEncoder();
    }

    @Override
    public void stage(Chunk chunk) {
        DuckChunk c = (DuckChunk) chunk;
        int n = c.n;
        if (n == 0) {
            return;
        }
        try {
            DuckDBAppender a = stage.appender();
            a.beginRow();
            int l = 0, i = 0, f = 0, t = 0;
            // a list row takes an array of exactly its length
            boolean exact = n == c.capacity;
            for (Column col : COLUMNS) {
                switch (col.kind()) {
                    case INT64 -> a.append(exact ? c.longs[l++] : Arrays.copyOf(c.longs[l++], n));
                    case INT32 -> a.append(exact ? c.ints[i++] : Arrays.copyOf(c.ints[i++], n));
                    case FLOAT32 -> a.append(exact ? c.floats[f++] : Arrays.copyOf(c.floats[f++], n));
                    case STRING -> a.append(exact ? c.strings[t++] : Arrays.copyOf(c.strings[t++], n));
                }
            }
            a.append(c.dictionary);
            a.endRow();
        } catch (SQLException e) {
            throw new StoreException("staging failed: " + e.getMessage(), e);
        }
        stage.staged += n;
        if (c.minTime < stage.minTime) {
            stage.minTime = c.minTime;
        }
    }

    @Override
    public int staged() {
        return stage.staged;
    }

    @Override
    public void commit() {
        if (stage.staged == 0) {
            return;
        }
        try {
            stage.closeAppender();
            stage.commit(rolledUpTo);
            stage.clear();
        } catch (SQLException e) {
            throw new StoreException("writing to " + file + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void discard() {
        try {
            stage.clear();
        } catch (SQLException e) {
            throw new StoreException("clearing the staging table failed: " + e.getMessage(), e);
        }
    }

    private static void rollbackQuietly(DuckDBConnection c) {
        try {
            c.rollback();
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
                rollbackQuietly(conn);
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
