package org.flowlens.decoder.packet.meter;

import static org.flowlens.decoder.packet.Packets.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.decoder.packet.PacketParser;
import org.flowlens.decoder.packet.Packets;
import org.flowlens.pcap.LinkTypes;
import org.junit.jupiter.api.Test;

class FlowMeterTest {

    static final long S = 1_000_000_000L;
    static final int A = v4(10, 0, 0, 1);
    static final int B = v4(10, 0, 0, 2);
    static final int SYN = 0x02;
    static final int ACK = 0x10;
    static final int FIN = 0x01;
    static final int RST = 0x04;
    static final int PSH = 0x08;

    final List<FlowRecord> records = new ArrayList<>();
    final List<Integer> batchSizes = new ArrayList<>();
    final DomainTable domains = new DomainTable(1000, 0, 3600);

    FlowMeter meter(MeterSettings s) {
        return new FlowMeter(s, domains, batch -> {
            batchSizes.add(batch.size());
            batch.forEach(records::add);
        });
    }

    static byte[] tcp(int src, int sport, int dst, int dport, int flags, int payload) {
        return Packets.create().ipv4(src, dst, 6, 20 + payload).tcp(sport, dport, flags).zeros(payload).array();
    }

    static byte[] udp(int src, int sport, int dst, int dport, int payload) {
        return Packets.create().ipv4(src, dst, 17, 8 + payload).udp(sport, dport, payload).zeros(payload).array();
    }

    static int offer(FlowMeter m, byte[] p, long ts) {
        return m.offer(ByteBuffer.wrap(p), 0, p.length, LinkTypes.RAW, ts);
    }

    FlowRecord record(int src, int sport) {
        for (FlowRecord r : records) {
            if (r.srcLo() == IpAddresses.v4Lo(src) && r.srcPort() == sport) {
                return r;
            }
        }
        return null;
    }

    @Test
    void bothDirectionsOfATcpSessionAreOneSessionAndTwoRecords() {
        FlowMeter m = meter(new MeterSettings());
        offer(m, tcp(A, 40000, B, 80, SYN, 0), 100 * S);
        offer(m, tcp(B, 80, A, 40000, SYN | ACK, 0), 100 * S + 1000);
        offer(m, tcp(A, 40000, B, 80, ACK, 0), 100 * S + 2000);
        offer(m, tcp(A, 40000, B, 80, ACK | PSH, 100), 100 * S + 3000);
        offer(m, tcp(B, 80, A, 40000, ACK | PSH, 1000), 100 * S + 4000);
        assertEquals(1, m.sessions());
        assertEquals(1, m.sessionsCreated());
        m.expireAll();
        assertEquals(2, records.size());
        FlowRecord fwd = record(A, 40000);
        FlowRecord rev = record(B, 80);
        assertEquals(3, fwd.packets());
        assertEquals(40 + 40 + 140, fwd.bytes());
        assertEquals(SYN | ACK | PSH, fwd.tcpFlags());
        assertEquals(IpAddresses.v4Lo(B), fwd.dstLo());
        assertEquals(80, fwd.dstPort());
        assertEquals(2, rev.packets());
        assertEquals(40 + 1040, rev.bytes());
        assertEquals(SYN | ACK | PSH, rev.tcpFlags());
        assertEquals(40000, rev.dstPort());
        assertEquals(100_000, fwd.startMillis());
        assertEquals(100_000, fwd.endMillis());
        assertEquals("pcap", fwd.format());
        assertEquals(0, m.unansweredSyns());
        assertEquals(0, m.sessions());
    }

    @Test
    void unansweredSynIsCountedAndLeavesASynOnlyRecord() {
        FlowMeter m = meter(new MeterSettings().updateMillis(0));
        offer(m, tcp(A, 40001, B, 22, SYN, 0), 10 * S);
        offer(m, tcp(A, 40001, B, 22, SYN, 0), 11 * S); // retransmission
        m.expireAll();
        assertEquals(1, records.size());
        assertEquals(SYN, records.get(0).tcpFlags());
        assertEquals(2, records.get(0).packets());
        assertEquals(1, m.unansweredSyns());
    }

    @Test
    void idleTimeoutsDependOnProtocolAndTcpState() {
        MeterSettings s = new MeterSettings().tcpIdleSeconds(100).udpIdleSeconds(30).tcpFinSeconds(5)
                .tcpRstSeconds(2).sweepMillis(1000);
        FlowMeter m = meter(s);
        offer(m, udp(A, 5000, B, 53, 10), 0);
        offer(m, tcp(A, 1, B, 2, SYN, 0), 0);                 // stays open
        offer(m, tcp(A, 3, B, 4, SYN, 0), 0);
        offer(m, tcp(B, 4, A, 3, RST | ACK, 0), 0);           // reset
        offer(m, tcp(A, 5, B, 6, FIN | ACK, 0), 0);
        offer(m, tcp(B, 6, A, 5, FIN | ACK, 0), 0);           // closed both ways
        offer(m, tcp(A, 7, B, 8, FIN | ACK, 0), 0);           // closed one way only: still open
        assertEquals(5, m.sessions());
        m.advance(3 * S);
        assertEquals(4, m.sessions(), "RST session ended after 2 s");
        m.advance(6 * S);
        assertEquals(3, m.sessions(), "FIN both ways ended after 5 s");
        m.advance(31 * S);
        assertEquals(2, m.sessions(), "UDP ended after 30 s");
        m.advance(99 * S);
        assertEquals(2, m.sessions());
        m.advance(101 * S);
        assertEquals(0, m.sessions(), "TCP ended after 100 s");
        m.flush();
        assertEquals(1 + 1 + 2 + 2 + 1, records.size());
        assertEquals(1, m.unansweredSyns(), "the SYN to port 2 was never answered; the one to port 4 was reset");
        assertEquals(0, m.evictions());
    }

    @Test
    void aPacketAfterTheIdleTimeoutStartsANewSessionEvenBeforeASweep() {
        FlowMeter m = meter(new MeterSettings().udpIdleSeconds(10).sweepMillis(1_000_000).updateMillis(0));
        offer(m, udp(A, 1, B, 2, 0), 0);
        offer(m, udp(A, 1, B, 2, 0), 5 * S);
        offer(m, udp(A, 1, B, 2, 0), 16 * S);
        m.expireAll();
        assertEquals(2, records.size());
        assertEquals(2, records.get(0).packets());
        assertEquals(1, records.get(1).packets());
    }

    @Test
    void activeTimeoutReportsLongSessionsInPieces() {
        FlowMeter m = meter(new MeterSettings().activeSeconds(60).udpIdleSeconds(30).updateMillis(0));
        for (int i = 0; i <= 200; i++) {
            offer(m, udp(A, 1, B, 2, 0), i * S);
        }
        m.expireAll();
        assertEquals(4, records.size(), "0-59, 60-119, 120-179, 180-200");
        assertEquals(60, records.get(0).packets());
        assertEquals(21, records.get(3).packets());
        assertEquals(201, records.stream().mapToLong(FlowRecord::packets).sum());
    }

    @Test
    void aNewSynOnAClosedSessionStartsAnotherUnlessDisabled() {
        for (boolean restart : new boolean[] {true, false}) {
            records.clear();
            FlowMeter m = meter(new MeterSettings().restartOnSyn(restart).tcpRstSeconds(60).updateMillis(0));
            offer(m, tcp(A, 1000, B, 80, SYN, 0), S);
            offer(m, tcp(B, 80, A, 1000, RST | ACK, 0), S);
            offer(m, tcp(A, 1000, B, 80, SYN, 0), 2 * S);
            m.expireAll();
            assertEquals(restart ? 3 : 2, records.size(), "restart " + restart);
        }
    }

    @Test
    void icmpIsKeyedByTypeAndCode() {
        FlowMeter m = meter(new MeterSettings().updateMillis(0));
        byte[] echo = Packets.create().ipv4(A, B, 1, 8).icmp(8, 0).array();
        byte[] reply = Packets.create().ipv4(B, A, 1, 8).icmp(0, 0).array();
        offer(m, echo, S);
        offer(m, reply, S);
        offer(m, echo, 2 * S);
        m.expireAll();
        assertEquals(2, records.size());
        FlowRecord request = record(A, 0);
        assertEquals(8 << 8, request.dstPort());
        assertEquals(2, request.packets());
        assertEquals(0, record(B, 0).dstPort());

        records.clear();
        FlowMeter plain = meter(new MeterSettings().icmpTypeCodeInKey(false));
        offer(plain, echo, S);
        offer(plain, reply, S);
        plain.expireAll();
        assertEquals(1, plain.sessionsCreated(), "without type and code, request and reply are one session");
    }

    @Test
    void aFullTableEvictsTheLeastRecentlyActiveSession() {
        FlowMeter m = meter(new MeterSettings().maxSessions(16).udpIdleSeconds(3600).updateMillis(0));
        for (int i = 0; i < 20; i++) {
            offer(m, udp(A, 1000 + i, B, 53, 0), i * S);
        }
        offer(m, udp(A, 1004, B, 53, 0), 100 * S); // refresh session 4 before it would be evicted
        offer(m, udp(A, 2000, B, 53, 0), 200 * S);
        assertEquals(16, m.sessions());
        assertEquals(5, m.evictions());
        m.flush();
        List<Integer> evictedPorts = new ArrayList<>();
        records.forEach(r -> evictedPorts.add(r.srcPort()));
        assertEquals(List.of(1000, 1001, 1002, 1003, 1005), evictedPorts);
        m.expireAll();
        assertEquals(22, records.stream().mapToLong(FlowRecord::packets).sum());
    }

    @Test
    void busySessionsStayAliveAndQuietOnesEndWithinOneSweepInterval() {
        FlowMeter m = meter(new MeterSettings().udpIdleSeconds(10).sweepMillis(1000).updateMillis(0));
        // session 1 sends every 100 ms for 60 s; session 2 sends once
        offer(m, udp(A, 2, B, 53, 0), 0);
        for (int i = 0; i <= 600; i++) {
            offer(m, udp(A, 1, B, 53, 0), i * S / 10);
            if (i == 95) {
                assertEquals(2, m.sessions(), "session 2 still there before its 10 s timeout");
            }
            if (i == 115) {
                assertEquals(1, m.sessions(), "session 2 ended within a sweep interval of its timeout");
            }
        }
        assertEquals(1, m.sessions());
        m.expireAll();
        assertEquals(601, record(A, 1).packets());
    }

    @Test
    void manySessionsComeAndGoWithoutLosingAny() {
        // exercises growth, the index's backward-shift deletion and the free list
        FlowMeter m = meter(new MeterSettings().udpIdleSeconds(1).sweepMillis(100).maxSessions(50_000));
        long expected = 0;
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < 10_000; i++) {
                int host = v4(10, round % 3, i >>> 8, i & 0xFF);
                offer(m, udp(host, 1000 + (i % 7), B, 53, 0), round * 2 * S);
                offer(m, udp(B, 53, host, 1000 + (i % 7), 0), round * 2 * S + 1);
                expected += 2;
            }
            assertEquals(10_000, m.sessions(), "round " + round);
        }
        m.expireAll();
        assertEquals(expected, records.stream().mapToLong(FlowRecord::packets).sum());
        assertEquals(100_000 * 2, records.size());
        assertEquals(0, m.evictions());
    }

    @Test
    void recordsComeInBatchesOfTheConfiguredSize() {
        FlowMeter m = meter(new MeterSettings().batchSize(10));
        for (int i = 0; i < 25; i++) {
            offer(m, udp(A, 1000 + i, B, 53, 0), S);
        }
        m.expireAll();
        assertEquals(List.of(10, 10, 5), batchSizes);
    }

    @Test
    void filtersLeaveOutPacketsButDnsIsStillLearned() {
        PacketFilter f = PacketFilter.of(true, List.of("22", "6000-6010"), List.of("192.168.0.0/16", "2001:db8::/32"),
                null, List.of("tcp", "udp"));
        FlowMeter m = meter(new MeterSettings().filter(f));
        int lo = v4(127, 0, 0, 1);
        offer(m, udp(lo, 5, lo, 6, 0), S);                                  // localhost
        offer(m, tcp(A, 5000, B, 22, SYN, 0), S);                           // port 22
        offer(m, tcp(A, 6005, B, 80, SYN, 0), S);                           // port range
        offer(m, udp(v4(192, 168, 3, 4), 5, B, 6, 0), S);                   // CIDR
        offer(m, Packets.create().ipv4(A, B, 1, 8).icmp(8, 0).array(), S); // protocol
        byte[] v6 = Packets.create().ipv6(Packets.v6("2001:db8::1"), Packets.v6("2001:4860::1"), 17, 8).udp(1, 2, 0)
                .array();
        offer(m, v6, S);                                                    // IPv6 CIDR
        offer(m, tcp(A, 5000, B, 443, SYN, 0), S);                          // kept
        assertEquals(6, m.filteredPackets());
        assertEquals(1, m.sessions());
        m.reconfigure(new MeterSettings());
        offer(m, tcp(A, 5000, B, 22, SYN, 0), 2 * S);
        assertEquals(2, m.sessions(), "a new configuration applies at the next packet");
    }

    // Updates. The tests of session boundaries above turn them off (updateMillis 0): a session then
    // leaves one record per direction when it ends.

    @Test
    void openSessionsReportTheirNewPacketsWithinTheUpdateInterval() {
        FlowMeter m = meter(new MeterSettings()); // updates every 500 ms by default
        long t = 10 * S;
        offer(m, tcp(A, 40000, B, 80, SYN, 0), t);
        offer(m, tcp(B, 80, A, 40000, SYN | ACK, 0), t + S / 1000);
        offer(m, tcp(A, 40000, B, 80, ACK, 0), t + 2 * S / 1000);
        m.advance(t + 499 * S / 1000);
        m.flush();
        assertEquals(0, records.size(), "nothing before the first packet is 500 ms old");
        m.advance(t + S / 2);
        m.flush();
        assertEquals(2, records.size(), "both directions reported 500 ms after the first packet");
        assertEquals(1, m.sessions(), "the session goes on");
        assertEquals(SYN | ACK, record(A, 40000).tcpFlags());
        assertEquals(2, record(A, 40000).packets());
        assertEquals(SYN | ACK, record(B, 80).tcpFlags());
        assertEquals(10_000, record(A, 40000).startMillis());
        assertEquals(10_002, record(A, 40000).endMillis());

        records.clear();
        for (int i = 1; i <= 20; i++) { // 2 s of data, one packet each way every 100 ms
            offer(m, tcp(A, 40000, B, 80, ACK | PSH, 100), t + S + i * S / 10);
            offer(m, tcp(B, 80, A, 40000, ACK, 0), t + S + i * S / 10 + 1);
        }
        offer(m, tcp(A, 40000, B, 80, FIN | ACK, 0), t + 4 * S);
        offer(m, tcp(B, 80, A, 40000, FIN | ACK, 0), t + 4 * S + 1);
        m.advance(t + 4 * S + S / 2);
        m.flush();
        int reported = records.size();
        assertTrue(reported >= 8, "updates while the data flowed: " + reported);
        for (FlowRecord r : records) {
            assertTrue(r.endMillis() - r.startMillis() < 500, "a record covers at most its interval: " + r);
            if (r.srcPort() == 40000) {
                assertEquals(0, r.tcpFlags() & SYN, "flags are those of the record's own packets");
            }
        }
        m.advance(t + 30 * S); // the FIN timeout (10 s) ends the session: everything was reported
        m.flush();
        assertEquals(reported, records.size(), "a session with nothing new leaves no record when it ends");
        assertEquals(0, m.sessions());
        assertEquals(0, m.unansweredSyns());
        assertTrue(m.updates() >= 5);
    }

    @Test
    void updatesAddUpToTheTotalsOfTheSession() {
        List<FlowRecord> whole = new ArrayList<>();
        FlowMeter once = new FlowMeter(new MeterSettings().updateMillis(0), domains, b -> b.forEach(whole::add));
        FlowMeter updating = meter(new MeterSettings().updateMillis(200));
        for (int i = 0; i < 500; i++) { // 50 s of UDP, bursts and pauses, in both directions
            long ts = 100 * S + i * S / 10 + (i / 50) * 3 * S;
            byte[] p = i % 3 == 0 ? udp(B, 53, A, 5353, i % 200) : udp(A, 5353, B, 53, i % 97);
            offer(once, p, ts);
            offer(updating, p, ts);
        }
        once.expireAll();
        updating.expireAll();
        assertEquals(2, whole.size());
        assertTrue(records.size() > 100, "reported in pieces: " + records.size());
        for (int src : new int[] {A, B}) {
            long packets = 0;
            long bytes = 0;
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            for (FlowRecord r : records) {
                if (r.srcLo() == IpAddresses.v4Lo(src)) {
                    packets += r.packets();
                    bytes += r.bytes();
                    first = Math.min(first, r.startMillis());
                    last = Math.max(last, r.endMillis());
                }
            }
            FlowRecord w = whole.get(0).srcLo() == IpAddresses.v4Lo(src) ? whole.get(0) : whole.get(1);
            assertEquals(w.packets(), packets);
            assertEquals(w.bytes(), bytes);
            assertEquals(w.startMillis(), first);
            assertEquals(w.endMillis(), last);
        }
    }

    @Test
    void anUnansweredSynIsReportedWithinTheIntervalAndCountedOnceWhenItsSessionEnds() {
        FlowMeter m = meter(new MeterSettings().tcpIdleSeconds(30));
        offer(m, tcp(A, 40001, B, 22, SYN, 0), 10 * S);
        m.advance(10 * S + S / 2);
        m.flush();
        assertEquals(1, records.size());
        assertEquals(SYN, records.get(0).tcpFlags());
        assertEquals(0, m.unansweredSyns(), "not yet: an answer may still come");
        offer(m, tcp(A, 40001, B, 22, SYN, 0), 11 * S); // retransmission
        m.advance(50 * S);
        m.flush();
        assertEquals(2, records.size());
        assertEquals(1, records.get(1).packets());
        assertEquals(0, m.sessions());
        assertEquals(1, m.unansweredSyns(), "one session, one unanswered SYN");
    }

    @Test
    void theUpdateIntervalChangesLiveWithoutLosingPackets() {
        FlowMeter m = meter(new MeterSettings().updateMillis(1000));
        long sent = 0;
        for (int i = 0; i < 300; i++) {
            if (i == 100) {
                m.reconfigure(new MeterSettings().updateMillis(0));
            } else if (i == 150) {
                assertEquals(1, m.sessions());
                m.reconfigure(new MeterSettings().updateMillis(100));
            }
            offer(m, udp(A, 7, B, 9, i), S + i * S / 20);
            sent++;
        }
        m.advance(S + 14 * S + S / 2);
        m.flush();
        int before = records.size();
        m.expireAll();
        assertEquals(sent, records.stream().mapToLong(FlowRecord::packets).sum());
        assertTrue(before > 20, "updates before and after the change: " + before);
        long fromSilence = records.stream().filter(r -> r.startMillis() >= 1000 + 5_000 && r.startMillis() < 1000 + 7_500)
                .count();
        assertEquals(1, fromSilence, "while updates were off, the packets waited for the next report");
    }

    @Test
    void invalidSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> meter(new MeterSettings().maxSessions(0)));
        FlowMeter m = meter(new MeterSettings());
        assertThrows(IllegalArgumentException.class, () -> m.reconfigure(new MeterSettings().udpIdleSeconds(0)));
        assertThrows(IllegalArgumentException.class, () -> PacketFilter.of(false, List.of("http"), null, null, null));
        assertThrows(IllegalArgumentException.class, () -> PacketFilter.of(false, List.of("70000"), null, null, null));
        assertThrows(IllegalArgumentException.class, () -> PacketFilter.of(false, null, List.of("10.0.0.0/33"), null, null));
        assertThrows(IllegalArgumentException.class, () -> PacketFilter.of(false, null, List.of("example.com"), null, null));
        assertThrows(IllegalArgumentException.class, () -> PacketFilter.of(false, null, null, null, List.of("bogus")));
    }

    @Test
    void badPacketsAreCountedByReason() {
        FlowMeter m = meter(new MeterSettings());
        byte[] arp = Packets.create().ethernet(-1L, 2, 0x0806).zeros(28).array();
        assertEquals(PacketParser.NOT_IP, m.offer(ByteBuffer.wrap(arp), 0, arp.length, LinkTypes.ETHERNET, S));
        byte[] cut = tcp(A, 1, B, 2, SYN, 0);
        assertEquals(PacketParser.TRUNCATED, m.offer(ByteBuffer.wrap(cut), 0, 30, LinkTypes.RAW, S));
        assertEquals(PacketParser.MALFORMED, m.offer(ByteBuffer.wrap(new byte[] {0x35, 0}), 0, 2, LinkTypes.RAW, S));
        assertEquals(PacketParser.UNKNOWN_LINK_TYPE, m.offer(ByteBuffer.wrap(cut), 0, cut.length, 4242, S));
        assertEquals(4, m.packets());
        assertEquals(1, m.notIp());
        assertEquals(1, m.truncatedPackets());
        assertEquals(1, m.malformedPackets());
        assertEquals(1, m.unknownLinkType());
        assertEquals(0, m.sessions());
    }

    @Test
    void recordsCarryNamesLearnedForTheirAddresses() {
        FlowMeter m = meter(new MeterSettings());
        domains.put(0, IpAddresses.v4Lo(B), "example.org", 0, 600);
        offer(m, tcp(A, 1, B, 443, SYN, 0), S);
        offer(m, tcp(B, 443, A, 1, SYN | ACK, 0), S);
        m.expireAll();
        assertEquals("example.org", record(A, 1).dstDomain());
        assertNull(record(A, 1).srcDomain());
        assertEquals("example.org", record(B, 443).srcDomain());
    }

    @Test
    void aMillionSessionsFitInAHundredAndFiftyBytesEach() {
        int n = 1_000_000;
        java.lang.management.MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = mx.getHeapMemoryUsage().getUsed();
        FlowMeter m = new FlowMeter(new MeterSettings().maxSessions(n).udpIdleSeconds(3600), domains, b -> {
            throw new AssertionError("no session may end");
        });
        byte[] p = udp(A, 1, B, 2, 0);
        ByteBuffer buf = ByteBuffer.wrap(p);
        for (int i = 0; i < n; i++) {
            // vary source address and port: a million distinct sessions
            buf.putInt(12, v4(10, (i >>> 16) & 0xFF, (i >>> 8) & 0xFF, i & 0xFF));
            buf.putShort(20, (short) (1024 + (i >>> 24)));
            m.offer(buf, 0, p.length, LinkTypes.RAW, S + i);
        }
        assertEquals(n, m.sessions());
        assertEquals(0, m.evictions());
        System.gc();
        long after = mx.getHeapMemoryUsage().getUsed();
        double perSession = (double) m.footprintBytes() / n;
        double measured = (double) (after - before) / n;
        System.out.printf("session table: %.1f bytes per session by array sizes, %.1f measured on the heap%n",
                perSession, measured);
        assertTrue(perSession <= 150, "array footprint per session: " + perSession);
        assertTrue(measured <= 150, "heap growth per session: " + measured);
        assertEquals(n, m.sessions(), "keeps the meter reachable until measured");
    }
}
