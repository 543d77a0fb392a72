package org.flowlens.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;
import org.flowlens.api.query.Counters;
import org.flowlens.api.query.DistinctTop;
import org.flowlens.api.query.ErrorBound;
import org.flowlens.api.query.FlowQueryService;
import org.flowlens.api.query.Group;
import org.flowlens.api.query.HostDetail;
import org.flowlens.api.query.HostTop;
import org.flowlens.api.query.Metric;
import org.flowlens.api.query.Point;
import org.flowlens.api.query.PortTop;
import org.flowlens.api.query.TopN;
import org.flowlens.api.query.Trend;
import org.flowlens.api.query.WindowTotals;
import org.junit.jupiter.api.Test;

/** The engine against brute force, with a clock the test moves (no sleeping). */
class AggregatorTest {
    static final long T0 = 1_700_000_000_000L; // a multiple of 5 s
    static final Duration M1 = Duration.ofMinutes(1), M5 = Duration.ofMinutes(5), H1 = Duration.ofHours(1);
    static final List<String> DIMS = List.of("session", "src_addr", "dst_addr", "dst_port+protocol", "protocol",
            "dst_country", "exporter+in_if", "dst_asn+dst_as_name", "dst_domain");

    static Settings settings(List<String> dims, int topN, int budgetMb) {
        return new Settings(List.of("1m", "5m", "1h"), "5s", dims, topN, budgetMb, "5s", "received", "60s", "6h");
    }

    /**
     * Feeds records in receive-time order, moving the clock along and refreshing every 5 s; a
     * batch never straddles a refresh, so no record arrives after its bucket was sealed.
     */
    static void play(Aggregator a, Streams.Clock clock, List<FlowRecord> records, int batch) {
        long nextRefresh = (clock.now / 5000 + 1) * 5000;
        int i = 0;
        while (i < records.size()) {
            int end = i;
            while (end < records.size() && end - i < batch && records.get(end).receivedMillis() < nextRefresh) {
                end++;
            }
            if (end > i) {
                clock.now = Math.max(clock.now, records.get(end - 1).receivedMillis());
                a.accept(Streams.batch(records, i, end));
                i = end;
            } else {
                clock.now = nextRefresh;
                a.refresh();
                nextRefresh += 5000;
            }
        }
    }

    static void assertExact(Aggregator a, List<FlowRecord> records, Duration window, String spec) {
        TopN top = a.top(window, spec, Metric.BYTES, a.topN());
        List<FlowRecord> in = BruteForce.between(records, top.fromMillis(), top.toMillis());
        Map<List<String>, long[]> truth = BruteForce.group(in, spec);
        assertEquals(ErrorBound.EXACT, top.error(), spec);
        assertEquals(truth.size(), top.groups().size(), spec + " groups in " + window);
        long bytes = 0;
        for (Group g : top.groups()) {
            long[] v = truth.get(g.key());
            assertTrue(v != null, spec + ": no such group " + g.key());
            assertEquals(v[0], g.bytes(), spec + " bytes of " + g.key());
            assertEquals(v[1], g.packets(), spec + " packets of " + g.key());
            assertEquals(v[2], g.flows(), spec + " flows of " + g.key());
            bytes += g.bytes();
        }
        assertEquals(bytes, top.totalBytes());
        for (int i = 1; i < top.groups().size(); i++) {
            assertTrue(top.groups().get(i - 1).bytes() >= top.groups().get(i).bytes(), "ranked by bytes");
        }
    }

    @Test
    void everyDimensionAndWindowIsExactWhenTheKeysFit() {
        Streams.Clock clock = new Streams.Clock(T0);
        Aggregator a = new Aggregator(settings(DIMS, 3000, 1024), clock, Runnable::run);
        List<FlowRecord> records = Streams.records(30_000, 20, 30, 1.0, 11);
        Streams.spread(records, T0, T0 + 150_000);
        play(a, clock, records, 97);
        clock.now = T0 + 152_000;
        a.refresh();
        for (Duration w : List.of(M1, M5, H1)) {
            for (String spec : a.dimensions()) {
                assertExact(a, records, w, spec);
            }
        }
        WindowTotals m1 = a.window(M1);
        List<FlowRecord> in = BruteForce.between(records, m1.fromMillis(), m1.toMillis());
        assertEquals(in.size(), m1.flows());
        assertEquals(in.stream().mapToLong(FlowRecord::bytes).sum(), m1.bytes());
        assertEquals(clock.now, m1.toMillis());
        assertTrue(m1.fromMillis() <= clock.now - 60_000 && m1.fromMillis() >= clock.now - 65_000, "1m covers " + m1);
        assertEquals(m1.bytes() * 8 * 1000.0 / (m1.toMillis() - m1.fromMillis()), m1.bitsPerSecond(), 1e-6);
        // everything since start in the wider windows and in totals()
        // the hour is rebuilt once a minute: it covers up to its own end, at most a minute old
        WindowTotals h1 = a.window(H1);
        assertTrue(clock.now - h1.toMillis() < 60_000);
        assertEquals(BruteForce.between(records, h1.fromMillis(), h1.toMillis()).size(), h1.flows());
        assertEquals(T0, h1.fromMillis());
        assertEquals(records.size(), a.totals().flows());
        assertEquals(records.stream().mapToLong(FlowRecord::packets).sum(), a.totals().packets());
        // 20 hosts: the distinct estimates are close to the truth
        assertEquals(20, h1.distinctSources(), 1);
        assertEquals(30, h1.distinctDestinations(), 1);
    }

    @Test
    void windowsSlideAndExpire() {
        Streams.Clock clock = new Streams.Clock(T0);
        Aggregator a = new Aggregator(settings(List.of("src_addr"), 100, 64), clock, Runnable::run);
        List<FlowRecord> burst = Streams.records(1000, 5, 5, 0, 12);
        Streams.spread(burst, T0 + 1000, T0 + 2000);
        clock.now = T0 + 2000;
        a.accept(Streams.batch(burst, 0, burst.size()));
        long bytes = burst.stream().mapToLong(FlowRecord::bytes).sum();
        boolean goneFrom1m = false, goneFrom5m = false;
        for (long t = T0 + 5000; t <= T0 + 2 * 3_600_000L; t += 5000) {
            clock.now = t;
            a.refresh();
            long in1 = a.window(M1).bytes(), in5 = a.window(M5).bytes(), inH = a.window(H1).bytes();
            long age = t - T0;
            if (age <= 60_000) {
                assertEquals(bytes, in1, "1m at " + age);
            }
            if (age >= 65_000) {
                assertEquals(0, in1, "1m at " + age);
                goneFrom1m = true;
            }
            if (age <= 4 * 60_000) {
                assertEquals(bytes, in5, "5m at " + age);
            }
            if (age >= 6 * 60_000) {
                assertEquals(0, in5, "5m at " + age);
                goneFrom5m = true;
            }
            if (age <= 55 * 60_000) {
                assertEquals(bytes, inH, "1h at " + age);
                assertEquals(List.of(IpAddresses.format(burst.get(0).srcHi(), burst.get(0).srcLo())).size(),
                        a.top(H1, "src_addr", Metric.BYTES, 1).groups().size());
            }
            if (age >= 66 * 60_000) {
                assertEquals(0, inH, "1h at " + age);
                assertTrue(a.top(H1, "src_addr", Metric.BYTES, 10).groups().isEmpty());
            }
            // every window ends now and starts about its length ago (within one coarse slot)
            WindowTotals w = a.window(H1);
            assertTrue(t - w.toMillis() < 60_000);
            assertEquals(t, a.window(M1).toMillis());
            assertTrue(w.fromMillis() <= Math.max(T0, t - 3_600_000L) + 5000, "1h from " + w.fromMillis());
        }
        assertTrue(goneFrom1m && goneFrom5m);
        assertEquals(1000, a.totals().flows());
    }

    @Test
    void twoHoursOfTrafficKeepTheHourExactAndTheSlotsBounded() {
        Streams.Clock clock = new Streams.Clock(T0);
        Settings s = settings(List.of("src_addr", "dst_port+protocol", "protocol"), 1000, 256);
        Aggregator a = new Aggregator(s, clock, Runnable::run);
        List<FlowRecord> records = Streams.records(144_000, 40, 60, 0.8, 13);
        Streams.spread(records, T0, T0 + 2 * 3_600_000L);
        play(a, clock, records, 50);
        clock.now = T0 + 2 * 3_600_000L;
        a.refresh();
        for (String spec : a.dimensions()) {
            assertExact(a, records, H1, spec);
            assertExact(a, records, M5, spec);
            assertExact(a, records, M1, spec);
        }
        WindowTotals h = a.window(H1);
        long span = h.toMillis() - h.fromMillis();
        assertTrue(span >= 3_600_000L && span <= 3_600_000L * 11 / 10, "1h window covers " + span + " ms");
        // the structure holds at most maxSlots slots whatever the run length
        assertTrue(a.trackedKeys() < (long) (s.maxSlots + 20) * (40 + 15 + 3 + 40), "tracked " + a.trackedKeys());
    }

    @Test
    void skewedTrafficBeyondCapacityStaysWithinTheReportedBounds() {
        Streams.Clock clock = new Streams.Clock(T0);
        Settings s = new Settings(List.of("1m"), "5s", List.of("session", "src_addr", "dst_addr"), 50, 4, "5s", "received",
                "60s", "10m");
        assertTrue(s.capacity < 5000, "capacity " + s.capacity);
        Aggregator a = new Aggregator(s, clock, Runnable::run);
        for (double skew : new double[] {1.2, 0}) {
            List<FlowRecord> records = Streams.records(200_000, 5000, 20_000, skew, 14);
            Streams.spread(records, clock.now, clock.now + 50_000);
            play(a, clock, records, 256);
            clock.now += 1000;
            a.refresh();
            for (String spec : a.dimensions()) {
                TopN top = a.top(M1, spec, Metric.BYTES, 50);
                Map<List<String>, long[]> truth = BruteForce.group(BruteForce.between(records, top.fromMillis(), top.toMillis()), spec);
                assertFalse(top.error().exact(), spec + " should have overflowed");
                long bound = top.error().bytes();
                assertTrue(bound <= 2 * top.totalBytes() / s.capacity * 12, spec + " bound " + bound);
                for (Group g : top.groups()) {
                    long[] v = truth.get(g.key());
                    assertTrue(g.bytes() <= v[0] && v[0] <= g.bytes() + bound, spec + " " + g.key());
                    assertTrue(g.flows() <= v[2] && v[2] <= g.flows() + top.error().flows(), spec + " " + g.key());
                }
                // every group heavier than the bound is listed, if the list has room for it
                long min = top.groups().get(top.groups().size() - 1).bytes();
                for (Map.Entry<List<String>, long[]> e : truth.entrySet()) {
                    if (e.getValue()[0] > min + bound) {
                        assertTrue(top.groups().stream().anyMatch(g -> g.key().equals(e.getKey())), spec + " missed " + e.getKey());
                    }
                }
            }
            clock.now += 120_000;
            a.refresh();
        }
    }

    @Test
    void lateStaleAndFutureRecords() {
        Streams.Clock clock = new Streams.Clock(T0 + 30_000);
        Aggregator a = new Aggregator(settings(List.of("src_addr"), 100, 64), clock, Runnable::run);
        List<FlowRecord> r = Streams.records(5, 1, 1, 0, 15);
        r.get(0).receivedMillis(T0 + 30_500); // current bucket
        r.get(1).receivedMillis(T0 + 20_000); // two buckets back, within the 60 s lateness
        r.get(2).receivedMillis(T0 - 600_000); // ten minutes old
        r.get(3).receivedMillis(T0 + 3_600_000); // an hour ahead
        r.get(4).receivedMillis(0); // never stamped: arrives now
        a.accept(Streams.batch(r, 0, 5));
        clock.now = T0 + 31_000;
        a.refresh();
        var st = a.status();
        assertEquals(1, st.late());
        assertEquals(1, st.stale());
        assertEquals(1, st.future());
        assertEquals(5, a.totals().flows());
        long expected = r.get(0).bytes() + r.get(1).bytes() + r.get(3).bytes() + r.get(4).bytes();
        assertEquals(expected, a.window(M1).bytes());
        assertEquals(expected, a.window(H1).bytes());
    }

    @Test
    void dimensionsChangeLive() {
        Streams.Clock clock = new Streams.Clock(T0);
        Aggregator a = new Aggregator(settings(List.of("src_addr", "protocol"), 500, 64), clock, Runnable::run);
        List<FlowRecord> before = Streams.records(5000, 10, 10, 0, 16);
        Streams.spread(before, T0, T0 + 20_000);
        play(a, clock, before, 100);
        a.reconfigure(settings(List.of("src_addr", "dst_port+src_addr"), 500, 64));
        assertEquals(List.of("src_addr", "src_addr+dst_port"), a.dimensions());
        assertThrows(IllegalArgumentException.class, () -> a.top(M1, "protocol", Metric.BYTES, 10));
        long switched = clock.now;
        List<FlowRecord> after = Streams.records(5000, 10, 10, 0, 17);
        Streams.spread(after, clock.now, clock.now + 20_000);
        play(a, clock, after, 100);
        clock.now += 1000;
        a.refresh();
        List<FlowRecord> all = new ArrayList<>(before);
        all.addAll(after);
        // the dimension that stayed saw everything; the new one only what came after the change
        assertExact(a, all, M1, "src_addr");
        TopN added = a.top(M1, "dst_port+src_addr", Metric.FLOWS, 500);
        assertEquals(switched, added.fromMillis());
        assertEquals(after.size(), added.groups().stream().mapToLong(Group::flows).sum());
        assertEquals(List.of("src_addr", "dst_port"), added.fields());
    }

    static byte[] saved(Aggregator a) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        a.save(new java.io.DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    static Aggregator restored(Settings s, Streams.Clock clock, byte[] saved) throws java.io.IOException {
        return Aggregator.restore(s, clock, Runnable::run, new java.io.DataInputStream(new java.io.ByteArrayInputStream(saved)));
    }

    /** What the console and exporters read of an aggregator, by name, to compare two of them. */
    static Map<String, Object> answers(Aggregator a) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("totals", a.totals());
        for (Duration w : a.windows()) {
            out.put("window " + w, a.window(w));
            for (String spec : a.dimensions()) {
                out.put("top " + spec + " " + w, a.top(w, spec, Metric.BYTES, a.topN()));
            }
            out.put("hosts " + w, a.hosts(w, Metric.BYTES, 50));
            out.put("ports " + w, a.ports(w, 50));
            out.put("distinct " + w, a.distinctBySource(w, DistinctTop.By.PORTS, 50));
        }
        for (String spec : a.dimensions()) {
            out.put("counters " + spec, a.counters(spec, 1000));
        }
        out.put("trend", a.trend(Duration.ofHours(1), Duration.ofSeconds(5), 5));
        return out;
    }

    static void assertSameAnswers(Aggregator expected, Aggregator actual) {
        Map<String, Object> e = answers(expected), a = answers(actual);
        assertEquals(e.keySet(), a.keySet());
        for (String k : e.keySet()) {
            String x = String.valueOf(e.get(k)), y = String.valueOf(a.get(k));
            int d = 0;
            while (d < Math.min(x.length(), y.length()) && x.charAt(d) == y.charAt(d)) {
                d++;
            }
            int from = Math.max(0, d - 150);
            assertTrue(e.get(k).equals(a.get(k)), k + " differs at " + d + ": expected ..." + x.substring(from, Math.min(x.length(), d + 150))
                    + " but was ..." + y.substring(from, Math.min(y.length(), d + 150)));
        }
    }

    @Test
    void savedAggregatesGoOnInAnotherInstance() throws Exception {
        Streams.Clock clock = new Streams.Clock(T0);
        Settings s = settings(DIMS, 3000, 1024);
        Aggregator a = new Aggregator(s, clock, Runnable::run);
        List<FlowRecord> records = Streams.records(30_000, 20, 30, 1.0, 21);
        Streams.spread(records, T0, T0 + 150_000);
        play(a, clock, records.subList(0, 20_000), 97);
        clock.now += 1200; // within a bucket: the records still in the pane are saved too
        a.accept(Streams.batch(records, 20_000, 20_100));
        byte[] state = saved(a);
        Aggregator b = restored(s, clock, state);
        a.refresh();
        b.refresh();
        assertSameAnswers(a, b);
        assertEquals(T0, b.totals().sinceMillis(), "counted since the first instance started");
        // both go on alike, the bucket that was open at the save included
        List<FlowRecord> rest = records.subList(20_100, records.size());
        long mark = clock.now;
        play(a, clock, rest, 97);
        clock.now = mark; // the second one goes through the same times
        play(b, clock, rest, 97);
        clock.now = T0 + 152_000;
        a.refresh();
        b.refresh();
        assertSameAnswers(a, b);
        for (String spec : b.dimensions()) {
            assertExact(b, records, M5, spec);
        }
        assertEquals(records.size(), b.totals().flows());
    }

    @Test
    void savedAggregatesFollowANewConfiguration() throws Exception {
        Streams.Clock clock = new Streams.Clock(T0);
        Aggregator a = new Aggregator(settings(List.of("src_addr", "protocol", "dst_domain"), 500, 64), clock, Runnable::run);
        List<FlowRecord> records = Streams.records(5000, 10, 10, 0, 22);
        Streams.spread(records, T0, T0 + 20_000);
        play(a, clock, records, 100);
        byte[] state = saved(a);
        clock.now += 3000;
        Aggregator b = restored(settings(List.of("src_addr", "dst_port+src_addr", "dst_domain"), 500, 64), clock, state);
        assertEquals(List.of("src_addr", "src_addr+dst_port", "dst_domain"), b.dimensions());
        assertExact(b, records, M1, "src_addr");
        assertExact(b, records, M1, "dst_domain");
        assertEquals(clock.now, b.top(M1, "dst_port+src_addr", Metric.FLOWS, 500).fromMillis(), "a new dimension starts now");
        assertEquals(0, b.top(M1, "dst_port+src_addr", Metric.FLOWS, 500).groups().size());
        assertEquals(T0, b.counters("src_addr", 10).sinceMillis());
        assertEquals(clock.now, b.counters("dst_port+src_addr", 10).sinceMillis());
        assertThrows(IllegalArgumentException.class, () -> b.top(M1, "protocol", Metric.BYTES, 10));

        // buckets of another size: the bucket open at the save is sealed as it was
        Aggregator c = restored(new Settings(List.of("1m", "5m", "1h"), "10s", List.of("src_addr"), 500, 64, "5s", "received",
                "60s", "6h"), clock, state);
        assertExact(c, records, M1, "src_addr");
        assertEquals(records.size(), c.totals().flows());
        assertEquals(records.size(), c.trend(Duration.ofMinutes(10), Duration.ofSeconds(10), 3).total().stream()
                .mapToLong(Point::flows).sum());
    }

    @Test
    void damagedSavedAggregatesAreRefused() throws Exception {
        Streams.Clock clock = new Streams.Clock(T0);
        Settings s = settings(DIMS, 100, 256);
        Aggregator a = new Aggregator(s, clock, Runnable::run);
        List<FlowRecord> records = Streams.records(2000, 10, 10, 0, 23);
        Streams.spread(records, T0, T0 + 10_000);
        play(a, clock, records, 100);
        byte[] state = saved(a);
        assertThrows(java.io.IOException.class, () -> restored(s, clock, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        assertThrows(java.io.IOException.class, () -> restored(s, clock, java.util.Arrays.copyOf(state, state.length / 2)));
        byte[] hostile = state.clone();
        // the first table's size, past its capacity
        java.nio.ByteBuffer.wrap(hostile).putInt(indexOfFirstTable(hostile) + 24, Integer.MAX_VALUE);
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> restored(s, clock, hostile));
        assertTrue(e.getMessage().contains("size 2147483647"), e.getMessage());
    }

    /** Where the first saved table starts: after the header, the counters and the first slot's fixed part. */
    private static int indexOfFirstTable(byte[] state) {
        // header 4 + 4 + 8 + 8 + 8, counters 6 * 8, level count 4, slots in level 0: 4,
        // slot: 6 * 8, protocols 768 * 8, three sketches, dimension count 4, the name (2 + length)
        int p = 4 + 4 + 8 + 8 + 8 + 6 * 8 + 4 + 4 + 6 * 8 + 768 * 8 + 3 * (1 << Pane.GLOBAL_P) + 4;
        int nameLength = ((state[p] & 0xFF) << 8) | (state[p + 1] & 0xFF);
        return p + 2 + nameLength;
    }

    @Test
    void consoleViewsMatchBruteForce() {
        Streams.Clock clock = new Streams.Clock(T0);
        Aggregator a = new Aggregator(settings(DIMS, 3000, 1024), clock, Runnable::run);
        List<FlowRecord> records = Streams.records(20_000, 15, 25, 1.0, 18);
        Streams.spread(records, T0, T0 + 50_000);
        play(a, clock, records, 128);
        clock.now = T0 + 52_000;
        a.refresh();
        List<FlowRecord> in = BruteForce.between(records, a.window(M1).fromMillis(), a.window(M1).toMillis());
        assertEquals(records.size(), in.size());

        // hosts as sender and receiver
        Map<List<String>, long[]> sent = BruteForce.group(in, r -> List.of(BruteForce.src(r)));
        Map<List<String>, long[]> recv = BruteForce.group(in, r -> List.of(BruteForce.dst(r)));
        HostTop hosts = a.hosts(M1, Metric.BYTES, 1000);
        assertEquals(new HashSet<>(union(sent.keySet(), recv.keySet())).size(), hosts.hosts().size());
        for (HostTop.Host h : hosts.hosts()) {
            long[] s = sent.getOrDefault(List.of(h.address()), new long[3]);
            long[] r = recv.getOrDefault(List.of(h.address()), new long[3]);
            assertEquals(s[0], h.bytesSent());
            assertEquals(r[0], h.bytesReceived());
            assertEquals(s[2], h.flowsSent());
            assertEquals(r[2], h.flowsReceived());
        }
        for (int i = 1; i < hosts.hosts().size(); i++) {
            HostTop.Host x = hosts.hosts().get(i - 1), y = hosts.hosts().get(i);
            assertTrue(x.bytesSent() + x.bytesReceived() >= y.bytesSent() + y.bytesReceived());
        }

        // ports with their protocol mix
        Map<List<String>, long[]> byPort = BruteForce.group(in, r -> List.of(Integer.toString(r.dstPort())));
        Map<List<String>, long[]> byPortProto = BruteForce.group(in, r -> List.of(Integer.toString(r.dstPort()), Protocols.name(r.protocol())));
        PortTop ports = a.ports(M1, 100);
        assertEquals(byPort.size(), ports.ports().size());
        for (PortTop.Port p : ports.ports()) {
            assertEquals(byPort.get(List.of(Integer.toString(p.port())))[0], p.bytes());
            long mix = 0;
            for (var share : p.protocols()) {
                assertEquals(byPortProto.get(List.of(Integer.toString(p.port()), share.name()))[0], share.bytes());
                mix += share.bytes();
            }
            assertEquals(p.bytes(), mix);
        }

        // drill-down on the busiest source
        String ip = hosts.hosts().get(0).address();
        HostDetail d = a.host(M1, ip, 1000);
        assertEquals(sent.getOrDefault(List.of(ip), new long[3])[0], d.bytesSent());
        assertEquals(recv.getOrDefault(List.of(ip), new long[3])[0], d.bytesReceived());
        Map<String, long[]> peers = new HashMap<>();
        for (FlowRecord r : in) {
            if (BruteForce.src(r).equals(ip)) {
                peers.computeIfAbsent(BruteForce.dst(r), x -> new long[2])[0] += r.bytes();
            }
            if (BruteForce.dst(r).equals(ip)) {
                peers.computeIfAbsent(BruteForce.src(r), x -> new long[2])[1] += r.bytes();
            }
        }
        assertEquals(peers.size(), d.peers().size());
        for (HostDetail.Peer p : d.peers()) {
            assertEquals(peers.get(p.address())[0], p.bytesSent());
            assertEquals(peers.get(p.address())[1], p.bytesReceived());
        }
        assertEquals(d.bytesSent() + d.bytesReceived(), d.protocols().stream().mapToLong(x -> x.bytes()).sum());
        assertEquals(d.bytesSent() + d.bytesReceived(), d.ports().stream().mapToLong(x -> x.bytes()).sum());
        assertEquals(d.bytesSent(), d.sent().stream().mapToLong(Point::bytes).sum());
        assertEquals(d.bytesReceived(), d.received().stream().mapToLong(Point::bytes).sum());
        assertThrows(IllegalArgumentException.class, () -> a.host(M1, "not-an-address", 10));

        // trend: total and per protocol, 10 s steps
        Trend trend = a.trend(Duration.ofMinutes(2), Duration.ofSeconds(10), 2);
        assertEquals(10_000, trend.stepMillis());
        assertEquals(records.stream().mapToLong(FlowRecord::bytes).sum(), trend.total().stream().mapToLong(Point::bytes).sum());
        for (Point p : trend.total()) {
            long expect = BruteForce.between(records, p.fromMillis(), p.fromMillis() + 10_000).stream().mapToLong(FlowRecord::bytes).sum();
            assertEquals(expect, p.bytes(), "trend at " + p.fromMillis());
        }
        assertEquals(Set.of("TCP", "UDP", "OTHER"), trend.byProtocol().keySet());
        long tcp = in.stream().filter(r -> r.protocol() == 6).mapToLong(FlowRecord::bytes).sum();
        assertEquals(tcp, trend.byProtocol().get("TCP").stream().mapToLong(Point::bytes).sum());

        // distinct destinations per source, for detectors
        DistinctTop dt = a.distinctBySource(M1, DistinctTop.By.DESTINATIONS, 100);
        Map<String, Set<String>> dsts = new HashMap<>();
        for (FlowRecord r : in) {
            dsts.computeIfAbsent(BruteForce.src(r), x -> new HashSet<>()).add(BruteForce.dst(r));
        }
        assertEquals(dsts.size(), dt.sources().size());
        for (DistinctTop.Source src : dt.sources()) {
            int truth = dsts.get(src.address()).size();
            assertEquals(truth, src.distinctDestinations(), Math.max(2, truth * 4 * dt.relativeError()), src.address());
            assertEquals(sent.get(List.of(src.address()))[2], src.flows());
        }

        // cumulative counters
        Counters c = a.counters("protocol", 10);
        Map<List<String>, long[]> byProto = BruteForce.group(records, "protocol");
        assertEquals(byProto.size(), c.rows().size());
        for (Counters.Row row : c.rows()) {
            assertEquals(byProto.get(row.key())[0], row.bytes());
        }
        assertTrue(c.error().exact());
        assertEquals(FlowQueryService.SESSIONS, a.top(M1, "session", Metric.BYTES, 1).dimension());
        assertThrows(IllegalArgumentException.class, () -> a.top(Duration.ofMinutes(2), "src_addr", Metric.BYTES, 1));
        assertThrows(IllegalArgumentException.class, () -> a.top(M1, "src_mac", Metric.BYTES, 1));
    }

    private static <T> Set<T> union(Set<T> a, Set<T> b) {
        Set<T> s = new HashSet<>(a);
        s.addAll(b);
        return s;
    }
}
