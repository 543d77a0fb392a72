package org.flowlens.decoder.packet.meter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.decoder.packet.Corpus;
import org.flowlens.pcap.PcapReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Meters real captures and compares with softflowd's records (same keying, same timeouts as its
 * offline run), nfpcapd's IP byte totals, and the names the captures' DNS and TLS traffic carry.
 */
class MeterCorpusTest {

    static Stream<Path> inputs() throws IOException {
        return Corpus.inputs();
    }

    static final class Result {
        final List<FlowRecord> records = new ArrayList<>();
        FlowMeter meter;
        long firstNanos = Long.MAX_VALUE;
        long lastNanos = Long.MIN_VALUE;
    }

    static Result meter(Path pcap, MeterSettings settings) throws IOException {
        Result res = new Result();
        DomainTable domains = new DomainTable(10_000, 300, 86_400);
        res.meter = new FlowMeter(settings, domains, batch -> batch.forEach(res.records::add));
        try (PcapReader r = PcapReader.open(pcap)) {
            while (r.next()) {
                ByteBuffer b = r.packet();
                res.meter.offer(b, b.position(), b.remaining(), r.linkType(), r.timestampNanos());
                res.firstNanos = Math.min(res.firstNanos, r.timestampNanos());
                res.lastNanos = Math.max(res.lastNanos, r.timestampNanos());
            }
        }
        res.meter.expireAll();
        return res;
    }

    static void matchesSoftflowd(Path pcap) throws IOException {
        JsonObject truth = Corpus.truth(pcap);
        JsonObject softflowd = truth.getAsJsonObject("softflowd");
        Result res = meter(pcap, MeterSettings.softflowdOffline());
        FlowMeter m = res.meter;
        assertEquals(softflowd.get("records_exported").getAsLong(), res.records.size(), pcap + ": records");
        assertEquals(softflowd.get("flows_exported").getAsLong(), m.sessionsCreated(), pcap + ": bidirectional flows");
        assertEquals(softflowd.get("packets_processed").getAsLong(), m.meteredPackets(), pcap + ": packets");
        assertEquals(softflowd.get("ignored_packets").getAsLong(), m.notIp(), pcap + ": ignored packets");
        assertEquals(0, m.sessions());
        assertEquals(res.records.size(), m.records());
        long packets = 0;
        long bytes = 0;
        Map<Integer, Long> perProtocol = new HashMap<>();
        for (FlowRecord r : res.records) {
            assertEquals(FlowMeter.FORMAT, r.format());
            assertTrue(r.packets() > 0);
            assertTrue(r.startMillis() <= r.endMillis());
            packets += r.packets();
            bytes += r.bytes();
            perProtocol.merge(r.protocol(), r.packets(), Long::sum);
        }
        assertEquals(softflowd.get("packets_processed").getAsLong(), packets, pcap + ": packets in records");
        // bytes are IP lengths, as nfpcapd and pmacct count them
        assertEquals(truth.getAsJsonObject("nfpcapd").get("Bytes").getAsLong(), bytes, pcap + ": IP bytes");
        JsonObject pp = softflowd.getAsJsonObject("per_protocol");
        for (String proto : pp.keySet()) {
            assertEquals(pp.getAsJsonObject(proto).get("packets").getAsLong(),
                    perProtocol.getOrDefault(Integer.parseInt(proto), 0L), pcap + ": packets of protocol " + proto);
        }
        assertEquals(pp.keySet().size(), perProtocol.size(), pcap + ": protocols");
        // the distinct unidirectional 5-tuples tshark counts (ICMP aside, which softflowd keys by type)
        long tuples = truth.getAsJsonObject("tshark").get("distinct_unidirectional_5tuples").getAsLong();
        if (!pp.has("1") && !pp.has("58") && m.notIp() == 0) {
            assertEquals(tuples, res.records.size(), pcap + ": unidirectional 5-tuples");
        }
    }

    /** With softflowd's timeouts on the packet clock, captures shorter than the shortest timeout end alike. */
    static void packetClockTimeouts(Path pcap) throws IOException {
        JsonObject softflowd = Corpus.truth(pcap).getAsJsonObject("softflowd");
        Result res = meter(pcap, MeterSettings.softflowd());
        long records = softflowd.get("records_exported").getAsLong();
        assertEquals(softflowd.get("packets_processed").getAsLong(), res.meter.meteredPackets());
        long spanSeconds = (res.lastNanos - res.firstNanos) / 1_000_000_000L;
        if (spanSeconds < 300) {
            assertEquals(records, res.records.size(), pcap + ": records");
        } else {
            assertTrue(res.records.size() >= records, pcap + ": timeouts can only split sessions");
        }
    }

    /**
     * With updates, sessions are reported in pieces, and the pieces of each direction add up to the
     * packets and bytes of its record without updates; totals match the reference tools'.
     */
    static void updatesKeepTotals(Path pcap) throws IOException {
        JsonObject truth = Corpus.truth(pcap);
        Result whole = meter(pcap, MeterSettings.softflowd());
        Result pieces = meter(pcap, MeterSettings.softflowd().updateMillis(1000));
        Map<String, long[]> sums = new HashMap<>();
        for (FlowRecord r : whole.records) {
            long[] v = sums.computeIfAbsent(key(r), k -> new long[2]);
            v[0] += r.packets();
            v[1] += r.bytes();
        }
        long packets = 0;
        long bytes = 0;
        for (FlowRecord r : pieces.records) {
            assertTrue(r.packets() > 0, pcap + ": a record without packets");
            assertTrue(r.startMillis() <= r.endMillis() && r.endMillis() - r.startMillis() <= 1000,
                    pcap + ": a piece covers at most the update interval");
            long[] v = sums.get(key(r));
            assertTrue(v != null, pcap + ": a piece of no session " + key(r));
            v[0] -= r.packets();
            v[1] -= r.bytes();
            packets += r.packets();
            bytes += r.bytes();
        }
        for (Map.Entry<String, long[]> e : sums.entrySet()) {
            assertEquals(0, e.getValue()[0], pcap + ": packets of " + e.getKey());
            assertEquals(0, e.getValue()[1], pcap + ": bytes of " + e.getKey());
        }
        assertEquals(truth.getAsJsonObject("softflowd").get("packets_processed").getAsLong(), packets, pcap + ": packets");
        assertEquals(truth.getAsJsonObject("nfpcapd").get("Bytes").getAsLong(), bytes, pcap + ": IP bytes");
        assertEquals(whole.meter.sessionsCreated(), pieces.meter.sessionsCreated(), pcap + ": updates end no session");
        assertTrue(pieces.records.size() >= whole.records.size(), pcap + ": records");
        assertEquals(whole.meter.unansweredSyns(), pieces.meter.unansweredSyns(), pcap + ": unanswered SYNs");
    }

    private static String key(FlowRecord r) {
        return r.srcHi() + "/" + r.srcLo() + ":" + r.srcPort() + ">" + r.dstHi() + "/" + r.dstLo() + ":" + r.dstPort()
                + "/" + r.protocol();
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void corpusUpdatesKeepTotals(Path pcap) throws IOException {
        updatesKeepTotals(pcap);
    }

    @Test
    void fixturesUpdatesKeepTotals() throws IOException {
        updatesKeepTotals(Corpus.fixture("in-tcpreplay-test.pcap"));
        updatesKeepTotals(Corpus.fixture("in-ndpi-googledns_android10.pcap"));
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void corpusMatchesSoftflowd(Path pcap) throws IOException {
        matchesSoftflowd(pcap);
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void corpusWithPacketClockTimeouts(Path pcap) throws IOException {
        packetClockTimeouts(pcap);
    }

    @Test
    void fixturesMatchSoftflowd() throws IOException {
        matchesSoftflowd(Corpus.fixture("in-tcpreplay-test.pcap"));
        matchesSoftflowd(Corpus.fixture("in-ndpi-googledns_android10.pcap"));
        packetClockTimeouts(Corpus.fixture("in-tcpreplay-test.pcap"));
    }

    @Test
    void wechatSplitsOnlyWhereUdpWasIdleLongerThanItsTimeout() throws IOException {
        Path pcap = Corpus.root() == null ? null : Corpus.root().resolve("inputs/in-ndpi-wechat.pcap");
        org.junit.jupiter.api.Assumptions.assumeTrue(pcap != null, "shared corpus absent: skipped");
        Result res = meter(pcap, MeterSettings.softflowd());
        Map<String, List<FlowRecord>> byKey = new HashMap<>();
        for (FlowRecord r : res.records) {
            byKey.computeIfAbsent(r.srcLo() + "/" + r.srcHi() + ":" + r.srcPort() + ">" + r.dstLo() + "/" + r.dstHi()
                    + ":" + r.dstPort() + "/" + r.protocol(), k -> new ArrayList<>()).add(r);
        }
        int extra = 0;
        for (List<FlowRecord> l : byKey.values()) {
            for (int i = 1; i < l.size(); i++) {
                assertEquals(17, l.get(i).protocol());
                assertTrue(l.get(i).startMillis() - l.get(i - 1).endMillis() > 300_000, "split only after 300 s idle");
                extra++;
            }
        }
        assertEquals(158 + extra, res.records.size());
        assertTrue(extra > 0, "the capture has UDP idle for more than 300 s");
    }

    @Test
    void namesFromDnsAnswers() throws IOException {
        Result res = meter(Corpus.inputOrFixture("in-tcpreplay-test.pcap"), MeterSettings.softflowdOffline());
        assertTrue(res.meter.counters().get("dns_addresses") >= 6);
        boolean slashdot = false;
        boolean fsdn = false;
        boolean v6 = false;
        for (FlowRecord r : res.records) {
            if (r.dstPort() == 80 && "slashdot.org".equals(r.dstDomain())) {
                slashdot = true;
                assertEquals("216.34.181.45", org.flowlens.api.flow.IpAddresses.format(r.dstHi(), r.dstLo()));
            }
            if (r.srcPort() == 80 && "a.fsdn.com".equals(r.srcDomain())) {
                fsdn = true;
            }
            if (!r.isIpv4() && "ipv6.icanhazip.com".equals(r.dstDomain())) {
                v6 = true; // from an AAAA answer
            }
        }
        assertTrue(slashdot, "HTTP to slashdot.org named from its A record");
        assertTrue(fsdn, "responses from a.fsdn.com named");
        assertTrue(v6, "IPv6 flow named from an AAAA record");
    }

    @Test
    void namesFromTlsServerName() throws IOException {
        Result res = meter(Corpus.inputOrFixture("in-ndpi-googledns_android10.pcap"), MeterSettings.softflowdOffline());
        long dotSessions = res.records.stream()
                .filter(r -> r.dstPort() == 853 && "dns.google".equals(r.dstDomain())).count();
        assertTrue(dotSessions >= 4, "DNS-over-TLS sessions named dns.google: " + dotSessions);
        assertTrue(res.meter.counters().get("tls_names") >= 4);
        long tcp = res.records.stream().filter(r -> r.protocol() == 6).count();
        long named = res.records.stream().filter(r -> r.protocol() == 6 && (r.dstDomain() != null || r.srcDomain() != null)).count();
        assertEquals(tcp, named, "every TLS session of the capture is named");
    }

    @Test
    void onlyListedDomainsAreReported() throws IOException {
        MeterSettings s = MeterSettings.softflowdOffline().filter(
                PacketFilter.of(false, null, null, List.of("fsdn.com"), null));
        Result res = meter(Corpus.inputOrFixture("in-tcpreplay-test.pcap"), s);
        assertEquals(8, res.records.size(), "the four HTTP sessions with a.fsdn.com, both directions");
        for (FlowRecord r : res.records) {
            assertTrue("a.fsdn.com".equals(r.srcDomain()) || "a.fsdn.com".equals(r.dstDomain()));
        }
    }
}
