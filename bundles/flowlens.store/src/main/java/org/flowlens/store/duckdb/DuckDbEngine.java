package org.flowlens.store.duckdb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.duckdb.DuckDBColumnType;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDataChunkWriter;
import org.duckdb.DuckDBDriver;
import org.duckdb.DuckDBFunctions;
import org.duckdb.DuckDBTableFunction;
import org.duckdb.DuckDBTableFunctionBindInfo;
import org.duckdb.DuckDBTableFunctionCallInfo;
import org.duckdb.DuckDBTableFunctionInitInfo;
import org.duckdb.DuckDBWritableVector;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.store.sql.Column;
import org.flowlens.store.sql.Dialect;
import org.flowlens.store.sql.RowSink;
import org.flowlens.store.sql.RowSource;
import org.flowlens.store.sql.SqlEngine;
import org.slf4j.LoggerFactory;
import org.flowlens.store.sql.StoreException;
import org.flowlens.store.sql.StoreSql;

/**
 * A DuckDB file as a flow store engine.
 *
 * <p>Records are encoded column by column into Java arrays, text as numbers into a small
 * dictionary per chunk, so the pipeline's thread does the per-field work. The writer turns each
 * chunk's numbers into the numbers of the file's text dictionary ({@code texts}: epoch, id,
 * value) and keeps the chunk; a commit moves the staged chunks into the file in one transaction
 * through a table function that copies the arrays into DuckDB's vectors ({@link Stage}), together
 * with the texts first seen in them and the rollups of any record filed in a minute already
 * rolled up; a crash therefore leaves raw records, texts and rollups consistent. {@code flows} holds text as integers: storing and compressing integers
 * costs DuckDB a fraction of what the same text does, and a log search looks the page's texts up.
 * Finished minutes are rolled up from the raw table, and the rollup mark is kept in the same
 * transaction. DuckDB's write-ahead log makes every commit durable; it is replayed on the next
 * open.
 *
 * <p>The dictionary lives in epochs: the writer numbers texts from 1 within an epoch and keeps
 * the epoch's numbers in memory; every row records its epoch. A new epoch starts when the file is
 * opened, when staged records are discarded (their texts were never written) and when an epoch
 * holds {@link #EPOCH_TEXTS} texts, which bounds the memory. Retention removes the texts of
 * epochs no row refers to any more.
 */
final class DuckDbEngine implements SqlEngine {
    static final int SCHEMA_VERSION = 2;
    /** DuckDB's rows per row group: a commit is written by one thread per full row group. */
    static final int ROW_GROUP = 122_880;
    private static final int MAX_WRITE_THREADS = 16;
    /**
     * Texts per dictionary epoch: past it the writer starts a new epoch. At most 2^20, and one per
     * KiB of heap (a text and its map entry take 100-200 bytes), so a small JVM keeps its dictionary small.
     */
    static final int EPOCH_TEXTS = (int) Math.max(4096, Math.min(1 << 20, Runtime.getRuntime().maxMemory() / 1024));

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

        @Override
        public String text(String value) {
            return "'" + value.replace("'", "''") + "'";
        }

        @Override
        public String float64(double value) {
            if (Double.isNaN(value)) {
                return "CAST('nan' AS DOUBLE)";
            }
            if (Double.isInfinite(value)) {
                return value > 0 ? "CAST('inf' AS DOUBLE)" : "CAST('-inf' AS DOUBLE)";
            }
            return "CAST(" + value + " AS DOUBLE)";
        }

        @Override
        public String flowPage(String where, String order, int limit, int offset) {
            return "SELECT " + PAGE_COLUMNS + " FROM (SELECT * FROM flows WHERE " + where + " ORDER BY " + order + " LIMIT " + limit
                    + " OFFSET " + offset + ") AS p" + PAGE_JOINS + " ORDER BY " + order;
        }
    };

    /** A page's columns with text looked up: {@code p} is the page, {@code t<i>} the texts of its i-th column. */
    private static final String PAGE_COLUMNS;
    private static final String PAGE_JOINS;

    static {
        StringBuilder cols = new StringBuilder();
        StringBuilder joins = new StringBuilder();
        Column[] all = Column.all();
        for (int i = 0; i < all.length; i++) {
            String name = all[i].sqlName();
            cols.append(i == 0 ? "" : ", ");
            if (all[i].kind() == Column.Kind.STRING) {
                cols.append("t").append(i).append(".value AS ").append(name);
                joins.append(" LEFT JOIN texts AS t").append(i).append(" ON t").append(i).append(".epoch = p.text_epoch AND t").append(i)
                        .append(".id = p.").append(name);
            } else {
                cols.append("p.").append(name);
            }
        }
        PAGE_COLUMNS = cols.toString();
        PAGE_JOINS = joins.toString();
    }

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

    private final Path file;
    private final DuckDBConnection conn;
    private DuckDBConnection readRoot;
    private Stage stage;
    private final ChunkPool pool = new ChunkPool();
    private volatile long rolledUpTo;
    // the text dictionary: writer thread only
    private final Map<String, Integer> textIds = new HashMap<>();
    private int epoch;
    private int lastTextId;
    /** Texts an epoch holds at most; tests lower it. */
    int epochTexts = EPOCH_TEXTS;

    /**
     * What the next commit writes: encoded chunks and the texts first seen in them, kept in Java
     * arrays. A commit reads them through two table functions ({@code flowlens_staged_flows()},
     * {@code flowlens_staged_texts()}) that copy the arrays into DuckDB's vectors, so the records
     * go from the arrays into the file in one {@code INSERT ... SELECT} and one transaction, which
     * also keeps a flush all-or-nothing. DuckDB may run the flows function on several of its
     * threads, each taking the next slice of rows. Larger commits compress better.
     */
    private static final class Stage {
        final List<DuckChunk> chunks = new ArrayList<>();
        final List<String> texts = new ArrayList<>();
        int[] textEpochs = new int[256];
        int[] textIds = new int[256];
        int staged;
        long minTime = Long.MAX_VALUE;
        /** What the functions read during a commit; set by the writer thread before it runs the statements. */
        volatile Stage reading;

        void addText(int epoch, int id, String text) {
            int i = texts.size();
            if (i == textIds.length) {
                textEpochs = Arrays.copyOf(textEpochs, i * 2);
                textIds = Arrays.copyOf(textIds, i * 2);
            }
            textEpochs[i] = epoch;
            textIds[i] = id;
            texts.add(text);
        }

        void clear(ChunkPool pool) {
            for (DuckChunk c : chunks) {
                pool.give(c);
            }
            chunks.clear();
            texts.clear();
            if (textIds.length > 4_096) {
                textEpochs = new int[256];
                textIds = new int[256];
            }
            staged = 0;
            minTime = Long.MAX_VALUE;
        }
    }

    /** The next slice of staged rows for whichever DuckDB thread asks. */
    private static final class Slices {
        private final List<DuckChunk> chunks;
        private int chunk;
        private int row;

        Slices(List<DuckChunk> chunks) {
            this.chunks = chunks;
        }

        /** @return {chunk, first row, rows}, or null when every row was taken */
        synchronized int[] next(int max) {
            while (chunk < chunks.size() && row >= chunks.get(chunk).n) {
                chunk++;
                row = 0;
            }
            if (chunk >= chunks.size()) {
                return null;
            }
            int n = Math.min(max, chunks.get(chunk).n - row);
            int[] slice = {chunk, row, n};
            row += n;
            return slice;
        }
    }

    /** The staged records as a table with the columns of {@code flows}. */
    private final class StagedFlows implements DuckDBTableFunction<Object, Slices, Object> {
        @Override
        public Object bind(DuckDBTableFunctionBindInfo info) {
            for (Column c : COLUMNS) {
                info.addResultColumn(c.sqlName(), switch (c.kind()) {
                    case INT64 -> DuckDBColumnType.BIGINT;
                    case INT32, STRING -> DuckDBColumnType.INTEGER;
                    case FLOAT32 -> DuckDBColumnType.FLOAT;
                });
            }
            info.addResultColumn("text_epoch", DuckDBColumnType.INTEGER);
            return null;
        }

        @Override
        public Slices init(DuckDBTableFunctionInitInfo info) {
            Stage r = stage.reading;
            List<DuckChunk> chunks = r == null ? List.of() : r.chunks;
            // a thread per full row group: parallel when a backlog asks for it, one dense file otherwise
            info.setMaxThreads(Math.max(1, Math.min(MAX_WRITE_THREADS, r == null ? 1 : r.staged / ROW_GROUP)));
            return new Slices(chunks);
        }

        @Override
        public long apply(DuckDBTableFunctionCallInfo info, DuckDBDataChunkWriter out) {
            Slices slices = info.getInitData();
            int[] slice = slices.next((int) Math.min(Integer.MAX_VALUE, out.capacity()));
            if (slice == null) {
                return 0;
            }
            DuckChunk c = slices.chunks.get(slice[0]);
            int from = slice[1];
            int n = slice[2];
            for (int i = 0; i < COLUMNS.length; i++) {
                DuckDBWritableVector v = out.vector(i);
                switch (COLUMNS[i].kind()) {
                    case INT64 -> {
                        long[] a = c.longs[SLOT[i]];
                        for (int r = 0; r < n; r++) {
                            v.setLong(r, a[from + r]);
                        }
                    }
                    case INT32 -> {
                        int[] a = c.ints[SLOT[i]];
                        for (int r = 0; r < n; r++) {
                            v.setInt(r, a[from + r]);
                        }
                    }
                    case FLOAT32 -> {
                        float[] a = c.floats[SLOT[i]];
                        for (int r = 0; r < n; r++) {
                            v.setFloat(r, a[from + r]);
                        }
                    }
                    case STRING -> {
                        int[] a = c.strings[SLOT[i]];
                        for (int r = 0; r < n; r++) {
                            v.setInt(r, a[from + r]);
                        }
                    }
                }
            }
            DuckDBWritableVector e = out.vector(COLUMNS.length);
            for (int r = 0; r < n; r++) {
                e.setInt(r, c.epoch);
            }
            return n;
        }
    }

    /** The texts first seen in the staged records: epoch, id, value. */
    private final class StagedTexts implements DuckDBTableFunction<Object, int[], Object> {
        @Override
        public Object bind(DuckDBTableFunctionBindInfo info) {
            info.addResultColumn("epoch", DuckDBColumnType.INTEGER);
            info.addResultColumn("id", DuckDBColumnType.INTEGER);
            info.addResultColumn("value", DuckDBColumnType.VARCHAR);
            return null;
        }

        @Override
        public int[] init(DuckDBTableFunctionInitInfo info) {
            info.setMaxThreads(1);
            return new int[1];
        }

        @Override
        public long apply(DuckDBTableFunctionCallInfo info, DuckDBDataChunkWriter out) {
            int[] next = info.getInitData();
            Stage r = stage.reading;
            int total = r == null ? 0 : r.texts.size();
            int n = (int) Math.min(out.capacity(), total - next[0]);
            if (n <= 0) {
                return 0;
            }
            DuckDBWritableVector epochs = out.vector(0);
            DuckDBWritableVector ids = out.vector(1);
            DuckDBWritableVector values = out.vector(2);
            for (int i = 0; i < n; i++) {
                int k = next[0] + i;
                epochs.setInt(i, r.textEpochs[k]);
                ids.setInt(i, r.textIds[k]);
                values.setString(i, r.texts.get(k));
            }
            next[0] += n;
            return n;
        }
    }

    /** Moves the staged rows into the file, with their texts and late rollups, in one transaction. */
    private void commitStage(long mark) throws SQLException {
        stage.reading = stage;
        conn.setAutoCommit(false);
        try (Statement st = conn.createStatement()) {
            st.execute("INSERT INTO flows SELECT * FROM flowlens_staged_flows()");
            if (!stage.texts.isEmpty()) {
                st.execute("INSERT INTO texts SELECT * FROM flowlens_staged_texts()");
            }
            if (stage.minTime < mark) {
                // records filed in minutes already rolled up: their rollups go in with them
                for (String sql : rollupInserts("flowlens_staged_flows() AS staged", "time_ms < " + mark)) {
                    st.execute(sql);
                }
            }
            conn.commit();
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(conn);
            throw e;
        } finally {
            stage.reading = null;
            conn.setAutoCommit(true);
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
        /** The dictionary epoch of the text numbers once staged. */
        int epoch;

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
        private final ChunkPool pool;
        private DuckChunk chunk;
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
            chunk = pool.take();
            ids.clear();
            return done;
        }

        DuckEncoder(ChunkPool pool) {
            this.pool = pool;
            this.chunk = pool.take();
        }
    }

    /**
     * Chunks the writer has committed, for the encoder to fill again: the queue and the stage hold
     * up to a few hundred megabytes of chunks at full speed, and reusing them keeps them out of the
     * young generation, where the collector would copy them again and again while they wait.
     */
    static final class ChunkPool {
        /** Chunks kept at most: what is beyond goes to the collector. */
        static final int MAX = 12;
        private final ConcurrentLinkedQueue<DuckChunk> free = new ConcurrentLinkedQueue<>();
        private final AtomicInteger size = new AtomicInteger();

        DuckChunk take() {
            DuckChunk c = free.poll();
            if (c == null) {
                return new DuckChunk();
            }
            size.decrementAndGet();
            return c;
        }

        /** Takes back a chunk nothing refers to any more. */
        void give(DuckChunk c) {
            if (size.incrementAndGet() > MAX) {
                size.decrementAndGet();
                return;
            }
            c.n = 0;
            c.minTime = Long.MAX_VALUE;
            c.epoch = 0;
            c.dictionary.clear();
            free.offer(c);
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
        try {
            return openFile(file, memoryLimitMb, threads, nowMillis);
        } catch (OlderSchema e) {
            // a file of an earlier release: kept aside under another name, and a new one started
            Path abs = file.toAbsolutePath().normalize();
            Path aside = abs.resolveSibling(abs.getFileName() + ".v" + e.version + "-" + nowMillis);
            try {
                Files.move(abs, aside, StandardCopyOption.ATOMIC_MOVE);
                Path wal = abs.resolveSibling(abs.getFileName() + ".wal");
                if (Files.exists(wal)) {
                    Files.move(wal, aside.resolveSibling(aside.getFileName() + ".wal"), StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (IOException io) {
                throw new StoreException(e.getMessage() + "; moving it aside failed: " + io.getMessage(), io);
            }
            LoggerFactory.getLogger(DuckDbEngine.class).warn("{}: moved to {} (open it with an earlier Flowlens release to read it); starting a new file",
                    e.getMessage(), aside);
            return openFile(file, memoryLimitMb, threads, nowMillis);
        }
    }

    /** A file written with an earlier schema version than this store's. */
    private static final class OlderSchema extends StoreException {
        private static final long serialVersionUID = 1L;
        final long version;

        OlderSchema(String message, long version) {
            super(message);
            this.version = version;
        }
    }

    private static DuckDbEngine openFile(Path file, int memoryLimitMb, int threads, long nowMillis) {
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
            engine.stage = new Stage();
            DuckDBFunctions.tableFunction().withName("flowlens_staged_flows").withFunction(engine.new StagedFlows()).register(conn);
            DuckDBFunctions.tableFunction().withName("flowlens_staged_texts").withFunction(engine.new StagedTexts()).register(conn);
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
            if (version != -1 && version < SCHEMA_VERSION) {
                throw new OlderSchema(file + " holds schema version " + version + ", this store writes version " + SCHEMA_VERSION, version);
            }
            if (version != -1 && version != SCHEMA_VERSION) {
                throw new StoreException(file + " holds schema version " + version + ", this store writes version " + SCHEMA_VERSION);
            }
            conn.setAutoCommit(false);
            try {
                st.execute("CREATE TABLE IF NOT EXISTS flows (" + cols + ", text_epoch INTEGER)");
                st.execute("CREATE TABLE IF NOT EXISTS texts (epoch INTEGER, id INTEGER, value VARCHAR)");
                st.execute("CREATE TABLE IF NOT EXISTS alerts (alert_id VARCHAR, detector VARCHAR, alert_key VARCHAR, severity VARCHAR, "
                        + "state VARCHAR, event VARCHAR, event_ms BIGINT, seq BIGINT, first_ms BIGINT, last_ms BIGINT, value DOUBLE, "
                        + "threshold DOUBLE, message VARCHAR, evidence VARCHAR, ack_by VARCHAR, ack_note VARCHAR)");
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
            try (ResultSet rs = st.executeQuery("SELECT coalesce(max(epoch), 0) FROM texts")) {
                rs.next();
                // rows of a later epoch without texts hold no text numbers: reusing it is harmless
                epoch = rs.getInt(1) + 1;
            }
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
            case STRING -> "INTEGER"; // a number of the texts table
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
        return new DuckEncoder(pool);
    }

    @Override
    public void stage(Chunk chunk) {
        DuckChunk c = (DuckChunk) chunk;
        int n = c.n;
        if (n == 0) {
            return;
        }
        int[] ids = globalIds(c.dictionary);
        for (int[] column : c.strings) {
            for (int r = 0; r < n; r++) {
                column[r] = ids[column[r]];
            }
        }
        c.epoch = epoch;
        c.dictionary.clear();
        stage.chunks.add(c);
        stage.staged += n;
        if (c.minTime < stage.minTime) {
            stage.minTime = c.minTime;
        }
    }

    /**
     * The dictionary numbers of a chunk's texts, indexed by the chunk's own numbers (0, no text,
     * stays 0); texts the epoch has not seen yet are staged to be written with the chunk.
     */
    private int[] globalIds(List<String> dictionary) {
        if (textIds.size() + dictionary.size() > epochTexts) {
            newEpoch();
        }
        int[] ids = new int[dictionary.size() + 1];
        for (int i = 0; i < dictionary.size(); i++) {
            String text = dictionary.get(i);
            Integer id = textIds.get(text);
            if (id == null) {
                id = ++lastTextId;
                stage.addText(epoch, id, text);
                textIds.put(text, id);
            }
            ids[i + 1] = id;
        }
        return ids;
    }

    /** The current dictionary epoch (writer thread; tests). */
    int epoch() {
        return epoch;
    }

    /** Starts numbering texts afresh; rows already staged keep the epoch they were staged with. */
    private void newEpoch() {
        epoch++;
        lastTextId = 0;
        textIds.clear();
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
            commitStage(rolledUpTo);
            stage.clear(pool);
        } catch (SQLException e) {
            throw new StoreException("writing to " + file + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void execute(String statement) {
        try (Statement st = conn.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw new StoreException("writing to " + file + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void discard() {
        // the staged texts go with the records: numbers given out since the last commit are void
        newEpoch();
        stage.clear(pool);
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
            removed += st.executeUpdate("DELETE FROM alerts WHERE event_ms < " + StoreSql.literal(rollupCutoffMillis));
            // texts of epochs no row refers to; the current epoch's stay for the rows still to come
            removed += st.executeUpdate("DELETE FROM texts WHERE epoch < least(" + epoch + ", (SELECT coalesce(min(text_epoch), " + epoch
                    + ") FROM flows))");
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
