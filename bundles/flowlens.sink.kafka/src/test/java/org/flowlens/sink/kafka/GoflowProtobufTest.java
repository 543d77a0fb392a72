package org.flowlens.sink.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;

class GoflowProtobufTest {
    /**
     * A protobuf reader written from the wire-format specification alone, independent of the
     * codec: field number → values (Long for varints, byte[] for length-delimited).
     */
    static Map<Integer, List<Object>> parse(byte[] b, boolean delimited) {
        int[] pos = {0};
        int end = b.length;
        if (delimited) {
            long len = varint(b, pos);
            assertEquals(b.length - pos[0], len, "length prefix");
        }
        Map<Integer, List<Object>> fields = new HashMap<>();
        while (pos[0] < end) {
            long key = varint(b, pos);
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            Object v;
            if (wire == 0) {
                v = varint(b, pos);
            } else if (wire == 2) {
                int len = (int) varint(b, pos);
                byte[] data = new byte[len];
                System.arraycopy(b, pos[0], data, 0, len);
                pos[0] += len;
                v = data;
            } else {
                throw new AssertionError("unexpected wire type " + wire + " for field " + field);
            }
            fields.computeIfAbsent(field, k -> new ArrayList<>()).add(v);
        }
        return fields;
    }

    private static long varint(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b[pos[0]++];
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
    }

    private static long one(Map<Integer, List<Object>> f, int field) {
        List<Object> v = f.get(field);
        assertNotNull(v, "field " + field);
        assertEquals(1, v.size(), "field " + field + " once");
        return (Long) v.get(0);
    }

    static FlowRecord sample() {
        long[] v6 = IpAddresses.parse("2001:db8::42");
        return new FlowRecord().format("ipfix").receivedMillis(1_700_000_001_000L).startMillis(1_700_000_000_000L).endMillis(1_700_000_000_900L)
                .exporter(0, IpAddresses.v4Lo(0x0A000001)).srcV4(0xC0A80105).dst(v6[0], v6[1]).nextHop(0, IpAddresses.v4Lo(0x0A0000FE))
                .srcPort(40000).dstPort(443).protocol(6).tcpFlags(0x12).tos(0x28).bytes(1_500_000).packets(1000).samplingRate(100)
                .inIf(3).outIf(-1).srcAs(64512).dstAs(4_200_000_001L).srcMask(24).dstMask(48).vlan(100).srcMac(0x001122334455L)
                .dstMac(0xAABBCCDDEEFFL).observationDomain(7).direction(FlowRecord.DIRECTION_INGRESS);
    }

    @Test
    void writesGoflow2FieldNumbersAndWireTypes() {
        byte[] msg = new GoflowProtobuf().encode(sample()).toByteArray();
        Map<Integer, List<Object>> f = parse(msg, true);
        assertEquals(4, one(f, 1), "type IPFIX");
        assertEquals(100, one(f, 3), "sampling_rate");
        assertArrayEquals(new byte[] {(byte) 192, (byte) 168, 1, 5}, (byte[]) f.get(6).get(0), "src_addr");
        assertArrayEquals(IpAddresses.toInetAddress(sample().dstHi(), sample().dstLo()).getAddress(), (byte[]) f.get(7).get(0), "dst_addr");
        assertEquals(15_000, one(f, 9), "bytes as sampled");
        assertEquals(10, one(f, 10), "packets as sampled");
        assertArrayEquals(new byte[] {10, 0, 0, 1}, (byte[]) f.get(11).get(0), "sampler_address");
        assertArrayEquals(new byte[] {10, 0, 0, (byte) 254}, (byte[]) f.get(12).get(0), "next_hop");
        assertEquals(64512, one(f, 14));
        assertEquals(4_200_000_001L, one(f, 15));
        assertEquals(24, one(f, 16), "src_net");
        assertEquals(48, one(f, 17), "dst_net");
        assertEquals(3, one(f, 18), "in_if");
        assertEquals(0xFFFFFFFFL, one(f, 19), "out_if");
        assertEquals(6, one(f, 20), "proto");
        assertEquals(40000, one(f, 21));
        assertEquals(443, one(f, 22));
        assertEquals(0x28, one(f, 23), "ip_tos");
        assertEquals(0x12, one(f, 26), "tcp_flags");
        assertEquals(0x001122334455L, one(f, 27), "src_mac");
        assertEquals(0xAABBCCDDEEFFL, one(f, 28), "dst_mac");
        assertEquals(100, one(f, 29), "vlan_id");
        assertEquals(0x0800, one(f, 30), "etype");
        assertEquals(0, one(f, 42), "flow_direction ingress, written although zero");
        assertEquals(7, one(f, 70), "observation_domain_id");
        assertEquals(1_700_000_001_000_000_000L, one(f, 110), "time_received_ns");
        assertEquals(1_700_000_000_000_000_000L, one(f, 111), "time_flow_start_ns");
        assertEquals(1_700_000_000_900_000_000L, one(f, 112), "time_flow_end_ns");
    }

    @Test
    void leavesZeroFieldsOutAndMarksIpv6() {
        long[] a = IpAddresses.parse("2001:db8::1");
        FlowRecord r = new FlowRecord().src(a[0], a[1]).dst(a[0], a[1] + 1).exporter(a[0], a[1] + 2).protocol(17).bytes(10).packets(1);
        Map<Integer, List<Object>> f = parse(new GoflowProtobuf().encode(r).toByteArray(), true);
        assertEquals(0x86DD, one(f, 30));
        assertEquals(16, ((byte[]) f.get(6).get(0)).length);
        assertFalse(f.containsKey(1), "unknown type is the default");
        assertFalse(f.containsKey(12), "no next hop");
        assertFalse(f.containsKey(21), "no port");
        assertFalse(f.containsKey(42), "direction unknown");
        assertFalse(f.containsKey(111));
    }

    @Test
    void readsBackWhatItWrites() {
        GoflowProtobuf codec = new GoflowProtobuf();
        FlowRecord in = sample();
        byte[] msg = codec.encode(in).toByteArray();
        FlowRecord out = new FlowRecord();
        assertNull(codec.decode(msg, 0, msg.length, out));
        assertEquals("ipfix", out.format());
        assertEquals(in.receivedMillis(), out.receivedMillis());
        assertEquals(in.startMillis(), out.startMillis());
        assertEquals(in.endMillis(), out.endMillis());
        assertEquals(in.exporterLo(), out.exporterLo());
        assertEquals(in.srcLo(), out.srcLo());
        assertEquals(in.dstHi(), out.dstHi());
        assertEquals(in.dstLo(), out.dstLo());
        assertEquals(in.nextHopLo(), out.nextHopLo());
        assertEquals(in.bytes(), out.bytes());
        assertEquals(in.packets(), out.packets());
        assertEquals(in.samplingRate(), out.samplingRate());
        assertEquals(in.inIf(), out.inIf());
        assertEquals(in.outIf(), out.outIf());
        assertEquals(in.srcAs(), out.srcAs());
        assertEquals(in.dstAs(), out.dstAs());
        assertEquals(in.srcMask(), out.srcMask());
        assertEquals(in.dstMask(), out.dstMask());
        assertEquals(in.srcPort(), out.srcPort());
        assertEquals(in.dstPort(), out.dstPort());
        assertEquals(in.protocol(), out.protocol());
        assertEquals(in.tcpFlags(), out.tcpFlags());
        assertEquals(in.tos(), out.tos());
        assertEquals(in.vlan(), out.vlan());
        assertEquals(in.srcMac(), out.srcMac());
        assertEquals(in.dstMac(), out.dstMac());
        assertEquals(in.observationDomain(), out.observationDomain());
        assertEquals(FlowRecord.DIRECTION_INGRESS, out.direction());
    }

    @Test
    void readsBareMessagesAndSkipsFieldsItDoesNotKnow() {
        // a goflow2-style message written by hand: type NETFLOW_V9, src 1.2.3.4, fixed64 and fixed32 fields
        // it does not know, a repeated as_path (102), bytes 5 at sampling rate 10
        byte[] bare = {0x08, 0x03, 0x18, 0x0A, 0x32, 0x04, 1, 2, 3, 4, 0x48, 0x05, 0x51, 1, 2, 3, 4, 5, 6, 7, 8,
                0x5D, 1, 2, 3, 4, (byte) 0xB2, 0x06, 0x02, 0x01, 0x02};
        FlowRecord r = new FlowRecord();
        assertNull(new GoflowProtobuf().decode(bare, 0, bare.length, r));
        assertEquals("netflow_v9", r.format());
        assertEquals("1.2.3.4", IpAddresses.format(r.srcHi(), r.srcLo()));
        assertEquals(50, r.bytes());
        assertEquals(10, r.samplingRate());
    }

    @Test
    void refusesDamagedMessagesWithoutThrowing() {
        GoflowProtobuf codec = new GoflowProtobuf();
        byte[] good = codec.encode(sample()).toByteArray();
        assertTrue(codec.decode(good, 0, good.length - 3, new FlowRecord()) != null, "truncated");
        assertTrue(codec.decode(new byte[] {0x32, 0x03, 1, 2, 3}, 0, 5, new FlowRecord()).contains("address"));
        assertTrue(codec.decode(new byte[] {0x0B}, 0, 1, new FlowRecord()).contains("wire type"));
        assertTrue(codec.decode(new byte[0], 0, 0, new FlowRecord()) != null);
        Random random = new Random(11);
        int read = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] b = good.clone();
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            if (codec.decode(b, 0, random.nextInt(b.length + 1), new FlowRecord()) == null) {
                read++;
            }
        }
        assertTrue(read < 20_000);
    }

    @Test
    void theCodecTellsJsonFromProtobuf() {
        FlowCodec json = new FlowCodec(FlowCodec.Format.JSON, FlowCodec.KeyBy.EXPORTER, true);
        FlowCodec proto = new FlowCodec(FlowCodec.Format.PROTOBUF, FlowCodec.KeyBy.SRC_ADDR, false);
        FlowCodec auto = new FlowCodec(FlowCodec.Format.AUTO, FlowCodec.KeyBy.NONE, false);
        FlowRecord in = sample();
        assertArrayEquals(new byte[] {10, 0, 0, 1}, json.key(in));
        assertArrayEquals(new byte[] {(byte) 192, (byte) 168, 1, 5}, proto.key(in));
        assertNull(auto.key(in));
        for (byte[] value : new byte[][] {json.value(in), proto.value(in)}) {
            FlowRecord out = new FlowRecord();
            assertNull(auto.decode(value, out, 5));
            assertEquals(in.bytes(), out.bytes());
            assertEquals(in.dstLo(), out.dstLo());
        }
        assertTrue(FlowCodec.looksLikeJson(" {\"a\":1}".getBytes()));
        assertFalse(FlowCodec.looksLikeJson(new byte[] {0x7B, 0x08, 0x04}), "a 123-byte protobuf message");
        assertTrue(auto.decode("{\"router\":1}".getBytes(), new FlowRecord(), 0).startsWith("json:"));
    }
}
