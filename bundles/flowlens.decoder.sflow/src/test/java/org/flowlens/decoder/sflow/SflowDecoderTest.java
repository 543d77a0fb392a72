package org.flowlens.decoder.sflow;

import static org.flowlens.decoder.sflow.Sflow.datagram;
import static org.flowlens.decoder.sflow.Sflow.ethernet;
import static org.flowlens.decoder.sflow.Sflow.expandedFlowSample;
import static org.flowlens.decoder.sflow.Sflow.flowSample;
import static org.flowlens.decoder.sflow.Sflow.ipv4;
import static org.flowlens.decoder.sflow.Sflow.rawHeader;
import static org.flowlens.decoder.sflow.Sflow.tcp;
import static org.flowlens.decoder.sflow.Sflow.tlv;
import static org.flowlens.decoder.sflow.Sflow.v4;
import static org.flowlens.decoder.sflow.Sflow.v6;
import static org.flowlens.decoder.sflow.Sflow.xdr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.testing.CountingContext;
import org.flowlens.decoder.sflow.agents.AgentStatus;
import org.flowlens.decoder.sflow.agents.InterfaceCounters;
import org.junit.jupiter.api.Test;

/** Synthetic datagrams, one feature at a time. */
class SflowDecoderTest {
    static final int AGENT = v4(192, 0, 2, 1);
    static final int SRC = v4(10, 0, 0, 1);
    static final int DST = v4(10, 0, 0, 2);
    static final long SRC_MAC = 0x66_77_88_99_AA_BBL;
    static final long DST_MAC = 0x00_11_22_33_44_55L;

    private final SflowDecoder decoder = new SflowDecoder();
    private final CountingContext ctx = new CountingContext();

    private FlowBatch decode(byte[] datagram) {
        FlowBatch out = new FlowBatch();
        decoder.decode(ByteBuffer.wrap(datagram), ctx, out);
        assertEquals(0, ctx.dropped(SflowDecoder.DECODER_ERROR), "the decoder threw inside");
        return out;
    }

    private static FlowRecord only(FlowBatch b) {
        assertEquals(1, b.size(), "records");
        return b.get(0);
    }

    /** An Ethernet frame with IPv4 and TCP headers (54 bytes) of a 1500-byte IP packet. */
    static byte[] tcpFrame() {
        return ethernet(DST_MAC, SRC_MAC, 0x0800, ipv4(SRC, DST, 6, 0x10, 1500, tcp(1234, 80, 0x18), 40));
    }

    static byte[] tcpSample(long sequence, int source, long rate, long pool, long drops) {
        return flowSample(sequence, 0, source, rate, pool, drops, 3, 4, rawHeader(1, 1518, 4, tcpFrame()));
    }

    private void configure(Map<String, Object> values) {
        decoder.configure(Configs.of(SflowDecoder.Config.class, values));
    }

    // ------------------------------------------------------------------ flow samples

    @Test
    void compactFlowSampleWithAnEthernetHeader() {
        FlowRecord r = only(decode(datagram(AGENT, 2, 10, 100_000, tcpSample(1, 7, 1000, 5000, 0))));
        assertEquals("sflow_v5", r.format());
        assertEquals(IpAddresses.v4Lo(AGENT), r.exporterLo(), "the agent, not the UDP source, is the exporter");
        assertEquals(0, r.exporterHi());
        assertEquals(2, r.observationDomain(), "sub-agent");
        assertEquals(7, r.samplerId(), "data source index");
        assertEquals(1000, r.samplingRate());
        assertEquals(1000, r.packets(), "one sampled packet stands for 1000");
        assertEquals(1518 * 1000L, r.bytes(), "the frame length as reported, scaled");
        assertEquals("10.0.0.1", IpAddresses.format(r.srcHi(), r.srcLo()));
        assertEquals("10.0.0.2", IpAddresses.format(r.dstHi(), r.dstLo()));
        assertEquals(1234, r.srcPort());
        assertEquals(80, r.dstPort());
        assertEquals(6, r.protocol());
        assertEquals(0x18, r.tcpFlags());
        assertEquals(0x10, r.tos());
        assertEquals(3, r.inIf());
        assertEquals(4, r.outIf());
        assertEquals(SRC_MAC, r.srcMac());
        assertEquals(DST_MAC, r.dstMac());
        assertEquals(0, r.vlan());
        assertEquals(ctx.receivedMillis, r.receivedMillis());
        assertEquals(ctx.receivedMillis, r.startMillis());
        assertEquals(ctx.receivedMillis, r.endMillis());
        assertTrue(ctx.drops.isEmpty(), ctx.drops.toString());
    }

    @Test
    void itsCheckTellsWhatALiveChangeWouldRefuse() {
        SflowDecoder d = new SflowDecoder();
        assertTrue(d.problem(SflowDecoder.PID, Map.of("maxAgents", 0)).contains("maxAgents (0)"));
        assertEquals(null, d.problem(SflowDecoder.PID, Map.of("maxAgents", 5)));
    }

    @Test
    void ipBytesOptionCountsTheIpLength() {
        configure(Map.of("ipBytes", true));
        FlowRecord r = only(decode(datagram(AGENT, 0, 1, 1, tcpSample(1, 7, 1000, 5000, 0))));
        assertEquals(1500 * 1000L, r.bytes());
        assertEquals(1000, r.packets());
    }

    @Test
    void refusedConfigurationKeepsThePreviousOne() {
        configure(Map.of("ipBytes", true, "maxAgents", 0));
        FlowRecord r = only(decode(datagram(AGENT, 0, 1, 1, tcpSample(1, 7, 1, 1, 0))));
        assertEquals(1518, r.bytes(), "ipBytes of the refused configuration not applied");
    }

    @Test
    void rawIpv4AndIpv6HeaderProtocols() {
        byte[] v4Packet = ipv4(SRC, DST, 17, 0, 120, Sflow.udp(5353, 53, 100), 28);
        byte[] v6Packet = Sflow.ipv6(v6("2001:db8::1"), v6("2001:db8::2"), 6, 1240, tcp(443, 50000, 0x10));
        FlowBatch b = decode(datagram(AGENT, 0, 1, 1,
                flowSample(1, 0, 1, 10, 10, 0, 1, 2, rawHeader(11, 120, 0, v4Packet)),
                flowSample(2, 0, 1, 10, 20, 0, 1, 2, rawHeader(12, 1280, 0, v6Packet))));
        assertEquals(2, b.size());
        FlowRecord r4 = b.get(0);
        assertEquals(17, r4.protocol());
        assertEquals(5353, r4.srcPort());
        assertEquals(53, r4.dstPort());
        assertEquals(1200, r4.bytes());
        assertEquals(10, r4.packets());
        assertTrue(r4.isIpv4());
        assertEquals(0, r4.srcMac(), "no link layer in a raw IP header");
        FlowRecord r6 = b.get(1);
        assertEquals("2001:db8::1", IpAddresses.format(r6.srcHi(), r6.srcLo()));
        assertEquals("2001:db8::2", IpAddresses.format(r6.dstHi(), r6.dstLo()));
        assertEquals(6, r6.protocol());
        assertEquals(443, r6.srcPort());
        assertEquals(12_800, r6.bytes());
        assertTrue(ctx.drops.isEmpty(), ctx.drops.toString());
    }

    @Test
    void icmpTypeAndCodeGoInTheDestinationPort() {
        byte[] frame = ethernet(DST_MAC, SRC_MAC, 0x0800, ipv4(SRC, DST, 1, 0, 84, Sflow.icmp(8, 0), 28));
        FlowRecord r = only(decode(datagram(AGENT, 0, 1, 1, flowSample(1, 0, 1, 1, 1, 0, 1, 2, rawHeader(1, 98, 4, frame)))));
        assertEquals(1, r.protocol());
        assertEquals(0, r.srcPort());
        assertEquals(8 << 8, r.dstPort());
    }

    @Test
    void aNonIpFrameIsTrafficWithoutAddresses() {
        byte[] arp = ethernet(0xFFFF_FFFF_FFFFL, SRC_MAC, 0x0806, new byte[28]);
        FlowRecord r = only(decode(datagram(AGENT, 0, 1, 1, flowSample(1, 0, 1, 2, 2, 0, 1, 0, rawHeader(1, 64, 4, arp)))));
        assertEquals(0, r.protocol());
        assertEquals(0, r.srcHi());
        assertEquals(0, r.srcLo());
        assertEquals(SRC_MAC, r.srcMac());
        assertEquals(128, r.bytes());
        assertEquals(2, r.packets());
    }

    @Test
    void vlanFromTheHeaderTagOrTheExtendedSwitchRecord() {
        byte[] tagged = ethernet(DST_MAC, SRC_MAC, 0x0800, ipv4(SRC, DST, 6, 0, 40, tcp(1, 2, 2), 40), 100);
        FlowBatch b = decode(datagram(AGENT, 0, 1, 1,
                flowSample(1, 0, 1, 1, 1, 0, 1, 2, rawHeader(1, 64, 4, tagged)),
                flowSample(2, 0, 1, 1, 2, 0, 1, 2, Sflow.extendedSwitch(200, 0, 201, 0), rawHeader(1, 64, 4, tagged)),
                flowSample(3, 0, 1, 1, 3, 0, 1, 2, rawHeader(1, 64, 4, tcpFrame()), Sflow.extendedSwitch(0, 0, 300, 0))));
        assertEquals(3, b.size());
        assertEquals(100, b.get(0).vlan(), "802.1Q tag of the sampled header");
        assertEquals(200, b.get(1).vlan(), "the switch's incoming VLAN wins over the tag");
        assertEquals(300, b.get(2).vlan(), "the outgoing VLAN when the incoming one is unknown (records in any order)");
        assertEquals(6, b.get(1).protocol(), "the header still parsed through the tag");
    }

    @Test
    void expandedSampleWithRouterAndGatewayRecords() {
        byte[] sample = expandedFlowSample(9, 0, 70_000, 4096, 1_000_000, 0, 0, 70_000, 0, 0x3FFF_FFFF,
                rawHeader(1, 1518, 4, tcpFrame()),
                Sflow.extendedRouterV4(v4(10, 1, 1, 1), 24, 16),
                Sflow.extendedGateway(v4(10, 9, 9, 9), 65000, 64512, 64513,
                        new long[][] {{2, 3356, 1299}, {1, 15169, 396982}}, new long[] {65000L << 16 | 100}, 100));
        FlowRecord r = only(decode(datagram(AGENT, 0, 1, 1, sample)));
        assertEquals(70_000, r.samplerId());
        assertEquals(70_000, r.inIf());
        assertEquals(0, r.outIf(), "0x3FFFFFFF: internal to the agent");
        assertEquals(4096, r.samplingRate());
        assertEquals(4096 * 1518L, r.bytes());
        assertEquals("10.1.1.1", IpAddresses.format(r.nextHopHi(), r.nextHopLo()), "the router's next hop wins");
        assertEquals(24, r.srcMask());
        assertEquals(16, r.dstMask());
        assertEquals(64512, r.srcAs());
        assertEquals(396982, r.dstAs(), "the last AS of the path");
        assertTrue(ctx.drops.isEmpty(), ctx.drops.toString());
    }

    @Test
    void gatewayAloneGivesTheBgpNextHopAndTheLocalAs() {
        byte[] sample = flowSample(1, 0, 1, 1, 1, 0, 1, 2, rawHeader(1, 64, 4, tcpFrame()),
                Sflow.extendedGateway(v4(10, 9, 9, 9), 65000, 0, 0, new long[0][], new long[0], 0));
        FlowRecord r = only(decode(datagram(AGENT, 0, 1, 1, sample)));
        assertEquals("10.9.9.9", IpAddresses.format(r.nextHopHi(), r.nextHopLo()));
        assertEquals(65000, r.srcAs(), "a local source: the router's AS");
        assertEquals(65000, r.dstAs(), "a local destination: the router's AS");
    }

    @Test
    void routerRecordWithAnIpv6NextHop() {
        byte[] sample = flowSample(1, 0, 1, 1, 1, 0, 1, 2, rawHeader(1, 64, 4, tcpFrame()),
                Sflow.extendedRouterV6(v6("2001:db8::fe"), 48, 64));
        FlowRecord r = only(decode(datagram(AGENT, 0, 1, 1, sample)));
        assertEquals("2001:db8::fe", IpAddresses.format(r.nextHopHi(), r.nextHopLo()));
        assertEquals(48, r.srcMask());
        assertEquals(64, r.dstMask());
    }

    @Test
    void discardedPacketsAreStillTraffic() {
        int discarded = 1 << 30 | 258;
        FlowRecord r = only(decode(datagram(AGENT, 0, 1, 1,
                flowSample(1, 0, 1, 1, 1, 0, 5, discarded, rawHeader(1, 64, 4, tcpFrame())))));
        assertEquals(5, r.inIf());
        assertEquals(0, r.outIf());
        assertEquals(64, r.bytes());
    }

    @Test
    void rateZeroCountsTheSampleOnce() {
        FlowRecord r = only(decode(datagram(AGENT, 0, 1, 1, flowSample(1, 0, 1, 0, 0, 0, 1, 2, rawHeader(1, 64, 4, tcpFrame())))));
        assertEquals(1, r.samplingRate());
        assertEquals(1, r.packets());
        assertEquals(64, r.bytes());
    }

    @Test
    void theAgentAddressIsTheExporterAndTheUdpSourceOnlyWithoutOne() {
        byte[] agent6 = v6("2001:db8:aa::1");
        FlowRecord r6 = only(decode(Sflow.datagramV6(agent6, 0, 1, 1, tcpSample(1, 1, 1, 1, 0))));
        assertEquals("2001:db8:aa::1", IpAddresses.format(r6.exporterHi(), r6.exporterLo()));

        ctx.exporter = new InetSocketAddress("198.51.100.7", 6343);
        FlowRecord none = only(decode(Sflow.datagramNoAddress(0, 1, 1, tcpSample(1, 1, 1, 1, 0))));
        assertEquals("198.51.100.7", IpAddresses.format(none.exporterHi(), none.exporterLo()));
        FlowRecord zero = only(decode(datagram(0, 0, 1, 1, tcpSample(1, 1, 1, 1, 0))));
        assertEquals("198.51.100.7", IpAddresses.format(zero.exporterHi(), zero.exporterLo()));

        ctx.exporter = new InetSocketAddress("2001:db8:bb::9", 6343);
        FlowRecord udp6 = only(decode(Sflow.datagramNoAddress(0, 1, 1, tcpSample(1, 1, 1, 1, 0))));
        assertEquals("2001:db8:bb::9", IpAddresses.format(udp6.exporterHi(), udp6.exporterLo()));
    }

    @Test
    void sampledIpRecordsStandInForAMissingRawHeader() {
        FlowBatch b = decode(datagram(AGENT, 0, 1, 1,
                flowSample(1, 0, 1, 100, 100, 0, 1, 2,
                        Sflow.sampledEthernet(1518, SRC_MAC, DST_MAC, 0x0800),
                        Sflow.sampledIpv4(1500, 17, SRC, DST, 4000, 53, 0, 0x28)),
                flowSample(2, 0, 1, 100, 200, 0, 1, 2,
                        Sflow.sampledIpv6(1280, 6, v6("2001:db8::1"), v6("2001:db8::2"), 443, 50000, 0x12, 0))));
        assertEquals(2, b.size());
        FlowRecord r4 = b.get(0);
        assertEquals(17, r4.protocol());
        assertEquals(4000, r4.srcPort());
        assertEquals(53, r4.dstPort());
        assertEquals(0x28, r4.tos());
        assertEquals(150_000, r4.bytes(), "the IP length of the sampled IPv4 record");
        assertEquals(SRC_MAC, r4.srcMac());
        assertEquals(DST_MAC, r4.dstMac());
        FlowRecord r6 = b.get(1);
        assertEquals("2001:db8::2", IpAddresses.format(r6.dstHi(), r6.dstLo()));
        assertEquals(0x12, r6.tcpFlags());
        assertEquals(128_000, r6.bytes());
    }

    @Test
    void aSampleWithoutPacketDataIsCounted() {
        FlowBatch b = decode(datagram(AGENT, 0, 1, 1, flowSample(1, 0, 1, 1, 1, 0, 1, 2, Sflow.extendedSwitch(5, 0, 5, 0))));
        assertEquals(0, b.size());
        assertEquals(1, ctx.dropped(SflowDecoder.NO_PACKET_RECORD));
    }

    @Test
    void anUnsupportedHeaderProtocolIsCountedUnlessAnIpRecordStandsIn() {
        byte[] ppp = new byte[] {(byte) 0xFF, 0x03, 0x00, 0x21};
        FlowBatch b = decode(datagram(AGENT, 0, 1, 1,
                flowSample(1, 0, 1, 1, 1, 0, 1, 2, rawHeader(7, 64, 0, ppp)),
                flowSample(2, 0, 1, 1, 2, 0, 1, 2, rawHeader(7, 64, 0, ppp), Sflow.sampledIpv4(60, 6, SRC, DST, 1, 2, 2, 0))));
        assertEquals(1, ctx.dropped(SflowDecoder.UNSUPPORTED_HEADER));
        FlowRecord r = only(b);
        assertEquals(60, r.bytes());
        assertEquals(6, r.protocol());
    }

    @Test
    void unknownAndEnterpriseFormatsAreSkippedByTheirLength() {
        byte[] sample = flowSample(1, 0, 1, 1, 1, 0, 1, 2,
                tlv(0, 1010, new byte[12]), // a standard record this decoder does not use
                tlv(4413, 5, new byte[20]), // an enterprise record
                tlv(0, 999, new byte[0]),
                rawHeader(1, 64, 4, tcpFrame()));
        FlowBatch b = decode(datagram(AGENT, 0, 1, 1,
                tlv(0, 9, new byte[36]), // an unknown standard sample format
                tlv(8800, 1, new byte[24]), // an enterprise sample
                sample));
        FlowRecord r = only(b);
        assertEquals(6, r.protocol());
        assertTrue(ctx.drops.isEmpty(), ctx.drops.toString());
    }

    @Test
    void severalRawHeadersInOneSampleGiveOneRecordEach() {
        FlowBatch b = decode(datagram(AGENT, 0, 1, 1, flowSample(1, 0, 1, 2, 2, 0, 1, 2,
                rawHeader(1, 64, 4, tcpFrame()), Sflow.extendedSwitch(7, 0, 7, 0), rawHeader(1, 100, 4, tcpFrame()))));
        assertEquals(2, b.size());
        assertEquals(128, b.get(0).bytes());
        assertEquals(200, b.get(1).bytes());
        assertEquals(7, b.get(0).vlan());
        assertEquals(7, b.get(1).vlan());
    }

    @Test
    void aDatagramInsideALargerBufferOrInLittleEndianOrder() {
        byte[] d = datagram(AGENT, 0, 1, 1, tcpSample(1, 1, 10, 10, 0));
        ByteBuffer big = ByteBuffer.allocate(d.length + 37);
        big.position(29);
        big.put(d);
        big.position(29).limit(29 + d.length);
        FlowBatch out = new FlowBatch();
        decoder.decode(big.order(ByteOrder.LITTLE_ENDIAN), ctx, out);
        assertEquals(1, out.size());
        assertEquals(15_180, out.get(0).bytes());
        assertEquals(29, big.position(), "the caller's buffer is not moved");
    }

    // ------------------------------------------------------------------ counter samples

    @Test
    void counterSamplesAreKeptAndNeverCountedAsTraffic() {
        FlowBatch b = decode(datagram(AGENT, 3, 1, 1,
                Sflow.counterSample(1, 0, 5, Sflow.genericCounters(5, 6, 1_000_000_000L, 1, 3, 1000), Sflow.ethernetCounters()),
                Sflow.expandedCounterSample(1, 0, 6, Sflow.ethernetCounters(), Sflow.genericCounters(6, 6, 10_000_000_000L, 1, 1, 7000))));
        assertEquals(0, b.size(), "counters are not traffic");
        assertTrue(ctx.drops.isEmpty(), ctx.drops.toString());

        List<InterfaceCounters> all = decoder.interfaces();
        assertEquals(2, all.size());
        InterfaceCounters c = decoder.interfaceCounters("192.0.2.1", 5).orElseThrow();
        assertEquals("192.0.2.1", c.agent());
        assertEquals(3, c.subAgent());
        assertEquals(5, c.ifIndex());
        assertEquals(6, c.ifType());
        assertEquals(1_000_000_000L, c.ifSpeed());
        assertEquals(1, c.ifDirection());
        assertTrue(c.adminUp());
        assertTrue(c.operUp());
        assertTrue(c.promiscuous());
        assertEquals(1000, c.inOctets());
        assertEquals(1001, c.inUnicastPackets());
        assertEquals(1002, c.inMulticastPackets());
        assertEquals(1003, c.inBroadcastPackets());
        assertEquals(1004, c.inDiscards());
        assertEquals(1005, c.inErrors());
        assertEquals(1006, c.inUnknownProtocols());
        assertEquals(2000, c.outOctets());
        assertEquals(1011, c.outUnicastPackets());
        assertEquals(1012, c.outMulticastPackets());
        assertEquals(1013, c.outBroadcastPackets());
        assertEquals(1014, c.outDiscards());
        assertEquals(1015, c.outErrors());
        assertEquals(1, c.counterSequence());
        assertEquals(ctx.receivedMillis, c.updatedMillis());
        InterfaceCounters c6 = decoder.interfaceCounters("192.0.2.1", 6).orElseThrow();
        assertTrue(c6.adminUp());
        assertFalse(c6.operUp());
        assertEquals(10_000_000_000L, c6.ifSpeed());
        assertEquals(2, decoder.interfaces("192.0.2.1").size());
        assertTrue(decoder.interfaces("192.0.2.99").isEmpty());
        assertTrue(decoder.interfaces("not an address").isEmpty());
        assertTrue(decoder.interfaceCounters("192.0.2.1", 7).isEmpty());

        // a newer sample replaces the counters, a late older one does not
        ctx.receivedMillis += 30_000;
        decode(datagram(AGENT, 3, 2, 30_001, Sflow.counterSample(2, 0, 5, Sflow.genericCounters(5, 6, 1_000_000_000L, 1, 3, 5000))));
        decode(datagram(AGENT, 3, 3, 30_002, Sflow.counterSample(1, 0, 5, Sflow.genericCounters(5, 6, 1_000_000_000L, 1, 3, 1000))));
        InterfaceCounters latest = decoder.interfaceCounters("192.0.2.1", 5).orElseThrow();
        assertEquals(5000, latest.inOctets());
        assertEquals(2, latest.counterSequence());

        AgentStatus status = only(decoder.agents());
        assertEquals(4, status.counterSamples());
        assertEquals(0, status.flowSamples());
        assertEquals(2, status.interfaces());
    }

    private static <T> T only(List<T> list) {
        assertEquals(1, list.size(), list.toString());
        return list.get(0);
    }

    @Test
    void interfaceCountersAreBounded() {
        configure(Map.of("maxInterfaces", 3));
        byte[][] samples = new byte[5][];
        for (int i = 0; i < 5; i++) {
            samples[i] = Sflow.counterSample(1, 0, i, Sflow.genericCounters(i, 6, 1, 1, 3, i));
        }
        decode(datagram(AGENT, 0, 1, 1, samples));
        assertEquals(3, decoder.interfaces().size());
        assertEquals(3, decoder.trackedInterfaces());
        decode(datagram(v4(192, 0, 2, 2), 0, 1, 1, samples));
        assertEquals(3, decoder.interfaces().size(), "the limit is over all agents");
    }

    // ------------------------------------------------------------------ loss accounting

    @Test
    void sampleSequenceGapsAndAgentDropsPerDataSource() {
        decode(datagram(AGENT, 0, 1, 1, tcpSample(1, 1, 100, 100, 0), tcpSample(10, 2, 100, 1000, 0)));
        decode(datagram(AGENT, 0, 2, 2, tcpSample(2, 1, 100, 200, 0), tcpSample(11, 2, 100, 1100, 0)));
        decode(datagram(AGENT, 0, 3, 3, tcpSample(5, 1, 100, 500, 7)));
        assertEquals(2, only(decoder.agents()).missingSamples(), "samples 3 and 4 of source 1 are missing");
        assertEquals(7, ctx.dropped(SflowDecoder.AGENT_DROPPED), "the agent's own drops");
        decode(datagram(AGENT, 0, 4, 4, tcpSample(5, 1, 100, 500, 7), tcpSample(4, 1, 100, 400, 7)));
        assertEquals(2, only(decoder.agents()).missingSamples(), "a duplicate and a late sample are no loss");
        decode(datagram(AGENT, 0, 5, 5, tcpSample(12, 2, 100, 1200, 0)));
        assertEquals(0, ctx.gaps, "no datagram is missing: the samples were lost in the agent, not on the way");

        AgentStatus s = only(decoder.agents());
        assertEquals(8, s.flowSamples());
        assertEquals(2, s.missingSamples(), "source 2 has its own sequence");
        assertEquals(7, s.agentDrops());
        assertEquals(2, s.sources());
        assertEquals(100 + 300 + 100 + 100, s.samplePoolPackets(), "sample pool increases between received samples");
        assertEquals(4 * 100, s.sampledPackets(), "packets those samples represent");
    }

    @Test
    void datagramSequenceGapsAreReportedAndARestartIsNoLoss() {
        decode(datagram(AGENT, 0, 1, 1_000_000, tcpSample(100, 1, 1, 1, 0)));
        decode(datagram(AGENT, 0, 2, 1_001_000, tcpSample(101, 1, 1, 2, 0)));
        decode(datagram(AGENT, 0, 5, 1_002_000, tcpSample(104, 1, 1, 5, 0)));
        assertEquals(2, ctx.gaps, "datagrams 3 and 4 are missing");
        AgentStatus s = only(decoder.agents());
        assertEquals(2, s.missingDatagrams());
        assertEquals(2, s.missingSamples());
        assertEquals(0, s.restarts());
        decode(datagram(AGENT, 0, 4, 1_001_500, tcpSample(103, 1, 1, 4, 0)));
        assertEquals(1, only(decoder.agents()).missingDatagrams(), "a late datagram arrived after all");
        // restarted: uptime back to 5 s; datagram and sample numbering start again
        decode(datagram(AGENT, 0, 1, 5_000, tcpSample(110, 1, 1, 1, 0)));
        decode(datagram(AGENT, 0, 2, 6_000, tcpSample(111, 1, 1, 2, 0)));
        s = only(decoder.agents());
        assertEquals(1, s.restarts());
        assertEquals(2, ctx.gaps, "no loss reported across the restart");
        assertEquals(2, s.missingSamples(), "nor between the sources' numbering before and after it");
        assertEquals(2, s.lastSequence());
        assertEquals(6_000, s.uptimeMillis());
        assertEquals(6, s.datagrams());
    }

    @Test
    void theSequenceNumberWrapsAround() {
        decode(datagram(AGENT, 0, 0xFFFF_FFFEL, 1, tcpSample(1, 1, 1, 1, 0)));
        decode(datagram(AGENT, 0, 0xFFFF_FFFFL, 2, tcpSample(2, 1, 1, 2, 0)));
        decode(datagram(AGENT, 0, 1, 3, tcpSample(3, 1, 1, 3, 0)));
        assertEquals(1, ctx.gaps, "0 is missing");
    }

    @Test
    void subAgentsAreSeparateAgents() {
        decode(datagram(AGENT, 1, 1, 1, tcpSample(1, 1, 1, 1, 0)));
        decode(datagram(AGENT, 2, 1, 1, tcpSample(50, 1, 1, 1, 0)));
        decode(datagram(AGENT, 1, 2, 2, tcpSample(2, 1, 1, 2, 0)));
        decode(datagram(AGENT, 2, 2, 2, tcpSample(51, 1, 1, 2, 0)));
        assertEquals(0, ctx.gaps);
        assertEquals(2, decoder.agents().size());
        assertEquals(0, decoder.agents().stream().mapToLong(AgentStatus::missingSamples).sum());
    }

    @Test
    void agentStateIsBoundedAndIdleAgentsAreForgotten() {
        configure(Map.of("maxAgents", 2, "agentIdleSeconds", 60));
        for (int a = 1; a <= 3; a++) {
            FlowBatch b = decode(datagram(v4(192, 0, 2, a), 0, 1, 1, tcpSample(1, 1, 1, 1, 0)));
            assertEquals(1, b.size(), "an agent without state is still decoded");
        }
        assertEquals(2, decoder.agents().size());
        ctx.receivedMillis += 61_000;
        decode(datagram(v4(192, 0, 2, 3), 0, 2, 2, tcpSample(2, 1, 1, 2, 0)));
        assertEquals(List.of("192.0.2.3"), decoder.agents().stream().map(AgentStatus::agent).toList());
        assertEquals(1, decoder.trackedSources(), "the budget of forgotten agents is given back");
    }

    @Test
    void sourcesAreBoundedOverAllAgents() {
        configure(Map.of("maxSources", 2));
        decode(datagram(AGENT, 0, 1, 1, tcpSample(1, 1, 1, 1, 0), tcpSample(1, 2, 1, 1, 0), tcpSample(1, 3, 1, 1, 0)));
        decode(datagram(AGENT, 0, 2, 2, tcpSample(5, 1, 1, 1, 0), tcpSample(5, 2, 1, 1, 0), tcpSample(5, 3, 1, 1, 0)));
        assertEquals(2, decoder.trackedSources());
        assertEquals(6, only(decoder.agents()).missingSamples(), "gaps of the two tracked sources only");
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void badVersionAddressTypeAndShortDatagrams() {
        decode(new byte[] {0, 0, 0, 5, 0, 0});
        assertEquals(1, ctx.dropped(SflowDecoder.TRUNCATED));
        decode(xdr().u32(4).u32(1).u32(AGENT).u32(0).u32(1).u32(1).u32(0).done());
        assertEquals(1, ctx.dropped(SflowDecoder.BAD_VERSION));
        decode(xdr().u32(5).u32(3).u32(AGENT).u32(0).u32(1).u32(1).u32(0).done());
        assertEquals(1, ctx.dropped(SflowDecoder.BAD_ADDRESS));
        decode(xdr().u32(5).u32(2).u32(1).u32(2).done());
        assertEquals(2, ctx.dropped(SflowDecoder.TRUNCATED));
    }

    /** Every datagram a feature test builds, concatenated into one rich datagram for the cutting tests. */
    static byte[] richDatagram() {
        return datagram(AGENT, 1, 77, 5000,
                expandedFlowSample(9, 0, 70_000, 4096, 1_000_000, 3, 0, 70_000, 0, 12,
                        Sflow.extendedSwitch(10, 1, 20, 2),
                        rawHeader(1, 1518, 4, tcpFrame()),
                        Sflow.sampledIpv4(1500, 6, SRC, DST, 1234, 80, 0x18, 0),
                        Sflow.extendedRouterV4(v4(10, 1, 1, 1), 24, 16),
                        Sflow.extendedGateway(v4(10, 9, 9, 9), 65000, 64512, 64513, new long[][] {{2, 3356, 1299}},
                                new long[] {1, 2}, 100),
                        tlv(4413, 5, new byte[8])),
                flowSample(3, 0, 2, 1, 7, 0, 1, 2, rawHeader(12, 1280, 0,
                        Sflow.ipv6(v6("2001:db8::1"), v6("2001:db8::2"), 17, 1240, Sflow.udp(1, 2, 1240)))),
                Sflow.counterSample(4, 0, 5, Sflow.genericCounters(5, 6, 1_000_000_000L, 1, 3, 1000), Sflow.ethernetCounters()));
    }

    @Test
    void everyCutOfAValidDatagramIsCountedNeverThrown() {
        byte[] full = richDatagram();
        FlowBatch whole = decode(full);
        assertEquals(2, whole.size());
        assertTrue(ctx.drops.isEmpty(), ctx.drops.toString());
        for (int n = 0; n < full.length; n++) {
            CountingContext c = new CountingContext();
            FlowBatch out = new FlowBatch();
            new SflowDecoder().decode(ByteBuffer.wrap(Arrays.copyOf(full, n)), c, out);
            assertEquals(0, c.dropped(SflowDecoder.DECODER_ERROR), "cut at " + n);
            assertTrue(c.droppedTotal() > 0, "a cut at " + n + " of " + full.length + " bytes went uncounted");
            assertTrue(out.size() <= 2);
        }
    }

    @Test
    void hostileCountsAndLengthsAreBounded() {
        // a datagram announcing 2^32-1 samples and carrying one
        byte[] d = datagram(AGENT, 0, 1, 1, tcpSample(1, 1, 1, 1, 0));
        ByteBuffer.wrap(d).putInt(24, -1);
        assertEquals(1, decode(d).size());
        assertEquals(SflowDecoder.MAX_ITEMS, ctx.dropped(SflowDecoder.TRUNCATED), "counted, but no more than a datagram could hold");

        // a sample length past the end
        CountingContext c = new CountingContext();
        byte[] e = datagram(AGENT, 0, 1, 1, tcpSample(1, 1, 1, 1, 0));
        ByteBuffer.wrap(e).putInt(32, 0x7FFF_FFFF);
        new SflowDecoder().decode(ByteBuffer.wrap(e), c, new FlowBatch());
        assertEquals(1, c.dropped(SflowDecoder.TRUNCATED));

        // a record count of 2^32-1 in a flow sample
        c = new CountingContext();
        byte[] f = datagram(AGENT, 0, 1, 1, tcpSample(1, 1, 1, 1, 0));
        ByteBuffer.wrap(f).putInt(36 + 28, -1);
        FlowBatch out = new FlowBatch();
        new SflowDecoder().decode(ByteBuffer.wrap(f), c, out);
        assertEquals(0, out.size());
        assertEquals(1, c.dropped(SflowDecoder.TRUNCATED));

        // a header length past the record, a frame length and rate whose product overflows
        c = new CountingContext();
        byte[] raw = rawHeader(1, 0xFFFF_FFFFL, 0, tcpFrame());
        ByteBuffer.wrap(raw).putInt(8 + 12, 0x7FFF_FFF0);
        byte[] g = datagram(AGENT, 0, 1, 1, flowSample(1, 0, 1, 0xFFFF_FFFFL, 1, 0, 1, 2, raw));
        out = new FlowBatch();
        new SflowDecoder().decode(ByteBuffer.wrap(g), c, out);
        assertEquals(1, out.size());
        assertEquals(Long.MAX_VALUE, out.get(0).bytes(), "saturated, not wrapped");
        assertEquals(6, out.get(0).protocol(), "the header was parsed within its record");

        // an AS path whose segment count and lengths lie
        c = new CountingContext();
        byte[] gw = Sflow.extendedGateway(v4(10, 9, 9, 9), 65000, 1, 0, new long[][] {{2, 3356}}, new long[0], 0);
        ByteBuffer.wrap(gw).putInt(8 + 20, -1).putInt(8 + 28, 0x4000_0000);
        out = new FlowBatch();
        new SflowDecoder().decode(ByteBuffer.wrap(datagram(AGENT, 0, 1, 1,
                flowSample(1, 0, 1, 1, 1, 0, 1, 2, rawHeader(1, 64, 4, tcpFrame()), gw))), c, out);
        assertEquals(1, out.size());
        assertEquals(0, c.droppedTotal(), c.drops.toString());

        // a raw header record too short for its fields
        c = new CountingContext();
        out = new FlowBatch();
        new SflowDecoder().decode(ByteBuffer.wrap(datagram(AGENT, 0, 1, 1,
                flowSample(1, 0, 1, 1, 1, 0, 1, 2, tlv(0, 1, new byte[12])))), c, out);
        assertEquals(0, out.size());
        assertEquals(1, c.dropped(SflowDecoder.BAD_RECORD));
    }

    @Test
    void scaleSaturates() {
        assertEquals(6, SflowDecoder.scale(2, 3));
        assertEquals(0xFFFF_FFFFL * 2, SflowDecoder.scale(0xFFFF_FFFFL, 2));
        assertEquals(Long.MAX_VALUE, SflowDecoder.scale(0xFFFF_FFFFL, 0xFFFF_FFFFL));
        assertEquals(Long.MAX_VALUE, SflowDecoder.scale(1L << 62, 2));
    }
}
