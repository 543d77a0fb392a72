package org.flowlens.decoder.netflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.testing.CountingContext;
import org.junit.jupiter.api.Test;

class NetflowDecoderTest {
    static final long EXPORT_SECS = 1_700_000_000L;
    static final int EXPORT_NSECS = 250_000_000;

    /** Writes a v5 datagram: header then {@code count} records (or fewer, to build truncated ones). */
    static ByteBuffer v5(int countInHeader, int records, int uptime, int sequence, int engine, int sampling) {
        ByteBuffer b = ByteBuffer.allocate(24 + 48 * records);
        b.putShort((short) 5).putShort((short) countInHeader).putInt(uptime).putInt((int) EXPORT_SECS).putInt(EXPORT_NSECS)
                .putInt(sequence).putShort((short) engine).putShort((short) sampling);
        for (int i = 0; i < records; i++) {
            b.putInt(0x0A000001 + i) // src 10.0.0.1+i
                    .putInt(0xC0A80101) // dst 192.168.1.1
                    .putInt(0x0A0000FE) // next hop
                    .putShort((short) 3).putShort((short) 4) // in, out
                    .putInt(10 + i).putInt(1000 + i) // packets, bytes
                    .putInt(uptime - 5000).putInt(uptime - 100) // first, last
                    .putShort((short) 40000).putShort((short) 443)
                    .put((byte) 0).put((byte) 0x1B).put((byte) 6).put((byte) 0x28) // pad, flags, proto, tos
                    .putShort((short) 64512).putShort((short) 15169)
                    .put((byte) 24).put((byte) 16).putShort((short) 0);
        }
        return b.flip();
    }

    static FlowBatch decode(NetflowDecoder d, ByteBuffer b, CountingContext ctx) {
        FlowBatch out = new FlowBatch();
        d.decode(b, ctx, out);
        return out;
    }

    @Test
    void decodesEveryV5Field() {
        NetflowDecoder d = new NetflowDecoder();
        CountingContext ctx = new CountingContext(new InetSocketAddress("192.0.2.7", 9999), 42L);
        FlowBatch out = decode(d, v5(2, 2, 100_000, 7, 0x0102, 0), ctx);
        assertEquals(2, out.size());
        FlowRecord r = out.get(1);
        assertEquals("netflow_v5", r.format());
        assertEquals(42L, r.receivedMillis());
        assertEquals("192.0.2.7", IpAddresses.format(r.exporterHi(), r.exporterLo()));
        assertEquals("10.0.0.2", IpAddresses.format(r.srcHi(), r.srcLo()));
        assertEquals("192.168.1.1", IpAddresses.format(r.dstHi(), r.dstLo()));
        assertEquals("10.0.0.254", IpAddresses.format(r.nextHopHi(), r.nextHopLo()));
        assertEquals(3, r.inIf());
        assertEquals(4, r.outIf());
        assertEquals(11, r.packets());
        assertEquals(1001, r.bytes());
        long export = EXPORT_SECS * 1000 + 250;
        assertEquals(export - 5000, r.startMillis());
        assertEquals(export - 100, r.endMillis());
        assertEquals(40000, r.srcPort());
        assertEquals(443, r.dstPort());
        assertEquals(0x1B, r.tcpFlags());
        assertEquals(6, r.protocol());
        assertEquals(0x28, r.tos());
        assertEquals(64512, r.srcAs());
        assertEquals(15169, r.dstAs());
        assertEquals(24, r.srcMask());
        assertEquals(16, r.dstMask());
        assertEquals(0x0102, r.observationDomain());
        assertEquals(1, r.samplingRate());
        assertEquals(0, ctx.droppedTotal());
    }

    @Test
    void decodesV1AndV7() {
        ByteBuffer v1 = ByteBuffer.allocate(16 + 48);
        v1.putShort((short) 1).putShort((short) 1).putInt(50_000).putInt((int) EXPORT_SECS).putInt(0);
        v1.putInt(0x01020304).putInt(0x05060708).putInt(0).putShort((short) 1).putShort((short) 2)
                .putInt(5).putInt(500).putInt(49_000).putInt(49_500)
                .putShort((short) 53).putShort((short) 5353).putShort((short) 0)
                .put((byte) 17).put((byte) 0x10).put((byte) 0x02).put((byte) 0).putShort((short) 0).putInt(0);
        ByteBuffer v7 = ByteBuffer.allocate(24 + 52);
        v7.putShort((short) 7).putShort((short) 1).putInt(50_000).putInt((int) EXPORT_SECS).putInt(0).putInt(0).putInt(0);
        v7.putInt(0x01020304).putInt(0x05060708).putInt(0).putShort((short) 1).putShort((short) 2)
                .putInt(6).putInt(600).putInt(49_000).putInt(49_500)
                .putShort((short) 80).putShort((short) 8080).put((byte) 0).put((byte) 0x12).put((byte) 6).put((byte) 4)
                .putShort((short) 1).putShort((short) 2).put((byte) 8).put((byte) 9).putShort((short) 0).putInt(0x0A0A0A0A);
        NetflowDecoder d = new NetflowDecoder();
        CountingContext ctx = new CountingContext();
        FlowBatch a = decode(d, v1.flip(), ctx);
        FlowBatch b = decode(d, v7.flip(), ctx);
        assertEquals(1, a.size());
        FlowRecord r1 = a.get(0);
        assertEquals("netflow_v1", r1.format());
        assertEquals(17, r1.protocol());
        assertEquals(0x10, r1.tos());
        assertEquals(0x02, r1.tcpFlags());
        assertEquals(500, r1.bytes());
        assertEquals(5, r1.packets());
        assertEquals(EXPORT_SECS * 1000 - 1000, r1.startMillis());
        assertEquals(1, b.size());
        FlowRecord r7 = b.get(0);
        assertEquals("netflow_v7", r7.format());
        assertEquals(0x12, r7.tcpFlags());
        assertEquals(6, r7.protocol());
        assertEquals(4, r7.tos());
        assertEquals(600, r7.bytes());
        assertEquals(8, r7.srcMask());
        assertEquals(9, r7.dstMask());
        assertEquals(8080, r7.dstPort());
        assertEquals(0, ctx.droppedTotal());
    }

    @Test
    void countLargerThanTheDatagramIsTruncated() {
        NetflowDecoder d = new NetflowDecoder();
        CountingContext ctx = new CountingContext();
        FlowBatch out = decode(d, v5(30, 3, 1000, 0, 0, 0), ctx);
        assertEquals(3, out.size());
        assertEquals(27, ctx.dropped("truncated"));
    }

    @Test
    void countSmallerThanTheDatagramIsTrusted() {
        NetflowDecoder d = new NetflowDecoder();
        CountingContext ctx = new CountingContext();
        ByteBuffer b = v5(2, 5, 1000, 0, 0, 0);
        assertEquals(2, decode(d, b, ctx).size());
        assertEquals(0, ctx.droppedTotal());
    }

    @Test
    void shortOrUnknownDatagramsAreCounted() {
        NetflowDecoder d = new NetflowDecoder();
        CountingContext ctx = new CountingContext();
        assertEquals(0, decode(d, ByteBuffer.wrap(new byte[] {0, 5}), ctx).size());
        assertEquals(0, decode(d, ByteBuffer.wrap(new byte[] {0, 5, 0, 1, 0, 0, 0, 0}), ctx).size());
        assertEquals(0, decode(d, ByteBuffer.wrap(new byte[] {0, 7, 0, 1, 0, 0, 0, 0}), ctx).size());
        assertEquals(0, decode(d, ByteBuffer.wrap(new byte[] {0, 1, 0, 1, 0, 0, 0, 0}), ctx).size());
        assertEquals(4, ctx.dropped("truncated"));
        assertEquals(0, decode(d, ByteBuffer.wrap(new byte[] {0, 6, 0, 1, 0, 0, 0, 0}), ctx).size());
        assertEquals(1, ctx.dropped("bad_version"));
    }

    @Test
    void absurdValuesAreDecodedAsOnTheWire() {
        ByteBuffer b = v5(1, 1, 1000, 0, 0, 0);
        b.putInt(24 + 16, 0xFFFFFFFF).putInt(24 + 20, 0xFFFFFFFE).put(24 + 38, (byte) 0xFF);
        FlowBatch out = decode(new NetflowDecoder(), b, new CountingContext());
        assertEquals(0xFFFFFFFFL, out.get(0).packets());
        assertEquals(0xFFFFFFFEL, out.get(0).bytes());
        assertEquals(255, out.get(0).protocol());
    }

    @Test
    void sequenceGapsArePerExporterAndEngineAndCountFlows() {
        NetflowDecoder d = new NetflowDecoder();
        InetSocketAddress a = new InetSocketAddress("192.0.2.1", 2000);
        InetSocketAddress b = new InetSocketAddress("192.0.2.2", 2000);
        CountingContext ctx = new CountingContext(a, 0);
        decode(d, v5(3, 3, 1000, 100, 0, 0), ctx); // expects 103 next
        decode(d, v5(2, 2, 1000, 103, 0, 0), ctx); // in order, expects 105
        assertEquals(0, ctx.gaps);
        decode(d, v5(2, 2, 1000, 110, 0, 0), ctx); // 5 flows missing
        assertEquals(5, ctx.gaps);
        decode(d, v5(2, 2, 1000, 50, 1, 0), ctx); // another engine: own counter
        decode(d, v5(2, 2, 1000, 52, 1, 0), ctx);
        assertEquals(5, ctx.gaps);
        CountingContext other = new CountingContext(b, 0);
        decode(d, v5(1, 1, 1000, 9000, 0, 0), other); // another exporter: own counter
        assertEquals(0, other.gaps);
        decode(d, v5(1, 1, 1000, 105, 0, 0), ctx); // late datagram: resynchronises, no gap
        decode(d, v5(1, 1, 1000, 106, 0, 0), ctx);
        assertEquals(5, ctx.gaps);
        assertEquals(2, d.trackedExporters());
    }

    @Test
    void sequenceWrapsAt32Bits() {
        NetflowDecoder d = new NetflowDecoder();
        CountingContext ctx = new CountingContext();
        decode(d, v5(2, 2, 1000, -2, 0, 0), ctx); // 0xFFFFFFFE, expects 0
        decode(d, v5(2, 2, 1000, 0, 0, 0), ctx);
        assertEquals(0, ctx.gaps);
        decode(d, v5(2, 2, 1000, 4, 0, 0), ctx);
        assertEquals(2, ctx.gaps);
    }

    @Test
    void exporterPortIsPartOfTheKeyOnlyWhenConfigured() {
        NetflowDecoder d = new NetflowDecoder();
        CountingContext p1 = new CountingContext(new InetSocketAddress("192.0.2.1", 1000), 0);
        CountingContext p2 = new CountingContext(new InetSocketAddress("192.0.2.1", 1001), 0);
        decode(d, v5(1, 1, 1000, 0, 0, 0), p1);
        decode(d, v5(1, 1, 1000, 3, 0, 0), p2); // same exporter without ports: 2 missing
        assertEquals(2, p2.gaps);
        NetflowDecoder keyed = new NetflowDecoder();
        keyed.configure(Configs.of(NetflowDecoder.Config.class, Map.of("exporterPortInKey", true)));
        CountingContext q1 = new CountingContext(new InetSocketAddress("192.0.2.1", 1000), 0);
        CountingContext q2 = new CountingContext(new InetSocketAddress("192.0.2.1", 1001), 0);
        decode(keyed, v5(1, 1, 1000, 0, 0, 0), q1);
        decode(keyed, v5(1, 1, 1000, 3, 0, 0), q2);
        assertEquals(0, q2.gaps);
        assertEquals(2, keyed.trackedExporters());
    }

    @Test
    void exporterStateIsCapped() {
        NetflowDecoder d = new NetflowDecoder();
        d.configure(Configs.of(NetflowDecoder.Config.class, Map.of("maxExporters", 3)));
        for (int i = 0; i < 50; i++) {
            CountingContext ctx = new CountingContext(new InetSocketAddress("10.1.0." + i, 2055), i);
            assertEquals(1, decode(d, v5(1, 1, 1000, 0, 0, 0), ctx).size());
        }
        assertTrue(d.trackedExporters() <= 3, "tracked " + d.trackedExporters());
    }

    @Test
    void invalidConfigurationKeepsThePreviousOne() {
        NetflowDecoder d = new NetflowDecoder();
        d.configure(Configs.of(NetflowDecoder.Config.class, Map.of("applySampling", false)));
        d.configure(Configs.of(NetflowDecoder.Config.class, Map.of("applySampling", true, "maxExporters", 0)));
        FlowBatch out = decode(d, v5(1, 1, 1000, 0, 0, 100), new CountingContext());
        assertEquals(1000, out.get(0).bytes());
        assertTrue(d.problem(NetflowDecoder.PID, Map.of("maxExporters", 0)).contains("maxExporters (0)"));
        assertEquals(null, d.problem(NetflowDecoder.PID, Map.of("maxExporters", 5)));
    }

    @Test
    void samplingIntervalScalesCountersAndIsKept() {
        // mode bits 01, interval 100
        FlowBatch out = decode(new NetflowDecoder(), v5(1, 1, 1000, 0, 0, 0x4000 | 100), new CountingContext());
        assertEquals(100, out.get(0).samplingRate());
        assertEquals(1000 * 100, out.get(0).bytes());
        assertEquals(10 * 100, out.get(0).packets());
        // mode 0 with an interval (as Juniper sends it) still samples
        out = decode(new NetflowDecoder(), v5(1, 1, 1000, 0, 0, 1000), new CountingContext());
        assertEquals(1000, out.get(0).samplingRate());
        assertEquals(10_000, out.get(0).packets());
        NetflowDecoder raw = new NetflowDecoder();
        raw.configure(Configs.of(NetflowDecoder.Config.class, Map.of("applySampling", false)));
        out = decode(raw, v5(1, 1, 1000, 0, 0, 0x4000 | 100), new CountingContext());
        assertEquals(1, out.get(0).samplingRate());
        assertEquals(1000, out.get(0).bytes());
    }

    @Test
    void uptimeWrapIsHandled() {
        ByteBuffer b = v5(1, 1, 1000, 0, 0, 0);
        b.putInt(24 + 24, 0xFFFFF000); // first: 4096 ms before the counter wrapped
        b.putInt(24 + 28, 500); // last: after the wrap
        FlowRecord r = decode(new NetflowDecoder(), b, new CountingContext()).get(0);
        long export = EXPORT_SECS * 1000 + 250;
        assertEquals(export - 1000 - 4096, r.startMillis());
        assertEquals(export - 500, r.endMillis());
        // a last-switched slightly after the header's uptime (exporter clock skew) stays just after
        assertEquals(export + 20, NetflowDecoder.uptimeToEpoch(export, 1000, 1020));
    }

    @Test
    void littleEndianBuffersAndOffsetsAreHandled() {
        ByteBuffer src = v5(1, 1, 1000, 0, 0, 0);
        ByteBuffer big = ByteBuffer.allocate(src.remaining() + 10).order(ByteOrder.LITTLE_ENDIAN);
        big.position(7);
        big.put(src.duplicate());
        big.position(7).limit(7 + src.remaining());
        FlowBatch out = decode(new NetflowDecoder(), big, new CountingContext());
        assertEquals(1, out.size());
        assertEquals(1000, out.get(0).bytes());
        assertEquals(7, big.position());
        assertEquals(ByteOrder.LITTLE_ENDIAN, big.order());
    }

    @Test
    void nullExporterIsTolerated() {
        CountingContext ctx = new CountingContext(null, 0);
        assertEquals(1, decode(new NetflowDecoder(), v5(1, 1, 1000, 0, 0, 0), ctx).size());
    }
}
