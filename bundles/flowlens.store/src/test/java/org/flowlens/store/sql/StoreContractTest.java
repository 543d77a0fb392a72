package org.flowlens.store.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.query.Metric;
import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEntry;
import org.flowlens.api.store.AlertPage;
import org.flowlens.api.store.AlertSearch;
import org.flowlens.api.store.FlowPage;
import org.flowlens.api.store.FlowSearch;
import org.flowlens.api.store.Series;
import org.flowlens.api.store.StoreStatus;
import org.flowlens.api.store.TopTalkers;
import org.flowlens.pipeline.MetricsRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every store engine must do, checked against answers computed in plain Java from the same
 * records. Engine tests extend this class with a real engine.
 */
public abstract class StoreContractTest {
    /** Monday 2025-03-10 12:00:00 UTC. */
    protected static final long T0 = Instant.parse("2025-03-10T12:00:00Z").toEpochMilli();
    protected static final long MIN = 60_000;
    protected static final long HOUR = 3_600_000;
    protected static final long DAY = 86_400_000;

    protected final AtomicLong clock = new AtomicLong(T0);
    protected final Metrics metrics = new MetricsRegistry();
    private final List<SqlFlowStore> open = new ArrayList<>();

    /** A new, empty engine; {@code nowMillis} is the time of its creation. */
    protected abstract SqlEngine createEngine(long nowMillis);

    protected SqlFlowStore store(StoreSettings settings) {
        SqlFlowStore s = new SqlFlowStore("test", createEngine(clock.get()), settings, metrics, clock::get);
        open.add(s);
        return s;
    }

    protected SqlFlowStore store() {
        return store(StoreSettings.defaults());
    }

    @AfterEach
    void closeStores() {
        for (SqlFlowStore s : open) {
            s.close(30_000);
            s.engine().close();
        }
    }

    protected static void write(SqlFlowStore store, List<FlowRecord> records) throws Exception {
        for (FlowBatch b : Traffic.batches(records, 100)) {
            store.accept(b);
        }
        store.writer().flush().get(60, TimeUnit.SECONDS);
    }

    private static List<Long> ids(FlowPage page) {
        return page.flows().stream().map(FlowRecord::observationDomain).toList();
    }

    // ---- records --------------------------------------------------------------------------

    @Test
    void keepsEveryFieldOfARecord() throws Exception {
        SqlFlowStore store = store();
        FlowRecord a = Traffic.record(1, T0 - HOUR);
        a.srcCity("Zürich\ttab").dstCity("line\nbreak \\ back'quote\" 東京").srcAs(4_294_967_295L).bytes(1L << 40)
                .packets(123_456_789L).inIf(-5).tcpFlags(0x1FF).nextHop(0x2001_0db8_0000_0000L, 1).dstLocation(-33.9f, 151.2f)
                .outIfName("xe-1/2/3").srcDomain("host.example.org").samplingRate(4_000_000_000L);
        FlowRecord b = Traffic.record(2, T0 - HOUR + 1);
        b.format(null).srcCountry(null).srcLocation(Float.NaN, Float.NaN).srcMac(0xFFFF_FFFF_FFFFL);
        write(store, List.of(a, b));
        FlowPage page = store.search(FlowSearch.between(T0 - 2 * HOUR, T0).order(FlowSearch.Order.OLDEST_FIRST));
        assertEquals(2, page.total());
        assertEquals(Traffic.describe(a), Traffic.describe(page.flows().get(0)));
        assertEquals(Traffic.describe(b), Traffic.describe(page.flows().get(1)));
    }

    @Test
    void searchesByEveryFilter() throws Exception {
        SqlFlowStore store = store();
        List<FlowRecord> records = Traffic.records(1_500, T0 - 3 * HOUR, T0);
        write(store, records);
        FlowSearch all = FlowSearch.between(T0 - 3 * HOUR, T0).page(0, 40);
        List<FlowSearch> searches = List.of(all,
                all.address("10.0.1.5"),
                all.address("192.0.2.8"),
                all.srcAddress("10.0.1.0/24"),
                all.dstAddress("192.0.2.0/28"),
                all.address("2001:db8::/32"),
                all.dstAddress("2001:db8:1::/48"),
                all.srcAddress("2001:db8::4"),
                all.srcAddress("10.0.0.0/8").dstAddress("192.0.2.16/28"),
                all.address("0.0.0.0/0"),
                all.exporter("198.51.100.1"),
                all.exporter("2001:db8:ff::1"),
                all.srcPort(443),
                all.dstPort(53),
                all.port(443),
                all.protocol(17),
                all.protocol(58),
                all.address("10.0.2.0/24").port(80).protocol(6),
                all.srcAddress("192.0.2.0/24"),
                FlowSearch.between(T0 - 2 * HOUR + 12_345, T0 - 97 * MIN - 1).page(0, 40),
                FlowSearch.between(T0 - 30 * MIN, T0 - 30 * MIN + 1).page(0, 40),
                all.address("203.0.113.9"));
        int nonEmpty = 0;
        for (FlowSearch s : searches) {
            List<Long> expected = Reference.ids(records, s);
            FlowPage page = store.search(s);
            assertEquals(expected.size(), page.total(), "total of " + s);
            assertEquals(expected.subList(0, Math.min(40, expected.size())), ids(page), "page of " + s);
            assertEquals(expected.size() > 40, page.hasMore(), "more after " + s);
            nonEmpty += expected.isEmpty() ? 0 : 1;
        }
        assertTrue(nonEmpty >= searches.size() - 3, "the searches must mostly find something to test anything");
    }

    @Test
    void pagesCoverEveryMatchOnceInOrder() throws Exception {
        SqlFlowStore store = store();
        List<FlowRecord> records = Traffic.records(600, T0 - HOUR, T0);
        write(store, records);
        for (FlowSearch.Order order : FlowSearch.Order.values()) {
            FlowSearch s = FlowSearch.between(T0 - HOUR, T0).address("10.0.0.0/8").order(order);
            List<Long> expected = Reference.ids(records, s);
            List<Long> seen = new ArrayList<>();
            for (int offset = 0; offset < expected.size() + 37; offset += 37) {
                FlowPage page = store.search(s.page(offset, 37));
                assertEquals(expected.size(), page.total());
                seen.addAll(ids(page));
                assertEquals(offset + 37 < expected.size(), page.hasMore());
            }
            assertEquals(expected, seen, "pages in " + order + " order");
        }
    }

    // ---- top talkers and series -------------------------------------------------------------

    @Test
    void topTalkersMatchTheRecords() throws Exception {
        SqlFlowStore store = store();
        List<FlowRecord> records = Traffic.records(2_000, T0 - 3 * HOUR, T0);
        write(store, records);
        checkTopTalkers(store, records);
    }

    private void checkTopTalkers(SqlFlowStore store, List<FlowRecord> records) {
        long[][] ranges = {{T0 - 3 * HOUR, T0}, {T0 - 2 * HOUR + 12_345, T0 - 17_000}, {T0 - 30 * MIN + 5_000, T0 - 30 * MIN + 50_000},
            {T0 - 5 * MIN, T0 + 5 * MIN}, {T0 - 10 * DAY, T0 - 9 * DAY}};
        for (long[] r : ranges) {
            for (Metric m : Metric.values()) {
                for (int limit : new int[] {5, 1_000}) {
                    TopTalkers expected = Reference.topTalkers(records, r[0], r[1], m, limit);
                    TopTalkers got = store.topTalkers(r[0], r[1], m, limit);
                    String what = m + " top " + limit + " over " + (r[0] - T0) + ".." + (r[1] - T0);
                    assertEquals(expected.talkers(), got.talkers(), what);
                    assertEquals(List.of(expected.totalBytes(), expected.totalPackets(), expected.totalFlows()),
                            List.of(got.totalBytes(), got.totalPackets(), got.totalFlows()), "totals of " + what);
                }
            }
        }
    }

    @Test
    void seriesMatchTheRecords() throws Exception {
        SqlFlowStore store = store();
        List<FlowRecord> records = Traffic.records(2_000, T0 - 3 * HOUR, T0);
        write(store, records);
        checkSeries(store, records);
    }

    private void checkSeries(SqlFlowStore store, List<FlowRecord> records) {
        long[][] ranges = {{T0 - 3 * HOUR, T0}, {T0 - 2 * HOUR + 12_345, T0 - 17_000}, {T0 - 7 * MIN, T0 + 3 * MIN}};
        long[] steps = {MIN, 5 * MIN, 60 * MIN, 90_001};
        for (long[] r : ranges) {
            for (long step : steps) {
                for (int limit : new int[] {3, 100}) {
                    Metric m = Metric.values()[(int) (step % 3)];
                    for (Series.Dimension dim : Series.Dimension.values()) {
                        Series expected = Reference.series(records, dim, r[0], r[1], step, m, limit);
                        Series got = dim == Series.Dimension.PORT ? store.portSeries(r[0], r[1], step, m, limit)
                                : store.protocolSeries(r[0], r[1], step, m, limit);
                        String what = dim + " by " + m + " top " + limit + " step " + step + " over " + (r[0] - T0) + ".." + (r[1] - T0);
                        assertEquals(List.of(expected.fromMillis(), expected.toMillis(), expected.stepMillis()),
                                List.of(got.fromMillis(), got.toMillis(), got.stepMillis()), what);
                        assertEquals(expected.total(), got.total(), "total of " + what);
                        assertEquals(expected.lines(), got.lines(), "lines of " + what);
                    }
                }
            }
        }
        Series ports = store.portSeries(T0 - 3 * HOUR, T0, 60 * MIN, Metric.FLOWS, 3);
        assertEquals(4, ports.lines().size(), "three ports and the rest");
        assertEquals(Series.Line.OTHER, ports.lines().get(3).key());
    }

    @Test
    void answersStayTheSameOnceMinutesAreRolledUp() throws Exception {
        clock.set(T0 - 4 * HOUR);
        SqlFlowStore store = store();
        List<FlowRecord> records = Traffic.records(1_500, T0 - 3 * HOUR, T0);
        clock.set(T0);
        write(store, records);
        checkTopTalkers(store, records);
        clock.set(T0 + 10 * MIN);
        store.writer().maintain().get(60, TimeUnit.SECONDS);
        checkTopTalkers(store, records);
        checkSeries(store, records);
        // a record of a minute already rolled up is counted where it belongs
        FlowRecord late = Traffic.record(5_000, T0 - 2 * HOUR + 30_000);
        List<FlowRecord> more = new ArrayList<>(records);
        more.add(late);
        write(store, List.of(late));
        checkTopTalkers(store, more);
    }

    // ---- retention, filter, status ----------------------------------------------------------

    // ---- alerts -----------------------------------------------------------------------------

    @Test
    void keepsTheAlertHistory() throws Exception {
        SqlFlowStore store = store();
        long t = T0 - HOUR;
        Alert raised = Alerts.alert("portscan/10.0.0.5/" + t, "portscan", "10.0.0.5", Alert.State.RAISED, t, t, 150);
        List<Alert> published = new ArrayList<>();
        assertTrue(store.acceptAlert(Alerts.event(raised)));
        published.add(raised);
        for (int i = 1; i <= 20; i++) {
            Alert ongoing = Alerts.alert(raised.id(), "portscan", "10.0.0.5", Alert.State.ONGOING, t, t + i * 1_000, 150 + i);
            store.acceptAlert(Alerts.event(ongoing));
            published.add(ongoing);
        }
        Alert resolved = Alerts.alert(raised.id(), "portscan", "10.0.0.5", Alert.State.RESOLVED, t, t + 60_000, 90);
        store.acceptAlert(Alerts.event(resolved));
        published.add(resolved);
        store.acceptAlert(Alerts.acknowledged(resolved, "ops", "known scanner", t + 61_000));
        // a second alert from a publisher that does not share the type, and a third of another detector
        Alert other = Alerts.alert("bandwidth/total/" + t, "bandwidth", "total", Alert.State.RAISED, t + 25_500, t + 25_500, 1e12);
        assertTrue(store.acceptAlert(Alerts.plainEvent(other)));
        Alert third = Alerts.alert("portscan/10.0.0.6/" + t, "portscan", "10.0.0.6", Alert.State.RAISED, t + 30_000, t + 30_000,
                Double.POSITIVE_INFINITY);
        store.acceptAlert(Alerts.event(third));
        assertFalse(store.acceptAlert(new org.osgi.service.event.Event("org/flowlens/other/TOPIC", java.util.Map.of())));
        store.writer().flush().get(60, TimeUnit.SECONDS);

        AlertPage all = store.alerts(AlertSearch.between(T0 - DAY, T0));
        assertEquals(3, all.total());
        assertEquals(List.of(raised.id(), third.id(), other.id()), all.alerts().stream().map(e -> e.alert().id()).toList(),
                "most recently updated first");
        AlertEntry scan = all.alerts().get(0);
        assertEquals(resolved, scan.alert(), "the alert as last published, evidence and all");
        assertEquals(22, scan.updates());
        assertEquals(AlertEntry.TIMELINE, scan.timeline().size());
        assertEquals(raised, scan.timeline().get(0), "the timeline keeps the first event");
        assertEquals(published.subList(published.size() - AlertEntry.TIMELINE + 1, published.size()),
                scan.timeline().subList(1, AlertEntry.TIMELINE), "and the most recent ones");
        assertEquals("ops", scan.acknowledgement().by());
        assertEquals("known scanner", scan.acknowledgement().note());
        assertEquals(t + 61_000, scan.acknowledgement().millis());
        assertEquals(other, all.alerts().get(2).alert());
        assertNull(all.alerts().get(2).acknowledgement());
        assertEquals(third, all.alerts().get(1).alert());

        assertEquals(List.of(raised.id(), third.id()), ids(store.alerts(AlertSearch.between(T0 - DAY, T0).detector("portscan"))));
        assertEquals(List.of(third.id()), ids(store.alerts(AlertSearch.between(T0 - DAY, T0).key("10.0.0.6"))));
        assertEquals(List.of(other.id()), ids(store.alerts(AlertSearch.between(t + 25_000, t + 26_000))),
                "alerts with an event in the range");
        assertEquals(0, store.alerts(AlertSearch.between(T0 - DAY, T0).detector("it's")).total());
        AlertPage second = store.alerts(AlertSearch.between(T0 - DAY, T0).page(1, 1));
        assertEquals(3, second.total());
        assertEquals(List.of(third.id()), ids(second));
        assertTrue(second.hasMore());
        assertTrue(store.alerts(AlertSearch.between(T0 - DAY, T0).page(3, 10)).alerts().isEmpty());
    }

    @Test
    void alertsAreKeptAsLongAsTheRollups() throws Exception {
        SqlFlowStore store = store(new StoreSettings(1_000, 1_000_000, 7, 13, List.of(), StoreSettings.TimeSource.RECEIVED));
        long june = Instant.parse("2024-06-15T10:00:00Z").toEpochMilli();
        long december = Instant.parse("2023-12-15T10:00:00Z").toEpochMilli();
        store.acceptAlert(Alerts.event(Alerts.alert("a/june", "flood", "192.0.2.1", Alert.State.RAISED, june, june, 1)));
        store.acceptAlert(Alerts.event(Alerts.alert("a/december", "flood", "192.0.2.2", Alert.State.RAISED, december, december, 1)));
        store.writer().maintain().get(60, TimeUnit.SECONDS);
        assertEquals(List.of("a/june"), ids(store.alerts(AlertSearch.between(0, T0))), "alerts older than 13 whole months are gone");
    }

    private static List<String> ids(AlertPage page) {
        return page.alerts().stream().map(e -> e.alert().id()).toList();
    }

    @Test
    void retentionRemovesWholeDaysAndMonthsLive() throws Exception {
        SqlFlowStore store = store(new StoreSettings(1_000, 1_000_000, 7, 13, List.of(), StoreSettings.TimeSource.RECEIVED));
        long cutoff = Instant.parse("2025-03-03T00:00:00Z").toEpochMilli();
        FlowRecord gone = Traffic.record(1, cutoff - HOUR);
        FlowRecord kept = Traffic.record(2, cutoff + 1);
        FlowRecord recent = Traffic.record(3, T0 - HOUR);
        long june = Instant.parse("2024-06-15T10:00:00Z").toEpochMilli();
        long december = Instant.parse("2023-12-15T10:00:00Z").toEpochMilli();
        FlowRecord rolled = Traffic.record(4, june);
        FlowRecord expired = Traffic.record(5, december);
        write(store, List.of(gone, kept, recent, rolled, expired));
        store.writer().maintain().get(60, TimeUnit.SECONDS);

        FlowPage page = store.search(FlowSearch.between(0, T0 + DAY).order(FlowSearch.Order.OLDEST_FIRST));
        assertEquals(List.of(2L, 3L), ids(page), "raw records older than 7 whole days are gone");
        TopTalkers june2024 = store.topTalkers(Instant.parse("2024-06-01T00:00:00Z").toEpochMilli(),
                Instant.parse("2024-07-01T00:00:00Z").toEpochMilli(), Metric.BYTES, 10);
        assertEquals(rolled.bytes(), june2024.totalBytes(), "rollups outlive raw records");
        assertEquals(List.of(Traffic.src(4), Traffic.dst(4)), june2024.talkers().stream().map(TopTalkers.Talker::address).sorted().toList());
        Series series = store.protocolSeries(Instant.parse("2024-06-15T00:00:00Z").toEpochMilli(),
                Instant.parse("2024-06-16T00:00:00Z").toEpochMilli(), DAY, Metric.BYTES, 5);
        assertEquals(rolled.bytes(), series.total().get(0).bytes());
        TopTalkers dec2023 = store.topTalkers(Instant.parse("2023-12-01T00:00:00Z").toEpochMilli(),
                Instant.parse("2024-01-01T00:00:00Z").toEpochMilli(), Metric.BYTES, 10);
        assertEquals(0, dec2023.totalFlows(), "rollups older than 13 whole months are gone");
        assertTrue(dec2023.talkers().isEmpty());

        // shorter retention applies at once, and so does the passing of time
        store.configure(new StoreSettings(1_000, 1_000_000, 1, 13, List.of(), StoreSettings.TimeSource.RECEIVED));
        store.writer().maintain().get(60, TimeUnit.SECONDS);
        assertEquals(List.of(3L), ids(store.search(FlowSearch.between(0, T0 + DAY))));
        clock.set(T0 + 2 * DAY);
        store.writer().maintain().get(60, TimeUnit.SECONDS);
        assertEquals(0, store.search(FlowSearch.between(0, T0 + DAY)).total());
        assertEquals(recent.bytes(), store.topTalkers(T0 - 2 * HOUR, T0, Metric.BYTES, 10).totalBytes(),
                "the rollups still hold the day that left the raw records");
    }

    @Test
    void addressFilterStoresOnlyMatchingRecordsAndChangesLive() throws Exception {
        StoreSettings filtered = StoreSettings.parse("1s", 100_000, 7, 13, new String[] {"10.0.1.0/24", " ", "2001:db8:1::/48"}, "received");
        SqlFlowStore store = store(filtered);
        List<FlowRecord> records = Traffic.records(700, T0 - HOUR, T0 - MIN);
        write(store, records);
        FlowSearch all = FlowSearch.between(T0 - HOUR, T0).page(0, 1_000).order(FlowSearch.Order.OLDEST_FIRST);
        List<Long> expected = Reference.ids(records.stream().filter(filtered::admits).toList(), all);
        assertTrue(expected.size() > 100 && expected.size() < 600, "the filter must keep some and drop some: " + expected.size());
        assertEquals(expected, ids(store.search(all)));
        assertEquals(700 - expected.size(), store.writer().filtered());
        assertEquals(expected.size(), store.writer().written());

        store.configure(StoreSettings.defaults());
        List<FlowRecord> later = Traffic.records(50, T0 - MIN, T0);
        write(store, later);
        assertEquals(expected.size() + 50, store.search(FlowSearch.between(T0 - HOUR, T0)).total(), "everything is stored again");
        assertEquals(700 - expected.size(), store.writer().filtered());
        assertEquals(700 - expected.size(), sample("flowlens_store_filtered_records_total", "store", "test"));
    }

    @Test
    void statusTellsWhatTheStoreHolds() throws Exception {
        SqlFlowStore store = store();
        List<FlowRecord> records = Traffic.records(300, T0 - HOUR, T0);
        write(store, records);
        StoreStatus s = store.status();
        assertEquals(300, s.storedRecords());
        assertEquals(T0 - HOUR, s.oldestMillis());
        assertEquals(records.get(records.size() - 1).receivedMillis(), s.newestMillis());
        assertEquals(300, s.acceptedRecords());
        assertEquals(300, s.writtenRecords());
        assertEquals(0, s.droppedRecords());
        assertEquals(0, s.queuedRecords());
        assertEquals(1_000, s.flushMillis());
        assertEquals(T0, s.lastFlushMillis());
        assertTrue(s.diskBytes() > 0);
        assertNull(s.lastError());
        assertEquals(7, s.rawRetentionDays());
        assertEquals(13, s.rollupRetentionMonths());
        assertEquals(300.0, sample("flowlens_store_written_records_total"));
    }

    protected double sample(String name, String... labels) {
        return metrics.snapshot().stream().filter(x -> x.name().equals(name)).filter(x -> {
            for (int i = 0; i + 1 < labels.length; i += 2) {
                if (!labels[i + 1].equals(x.label(labels[i]))) {
                    return false;
                }
            }
            return true;
        }).mapToDouble(x -> x.value()).sum();
    }

    @Test
    void refusesQueriesItCannotAnswer() {
        SqlFlowStore store = store();
        assertThrows(IllegalArgumentException.class, () -> store.topTalkers(T0, T0, Metric.BYTES, 10));
        assertThrows(IllegalArgumentException.class, () -> store.topTalkers(T0 - HOUR, T0, Metric.BYTES, 0));
        assertThrows(IllegalArgumentException.class, () -> store.topTalkers(T0 - HOUR, T0, Metric.BYTES, 1_001));
        assertThrows(IllegalArgumentException.class, () -> store.protocolSeries(T0 - HOUR, T0, 0, Metric.BYTES, 5));
        assertThrows(IllegalArgumentException.class, () -> store.portSeries(T0 - 365 * DAY, T0, MIN, Metric.BYTES, 5));
        assertThrows(IllegalArgumentException.class, () -> FlowSearch.between(T0, T0 - 1));
        assertThrows(IllegalArgumentException.class, () -> FlowSearch.between(0, T0).address("10.0.0.300"));
        assertThrows(IllegalArgumentException.class, () -> FlowSearch.between(0, T0).srcAddress("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> FlowSearch.between(0, T0).port(65_536));
        assertThrows(IllegalArgumentException.class, () -> FlowSearch.between(0, T0).page(0, FlowSearch.MAX_LIMIT + 1));
        assertFalse(store.search(FlowSearch.between(0, T0)).hasMore());
    }

}
