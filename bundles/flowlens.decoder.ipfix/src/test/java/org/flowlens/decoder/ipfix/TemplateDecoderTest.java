package org.flowlens.decoder.ipfix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.testing.CountingContext;
import org.junit.jupiter.api.Test;

class TemplateDecoderTest {
    static final long SECS = 1_700_000_000L;
    static final long EXPORT_MS = SECS * 1000;

    final CountingContext ctx = new CountingContext(new InetSocketAddress("192.0.2.9", 5000), EXPORT_MS + 10);

    static FlowBatch decode(Object decoder, ByteBuffer b, CountingContext ctx) {
        FlowBatch out = new FlowBatch();
        if (decoder instanceof IpfixDecoder d) {
            d.decode(b, ctx, out);
        } else {
            ((NetflowV9Decoder) decoder).decode(b, ctx, out);
        }
        return out;
    }

    static IpfixDecoder ipfix(Map<String, Object> config) {
        IpfixDecoder d = new IpfixDecoder();
        d.configure(Configs.of(TemplateDecoderConfig.class, config));
        return d;
    }

    static NetflowV9Decoder v9(Map<String, Object> config) {
        NetflowV9Decoder d = new NetflowV9Decoder();
        d.configure(Configs.of(TemplateDecoderConfig.class, config));
        return d;
    }

    /** v9 template 256: src, dst, ports, protocol, bytes, packets, first/last switched. */
    static Msg v9Template(Msg m) {
        return m.set(0).template(256, 9).field(8, 4).field(12, 4).field(7, 2).field(11, 2).field(4, 1).field(1, 4).field(2, 4)
                .field(22, 4).field(21, 4);
    }

    static Msg v9Record(Msg m, String src, int bytes, int first, int last) {
        return m.ip4(src).ip4("10.9.9.9").u16(1234).u16(80).u8(6).u32(bytes).u32(2).u32(first).u32(last);
    }

    @Test
    void theChecksTellWhatALiveChangeWouldRefuse() {
        assertTrue(new IpfixDecoder().problem(IpfixDecoder.PID, Map.of("templateLifetimeSeconds", 0)) != null);
        assertEquals(null, new NetflowV9Decoder().problem(NetflowV9Decoder.PID, Map.of("templateLifetimeSeconds", 60)));
    }

    @Test
    void netflowV9RecordCarriesEveryField() {
        NetflowV9Decoder d = new NetflowV9Decoder();
        Msg m = Msg.v9(100_000, SECS, 1, 77);
        m.set(0).template(300, 24)
                .field(27, 16).field(28, 16).field(7, 2).field(11, 2).field(4, 1).field(6, 1).field(5, 1).field(1, 8).field(2, 8)
                .field(10, 4).field(14, 4).field(61, 1).field(16, 4).field(17, 4).field(29, 1).field(30, 1).field(62, 16)
                .field(58, 2).field(56, 6).field(80, 6).field(48, 1).field(22, 4).field(21, 4).field(40001, 4);
        m.set(300).bytes(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
                .bytes(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2})
                .u16(5353).u16(53).u8(17).u8(0x12).u8(0xB8).u64(5000).u64(7)
                .u32(11).u32(12).u8(1).u32(65001).u32(65002).u8(48).u8(64)
                .bytes(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xfe})
                .u16(42).bytes(new byte[] {0, 1, 2, 3, 4, 5}).bytes(new byte[] {6, 7, 8, 9, 10, 11}).u8(3)
                .u32(90_000).u32(99_000).u32(0xDEADBEEF);
        FlowBatch out = decode(d, m.build(), ctx);
        assertEquals(1, out.size(), ctx.drops.toString());
        FlowRecord r = out.get(0);
        assertEquals("netflow_v9", r.format());
        assertEquals("2001:db8::1", IpAddresses.format(r.srcHi(), r.srcLo()));
        assertEquals("2001:db8::2", IpAddresses.format(r.dstHi(), r.dstLo()));
        assertEquals("2001:db8::fe", IpAddresses.format(r.nextHopHi(), r.nextHopLo()));
        assertEquals("192.0.2.9", IpAddresses.format(r.exporterHi(), r.exporterLo()));
        assertEquals(77, r.observationDomain());
        assertEquals(5353, r.srcPort());
        assertEquals(53, r.dstPort());
        assertEquals(17, r.protocol());
        assertEquals(0x12, r.tcpFlags());
        assertEquals(0xB8, r.tos());
        assertEquals(5000, r.bytes());
        assertEquals(7, r.packets());
        assertEquals(11, r.inIf());
        assertEquals(12, r.outIf());
        assertEquals(FlowRecord.DIRECTION_EGRESS, r.direction());
        assertEquals(65001, r.srcAs());
        assertEquals(65002, r.dstAs());
        assertEquals(48, r.srcMask());
        assertEquals(64, r.dstMask());
        assertEquals(42, r.vlan());
        assertEquals(0x000102030405L, r.srcMac());
        assertEquals(0x060708090A0BL, r.dstMac());
        assertEquals(3, r.samplerId());
        assertEquals(1, r.samplingRate());
        assertEquals(EXPORT_MS - 10_000, r.startMillis());
        assertEquals(EXPORT_MS - 1_000, r.endMillis());
        assertEquals(EXPORT_MS + 10, r.receivedMillis());
        assertEquals(0, ctx.droppedTotal());
    }

    @Test
    void v9FieldIdsAbove32767AreNotEnterpriseBits() {
        NetflowV9Decoder d = new NetflowV9Decoder();
        // 40001 (Cisco ASA) of 4 bytes, then bytes: if the high bit were read as "enterprise number
        // follows", the template would be misparsed and the bytes land elsewhere
        Msg m = Msg.v9(1000, SECS, 0, 0);
        m.set(0).template(260, 3).field(40001, 4).field(33000, 12).field(1, 4);
        m.set(260).u32(0x01010101).zeros(12).u32(1500);
        FlowBatch out = decode(d, m.build(), ctx);
        assertEquals(1, out.size());
        assertEquals(1500, out.get(0).bytes());
    }

    @Test
    void ipfixEnterpriseFieldsAreSkippedByLength() {
        IpfixDecoder d = new IpfixDecoder();
        Msg m = Msg.ipfix(SECS, 0, 1);
        m.set(2).template(256, 4).enterpriseField(1, 3, 29305).field(1, 8).enterpriseField(7, 65535, 9).field(2, 4);
        m.set(256).u8(1).u8(2).u8(3).u64(999).u8(2).u8(0xAA).u8(0xBB).u32(9);
        FlowBatch out = decode(d, m.build(), ctx);
        assertEquals(1, out.size(), ctx.drops.toString());
        assertEquals(999, out.get(0).bytes());
        assertEquals(9, out.get(0).packets());
        assertEquals("ipfix", out.get(0).format());
    }

    @Test
    void variableLengthFieldsWithOneAndThreeByteLengths() {
        IpfixDecoder d = new IpfixDecoder();
        Msg m = Msg.ipfix(SECS, 0, 1);
        m.set(2).template(256, 3).field(82, 65535).field(1, 4).field(96, 65535); // interfaceName, bytes, applicationName
        m.set(256).u8(4).bytes("eth0".getBytes()).u32(100).u8(255).u16(300).zeros(300) // 3-byte length form
                .u8(0).u32(200).u8(1).u8('x'); // empty, then 1 byte
        FlowBatch out = decode(d, m.build(), ctx);
        assertEquals(2, out.size(), ctx.drops.toString());
        assertEquals(100, out.get(0).bytes());
        assertEquals(200, out.get(1).bytes());
        assertEquals(0, ctx.droppedTotal());
    }

    @Test
    void paddingAfterTheLastRecordIsIgnored() {
        IpfixDecoder d = new IpfixDecoder();
        Msg m = Msg.ipfix(SECS, 0, 1);
        m.set(2).template(256, 2).field(1, 4).field(4, 1);
        m.set(256).u32(10).u8(6).u32(20).u8(17).zeros(3); // two 5-byte records and 3 bytes of padding
        FlowBatch out = decode(d, m.build(), ctx);
        assertEquals(2, out.size());
        assertEquals(17, out.get(1).protocol());
        assertEquals(0, ctx.droppedTotal());
        // v9: padding after the template records too
        NetflowV9Decoder v9 = new NetflowV9Decoder();
        Msg n = v9Template(Msg.v9(100_000, SECS, 0, 0)).zeros(4);
        v9Record(n.set(256), "10.0.0.1", 100, 1, 2).zeros(2);
        assertEquals(1, decode(v9, n.build(), ctx).size());
        assertEquals(0, ctx.droppedTotal());
    }

    @Test
    void redefinitionReplacesTheTemplate() {
        IpfixDecoder d = new IpfixDecoder();
        Msg a = Msg.ipfix(SECS, 0, 1);
        a.set(2).template(256, 1).field(1, 4);
        a.set(256).u32(1000);
        assertEquals(1000, decode(d, a.build(), ctx).get(0).bytes());
        Msg b = Msg.ipfix(SECS, 1, 1);
        b.set(2).template(256, 2).field(2, 4).field(1, 4);
        b.set(256).u32(3).u32(4000);
        FlowRecord r = decode(d, b.build(), ctx).get(0);
        assertEquals(4000, r.bytes());
        assertEquals(3, r.packets());
        assertEquals(1, d.engine.templateCount());
    }

    @Test
    void withdrawalAndWithdrawAll() {
        IpfixDecoder d = new IpfixDecoder();
        Msg a = Msg.ipfix(SECS, 0, 1);
        a.set(2).template(256, 1).field(1, 4).template(257, 1).field(2, 4).template(258, 1).field(1, 4);
        a.set(3).optionsTemplate(300, 2, 1).field(149, 4).field(34, 4);
        decode(d, a.build(), ctx);
        assertEquals(4, d.engine.templateCount());
        Msg w = Msg.ipfix(SECS, 0, 1);
        w.set(2).template(257, 0); // withdraw 257
        w.set(257).u32(5);
        assertEquals(0, decode(d, w.build(), ctx).size());
        assertEquals(3, d.engine.templateCount());
        Msg all = Msg.ipfix(SECS, 0, 1);
        all.set(2).template(2, 0); // withdraw all data templates
        decode(d, all.build(), ctx);
        assertEquals(1, d.engine.templateCount()); // the options template stays
        Msg allOptions = Msg.ipfix(SECS, 0, 1);
        allOptions.set(3).template(3, 0);
        decode(d, allOptions.build(), ctx);
        assertEquals(0, d.engine.templateCount());
    }

    @Test
    void templatesExpireAfterTheirLifetime() {
        IpfixDecoder d = ipfix(Map.of("templateLifetimeSeconds", 60, "pendingMaxBytes", 0));
        Msg a = Msg.ipfix(SECS, 0, 1);
        a.set(2).template(256, 1).field(1, 4);
        decode(d, a.build(), ctx);
        Msg data = Msg.ipfix(SECS, 0, 1);
        data.set(256).u32(7);
        ByteBuffer dataMsg = data.build();
        ctx.receivedMillis += 59_000;
        assertEquals(1, decode(d, dataMsg.duplicate(), ctx).size());
        ctx.receivedMillis += 2_000; // 61 s after the template
        assertEquals(0, decode(d, dataMsg.duplicate(), ctx).size());
        assertEquals(1, ctx.dropped("unknown_template"));
        assertEquals(0, d.engine.templateCount());
    }

    @Test
    void dataBeforeItsTemplateIsHeldBackThenDecoded() {
        NetflowV9Decoder d = new NetflowV9Decoder();
        Msg data = Msg.v9(100_000, SECS, 0, 5);
        v9Record(v9Record(data.set(256), "10.0.0.1", 100, 90_000, 95_000), "10.0.0.2", 200, 90_000, 95_000);
        assertEquals(0, decode(d, data.build(), ctx).size());
        assertTrue(d.engine.pendingBytes() > 0);
        ctx.receivedMillis += 5_000;
        Msg tmpl = v9Template(Msg.v9(105_000, SECS + 5, 1, 5));
        FlowBatch out = decode(d, tmpl.build(), ctx);
        assertEquals(2, out.size());
        assertEquals(200, out.get(1).bytes());
        // times come from the header the data arrived with
        assertEquals(EXPORT_MS - 10_000, out.get(0).startMillis());
        assertEquals(0, d.engine.pendingBytes());
        assertEquals(0, ctx.droppedTotal());
    }

    @Test
    void heldBackDataExpiresAndIsCounted() {
        NetflowV9Decoder d = v9(Map.of("pendingMaxAgeSeconds", 10));
        Msg data = Msg.v9(100_000, SECS, 0, 5);
        v9Record(data.set(256), "10.0.0.1", 100, 90_000, 95_000);
        decode(d, data.build(), ctx);
        ctx.receivedMillis += 11_000;
        FlowBatch out = decode(d, v9Template(Msg.v9(111_000, SECS + 11, 1, 5)).build(), ctx);
        assertEquals(0, out.size());
        assertEquals(1, ctx.dropped("unknown_template"));
        assertEquals(0, d.engine.pendingBytes());
    }

    @Test
    void heldBackDataIsCappedPerExporter() {
        NetflowV9Decoder d = v9(Map.of("pendingMaxBytes", 100));
        for (int i = 0; i < 10; i++) {
            Msg data = Msg.v9(100_000, SECS, i, 5);
            v9Record(data.set(256), "10.0.0.1", 100, 90_000, 95_000); // 33-byte sets
            decode(d, data.build(), ctx);
        }
        assertTrue(d.engine.pendingBytes() <= 100);
        assertEquals(7, ctx.dropped("template_limit"));
        assertEquals(3, decode(d, v9Template(Msg.v9(100_000, SECS, 10, 5)).build(), ctx).size());
    }

    @Test
    void templatesAreKeyedByExporterDomainAndOptionallyPort() {
        IpfixDecoder d = new IpfixDecoder();
        Msg t = Msg.ipfix(SECS, 0, 1);
        t.set(2).template(256, 1).field(1, 4);
        decode(d, t.build(), ctx);
        Msg otherDomain = Msg.ipfix(SECS, 0, 2);
        otherDomain.set(256).u32(1);
        assertEquals(0, decode(d, otherDomain.build(), ctx).size());
        Msg sameDomain = Msg.ipfix(SECS, 1, 1);
        sameDomain.set(256).u32(1);
        CountingContext otherPort = new CountingContext(new InetSocketAddress("192.0.2.9", 5001), ctx.receivedMillis);
        assertEquals(1, decode(d, sameDomain.build(), otherPort).size()); // port not in the key by default
        CountingContext otherHost = new CountingContext(new InetSocketAddress("192.0.2.10", 5000), ctx.receivedMillis);
        assertEquals(0, decode(d, sameDomain.build(), otherHost).size());

        IpfixDecoder keyed = ipfix(Map.of("exporterPortInKey", true));
        decode(keyed, t.build(), ctx);
        assertEquals(0, decode(keyed, sameDomain.build(), otherPort).size());
        assertEquals(1, decode(keyed, sameDomain.build(), ctx).size());
    }

    @Test
    void samplingFromOptionsPerSamplerAndDomain() {
        NetflowV9Decoder d = new NetflowV9Decoder();
        Msg m = Msg.v9(100_000, SECS, 0, 0);
        // v9 options: scope system, FLOW_SAMPLER_ID (48), FLOW_SAMPLER_RANDOM_INTERVAL (50)
        m.set(1).v9OptionsTemplate(400, 4, 8).field(1, 4).field(48, 1).field(50, 4);
        m.set(400).u32(0).u8(7).u32(64).zeros(3);
        // v9 options without sampler id: SAMPLING_INTERVAL (34) for the whole source
        m.set(1).v9OptionsTemplate(401, 4, 4).field(1, 4).field(34, 4);
        m.set(401).u32(0).u32(10);
        m.set(0).template(256, 3).field(48, 1).field(1, 4).field(2, 4);
        m.set(256).u8(7).u32(100).u32(1) // sampler 7: 1 in 64
                .u8(9).u32(100).u32(1) // unknown sampler: the source's 1 in 10
                .zeros(2);
        FlowBatch out = decode(d, m.build(), ctx);
        assertEquals(2, out.size(), ctx.drops.toString());
        assertEquals(64, out.get(0).samplingRate());
        assertEquals(6400, out.get(0).bytes());
        assertEquals(64, out.get(0).packets());
        assertEquals(7, out.get(0).samplerId());
        assertEquals(10, out.get(1).samplingRate());
        assertEquals(1000, out.get(1).bytes());
    }

    @Test
    void samplingFromIpfixSelectorOptionsAndInterfaceScope() {
        IpfixDecoder d = new IpfixDecoder();
        Msg m = Msg.ipfix(SECS, 0, 1);
        // PSAMP (RFC 5477): scope selectorId (302), samplingPacketInterval (305), samplingPacketSpace (306)
        m.set(3).optionsTemplate(400, 3, 1).field(302, 8).field(305, 4).field(306, 4);
        m.set(400).u64(12).u32(1).u32(99);
        // interface-scoped samplingInterval (34)
        m.set(3).optionsTemplate(401, 2, 1).field(10, 4).field(34, 4);
        m.set(401).u32(5).u32(1000);
        m.set(2).template(256, 4).field(302, 8).field(10, 4).field(1, 4).field(2, 4);
        m.set(256).u64(12).u32(1).u32(10).u32(1) // selector 12: 1 in 100
                .u64(99).u32(5).u32(10).u32(1) // unknown selector, interface 5: 1 in 1000
                .u64(99).u32(6).u32(10).u32(1); // nothing applies
        FlowBatch out = decode(d, m.build(), ctx);
        assertEquals(3, out.size(), ctx.drops.toString());
        assertEquals(100, out.get(0).samplingRate());
        assertEquals(1000, out.get(0).bytes());
        assertEquals(1000, out.get(1).samplingRate());
        assertEquals(10_000, out.get(1).bytes());
        assertEquals(1, out.get(2).samplingRate());
        assertEquals(10, out.get(2).bytes());
        IpfixDecoder raw = ipfix(Map.of("applySampling", false));
        FlowBatch unscaled = decode(raw, m.build(), ctx);
        assertEquals(10, unscaled.get(0).bytes());
        assertEquals(1, unscaled.get(0).samplingRate());
    }

    @Test
    void v9UptimeWrap() {
        NetflowV9Decoder d = new NetflowV9Decoder();
        Msg m = v9Template(Msg.v9(2_000, SECS, 0, 0));
        v9Record(m.set(256), "10.0.0.1", 1, 0xFFFFF000, 1_500); // first 4096 ms before the wrap
        FlowRecord r = decode(d, m.build(), ctx).get(0);
        assertEquals(EXPORT_MS - 2_000 - 4_096, r.startMillis());
        assertEquals(EXPORT_MS - 500, r.endMillis());
    }

    @Test
    void ipfixTimes() {
        IpfixDecoder d = new IpfixDecoder();
        long init = EXPORT_MS - 3_600_000;
        Msg m = Msg.ipfix(SECS, 0, 1);
        // systemInitTimeMilliseconds (160) from options data, then uptime-relative times
        m.set(3).optionsTemplate(400, 2, 1).field(149, 4).field(160, 8);
        m.set(400).u32(1).u64(init);
        m.set(2).template(256, 2).field(22, 4).field(21, 4);
        m.set(256).u32(1_000).u32(2_000);
        m.set(2).template(257, 2).field(150, 4).field(151, 4);
        m.set(257).u32(SECS - 20).u32(SECS - 10);
        m.set(2).template(258, 2).field(152, 8).field(153, 8);
        m.set(258).u64(EXPORT_MS - 1234).u64(EXPORT_MS - 234);
        long ntpSeconds = SECS + 2_208_988_800L - 5;
        m.set(2).template(259, 2).field(154, 8).field(157, 8);
        m.set(259).u64(ntpSeconds << 32 | 0x80000000L).u64((ntpSeconds + 1) << 32);
        m.set(2).template(260, 2).field(158, 4).field(159, 4);
        m.set(260).u32(3_000_000).u32(1_000_000);
        FlowBatch out = decode(d, m.build(), ctx);
        assertEquals(5, out.size(), ctx.drops.toString());
        assertEquals(init + 1_000, out.get(0).startMillis());
        assertEquals(init + 2_000, out.get(0).endMillis());
        assertEquals(EXPORT_MS - 20_000, out.get(1).startMillis());
        assertEquals(EXPORT_MS - 10_000, out.get(1).endMillis());
        assertEquals(EXPORT_MS - 1234, out.get(2).startMillis());
        assertEquals(EXPORT_MS - 234, out.get(2).endMillis());
        assertEquals(EXPORT_MS - 5_000 + 500, out.get(3).startMillis());
        assertEquals(EXPORT_MS - 4_000, out.get(3).endMillis());
        assertEquals(EXPORT_MS - 3_000, out.get(4).startMillis());
        assertEquals(EXPORT_MS - 1_000, out.get(4).endMillis());
    }

    @Test
    void ipfixUptimeWrapsAgainstTheSystemInitTime() {
        IpfixDecoder d = new IpfixDecoder();
        long init = EXPORT_MS - (1L << 32) - 5_000; // booted 49.7 days and 5 s ago
        Msg m = Msg.ipfix(SECS, 0, 1);
        m.set(2).template(256, 3).field(160, 8).field(22, 4).field(21, 4);
        m.set(256).u64(init).u32(1_000).u32(4_000); // counter wrapped 5 s ago
        FlowRecord r = decode(d, m.build(), ctx).get(0);
        assertEquals(EXPORT_MS - 4_000, r.startMillis());
        assertEquals(EXPORT_MS - 1_000, r.endMillis());
    }

    @Test
    void sequenceNumbers() {
        NetflowV9Decoder v9 = new NetflowV9Decoder();
        for (int seq : new int[] {10, 11, 14, 15}) { // v9 counts packets: 12 and 13 are missing
            decode(v9, v9Template(Msg.v9(1000, SECS, seq, 0)).build(), ctx);
        }
        decode(v9, v9Template(Msg.v9(1000, SECS, 100, 1)).build(), ctx); // another source id: own counter
        assertEquals(2, ctx.gaps);

        CountingContext c = new CountingContext();
        IpfixDecoder ipfix = new IpfixDecoder();
        Msg a = Msg.ipfix(SECS, 50, 1);
        a.set(2).template(256, 1).field(1, 4);
        a.set(256).u32(1).u32(2).u32(3);
        decode(ipfix, a.build(), c); // 3 records: next is 53
        Msg b = Msg.ipfix(SECS, 53, 1);
        b.set(256).u32(1).u32(2);
        decode(ipfix, b.build(), c); // next is 55
        assertEquals(0, c.gaps);
        Msg e = Msg.ipfix(SECS, 60, 1);
        e.set(256).u32(1);
        decode(ipfix, e.build(), c);
        assertEquals(5, c.gaps); // IPFIX counts records: 5 missing
    }

    @Test
    void ciscoNselInitiatorAndResponderOctetsCountWhenNoOctetCounter() {
        NetflowV9Decoder d = new NetflowV9Decoder();
        Msg m = Msg.v9(1000, SECS, 0, 0);
        m.set(0).template(256, 4).field(231, 4).field(232, 4).field(298, 4).field(299, 4);
        m.set(256).u32(81).u32(763).u32(2).u32(3);
        m.set(0).template(257, 3).field(1, 4).field(231, 4).field(232, 4);
        m.set(257).u32(500).u32(81).u32(763);
        FlowBatch out = decode(d, m.build(), ctx);
        assertEquals(844, out.get(0).bytes());
        assertEquals(5, out.get(0).packets());
        assertEquals(500, out.get(1).bytes()); // a real octet counter wins
    }

    @Test
    void firstOccurrenceWinsInTunnelledTemplates() {
        IpfixDecoder d = new IpfixDecoder();
        Msg m = Msg.ipfix(SECS, 0, 1);
        m.set(2).template(256, 4).field(8, 4).field(4, 1).field(8, 4).field(4, 1);
        m.set(256).ip4("1.1.1.1").u8(4).ip4("10.0.0.1").u8(17);
        FlowRecord r = decode(d, m.build(), ctx).get(0);
        assertEquals("1.1.1.1", IpAddresses.format(r.srcHi(), r.srcLo()));
        assertEquals(4, r.protocol());
    }

    @Test
    void templateCountIsCappedPerExporter() {
        IpfixDecoder d = ipfix(Map.of("maxTemplatesPerExporter", 5));
        Msg m = Msg.ipfix(SECS, 0, 1);
        m.set(2);
        for (int i = 0; i < 8; i++) {
            m.template(256 + i, 1).field(1, 4);
        }
        decode(d, m.build(), ctx);
        assertEquals(5, d.engine.templateCount());
        assertEquals(3, ctx.dropped("template_limit"));
    }

    @Test
    void exportersAreCapped() {
        IpfixDecoder d = ipfix(Map.of("maxExporters", 4));
        for (int i = 0; i < 20; i++) {
            Msg m = Msg.ipfix(SECS, 0, 1);
            m.set(2).template(256, 1).field(1, 4);
            decode(d, m.build(), new CountingContext(new InetSocketAddress("10.2.0." + i, 4739), EXPORT_MS + i));
        }
        assertTrue(d.engine.exporterCount() <= 4, "exporters " + d.engine.exporterCount());
        assertTrue(d.engine.templateCount() <= 4);
    }

    @Test
    void invalidConfigurationKeepsThePreviousOne() {
        IpfixDecoder d = ipfix(Map.of("maxTemplatesPerExporter", 2));
        d.configure(Configs.of(TemplateDecoderConfig.class, Map.of("maxTemplatesPerExporter", 3, "templateLifetimeSeconds", 0)));
        assertEquals(2, d.engine.settings().maxTemplatesPerExporter());
        d.configure(Configs.of(TemplateDecoderConfig.class, Map.of("maxTemplatesPerExporter", 3)));
        assertEquals(3, d.engine.settings().maxTemplatesPerExporter());
    }

    @Test
    void hostileInputIsCountedNeverThrown() {
        Map<String, ByteBuffer> cases = new HashMap<>();
        cases.put("zero-length set", Msg.ipfix(SECS, 0, 1).set(2).setLength(0).u32(0).build());
        cases.put("set past the end", Msg.ipfix(SECS, 0, 1).set(2).template(256, 1).field(1, 4).setLength(4000).build());
        cases.put("huge field count", Msg.ipfix(SECS, 0, 1).set(2).template(256, 65535).field(1, 4).build());
        cases.put("field count past the set", Msg.ipfix(SECS, 0, 1).set(2).template(256, 10).field(1, 4).build());
        cases.put("template id below 256", Msg.ipfix(SECS, 0, 1).set(2).template(5, 1).field(1, 4).build());
        cases.put("options without scope", Msg.ipfix(SECS, 0, 1).set(3).optionsTemplate(300, 1, 0).field(34, 4).build());
        cases.put("all fields of length 0", Msg.ipfix(SECS, 0, 1).set(2).template(256, 2).field(1, 0).field(2, 0).set(256).zeros(8).build());
        cases.put("v9 all fields of length 0", Msg.v9(0, SECS, 0, 0).set(0).template(256, 1).field(1, 0).set(256).zeros(8).build());
        cases.put("reserved set id", Msg.ipfix(SECS, 0, 1).set(7).zeros(8).build());
        cases.put("short header", ByteBuffer.wrap(new byte[] {0, 10, 0, 20}));
        cases.put("message length below header", Msg.ipfix(SECS, 0, 1).build().putShort(2, (short) 4));
        cases.put("wrong version", ByteBuffer.wrap(new byte[20]));
        cases.put("truncated variable-length record",
                Msg.ipfix(SECS, 0, 1).set(2).template(256, 2).field(1, 4).field(82, 65535).set(256).u32(1).u8(255).u16(9000).zeros(3).build());
        for (Map.Entry<String, ByteBuffer> e : cases.entrySet()) {
            CountingContext c = new CountingContext();
            IpfixDecoder d = new IpfixDecoder();
            NetflowV9Decoder v9 = new NetflowV9Decoder();
            FlowBatch out = new FlowBatch();
            ByteBuffer b = e.getValue();
            (b.getShort(b.position()) == 9 ? (org.flowlens.api.decode.FlowDecoder) v9 : d).decode(b, c, out);
            assertEquals(0, out.size(), e.getKey());
            assertTrue(c.droppedTotal() > 0, e.getKey() + " must be counted");
            assertEquals(0, c.dropped("decoder_error"), e.getKey());
        }
    }

    @Test
    void v9FieldOfLength65535IsFixedAndNeverFits() {
        NetflowV9Decoder d = new NetflowV9Decoder();
        Msg m = Msg.v9(0, SECS, 0, 0);
        m.set(0).template(256, 2).field(1, 4).field(82, 65535);
        m.set(256).u32(5).zeros(100);
        assertEquals(0, decode(d, m.build(), ctx).size());
        assertEquals(0, ctx.dropped("decoder_error"));
    }

    @Test
    void littleEndianBufferIsReadBigEndianAndLeftAlone() {
        IpfixDecoder d = new IpfixDecoder();
        Msg m = Msg.ipfix(SECS, 0, 1);
        m.set(2).template(256, 1).field(1, 4);
        m.set(256).u32(0x01020304);
        ByteBuffer b = m.build().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x01020304, decode(d, b, ctx).get(0).bytes());
        assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
        assertEquals(0, b.position());
    }

    @Test
    void recordsWithoutTimesGetTheExportTime() {
        IpfixDecoder d = new IpfixDecoder();
        Msg m = Msg.ipfix(SECS, 0, 1);
        m.set(2).template(256, 2).field(1, 4).field(22, 4); // uptime without any init time
        m.set(256).u32(1).u32(500);
        FlowRecord r = decode(d, m.build(), ctx).get(0);
        assertEquals(EXPORT_MS, r.startMillis());
        assertEquals(EXPORT_MS, r.endMillis());
    }
}
