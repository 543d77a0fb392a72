package org.flowlens.store.duckdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.store.FlowPage;
import org.flowlens.api.store.FlowSearch;
import org.flowlens.pipeline.MetricsRegistry;
import org.flowlens.store.sql.SqlFlowStore;
import org.flowlens.store.sql.StoreSettings;
import org.flowlens.store.sql.Traffic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DuckDB file keeps text as numbers of a dictionary in epochs: every record reads back with
 * its own texts across epoch changes (full epoch, reopening the file, discarded records), and
 * retention removes the texts no record refers to any more.
 */
class DuckDbTextsTest {
    private static final long T0 = Instant.parse("2025-03-10T12:00:00Z").toEpochMilli();
    private static final long DAY = 86_400_000L;

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(T0);

    /** Records with texts of their own: a domain, city and AS name per record, and a few shared ones. */
    private static List<FlowRecord> records(int first, int n, long time) {
        List<FlowRecord> out = new ArrayList<>(n);
        for (int i = first; i < first + n; i++) {
            FlowRecord r = Traffic.record(i, time + i);
            r.srcDomain("host-" + i + ".example.org").dstCity("City " + (i % 7)).srcAsName("AS " + i + " 'quoted'");
            out.add(r);
        }
        return out;
    }

    private static void write(SqlFlowStore store, List<FlowRecord> records) throws Exception {
        for (FlowBatch b : Traffic.batches(records, 50)) {
            store.accept(b);
        }
        store.writer().flush().get(60, TimeUnit.SECONDS);
    }

    private static void checkAll(SqlFlowStore store, List<FlowRecord> expected, long from, long to) {
        FlowPage page = store.search(FlowSearch.between(from, to).order(FlowSearch.Order.OLDEST_FIRST).page(0, FlowSearch.MAX_LIMIT));
        assertEquals(expected.size(), page.total());
        List<FlowRecord> sorted = new ArrayList<>(expected);
        sorted.sort((a, b) -> Long.compare(a.receivedMillis(), b.receivedMillis()));
        for (int i = 0; i < sorted.size(); i++) {
            assertEquals(Traffic.describe(sorted.get(i)), Traffic.describe(page.flows().get(i)));
        }
    }

    private SqlFlowStore open(Path file, int epochTexts) {
        DuckDbEngine engine = DuckDbEngine.open(file, 256, 2, clock.get());
        engine.epochTexts = epochTexts;
        return new SqlFlowStore("test", engine, StoreSettings.parse("1s", 100_000, 1, 1, new String[0], "received"),
                new MetricsRegistry(), clock::get);
    }

    private static void close(SqlFlowStore store) {
        store.close(30_000);
        store.engine().close();
    }

    private static long count(Path file, String sql) throws SQLException {
        try (DuckDBConnection c = (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:" + file, new Properties());
                Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void textsReadBackAcrossEpochsAndRestarts() throws Exception {
        Path file = dir.resolve("flows.duckdb");
        List<FlowRecord> all = new ArrayList<>();
        SqlFlowStore store = open(file, 100);
        int epochAtOpen = ((DuckDbEngine) store.engine()).epoch();
        // 3 new texts per record and 100 per epoch: several epochs in one run
        for (int round = 0; round < 4; round++) {
            List<FlowRecord> r = records(round * 60, 60, T0 - 3_600_000);
            write(store, r);
            all.addAll(r);
        }
        int epochAfter = ((DuckDbEngine) store.engine()).epoch();
        assertTrue(epochAfter > epochAtOpen + 2, "full epochs start new ones: " + epochAtOpen + " -> " + epochAfter);
        checkAll(store, all, T0 - 2 * 3_600_000, T0);
        // records staged and then discarded leave numbers nobody wrote: a new epoch starts
        ((DuckDbEngine) store.engine()).discard();
        List<FlowRecord> more = records(1_000, 40, T0 - 3_600_000);
        write(store, more);
        all.addAll(more);
        checkAll(store, all, T0 - 2 * 3_600_000, T0);
        close(store);

        // a reopened file starts a new epoch and reads the old ones
        store = open(file, 100);
        assertTrue(((DuckDbEngine) store.engine()).epoch() > epochAfter);
        List<FlowRecord> later = records(2_000, 30, T0 - 3_600_000);
        write(store, later);
        all.addAll(later);
        checkAll(store, all, T0 - 2 * 3_600_000, T0);
        close(store);
        assertTrue(count(file, "SELECT count(DISTINCT epoch) FROM texts") > 3);
    }

    @Test
    void retentionRemovesTextsNoRecordUses() throws Exception {
        Path file = dir.resolve("flows.duckdb");
        SqlFlowStore store = open(file, 50);
        List<FlowRecord> old = records(0, 100, T0 - 2 * DAY);
        write(store, old);
        List<FlowRecord> recent = records(500, 20, T0 - 3_600_000);
        write(store, recent);
        store.writer().maintain().get(60, TimeUnit.SECONDS);
        checkAll(store, recent, T0 - DAY, T0);
        close(store);
        long texts = count(file, "SELECT count(*) FROM texts");
        assertTrue(texts >= 60 && texts <= 3 * 50 + 10, "texts of the removed day's epochs are gone, the recent ones stay: " + texts);
        assertEquals(0, count(file, "SELECT count(*) FROM flows WHERE time_ms < " + (T0 - DAY)));
        assertEquals(0, count(file, "SELECT count(*) FROM texts WHERE epoch < (SELECT min(text_epoch) FROM flows)"));

        // nothing refers to the old texts, and what is kept reads back after reopening
        store = open(file, 50);
        checkAll(store, recent, T0 - DAY, T0);
        close(store);
    }

    @Test
    void aFileOfAnEarlierSchemaIsMovedAsideAndANewOneStarted() throws Exception {
        Path file = dir.resolve("old/flows.duckdb");
        java.nio.file.Files.createDirectories(file.getParent());
        try (DuckDBConnection c = (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:" + file, new Properties());
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE store_state (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL)");
            st.execute("INSERT INTO store_state VALUES ('schema_version', 1)");
            st.execute("CREATE TABLE flows (src VARCHAR)");
            st.execute("INSERT INTO flows VALUES ('kept')");
        }
        SqlFlowStore store = open(file, 1 << 20);
        List<FlowRecord> written = records(0, 10, T0);
        write(store, written);
        checkAll(store, written, T0, T0 + DAY);
        close(store);
        Path aside = file.resolveSibling("flows.duckdb.v1-" + T0);
        assertEquals(1, count(aside, "SELECT count(*) FROM flows WHERE src = 'kept'"), "the old file is kept, untouched");
        assertEquals(2, count(file, "SELECT value FROM store_state WHERE name = 'schema_version'"));
    }
}
