package org.flowlens.decoder.packet;

import static org.flowlens.decoder.packet.Packets.v4;
import static org.flowlens.decoder.packet.Packets.v6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.pcap.LinkTypes;
import org.junit.jupiter.api.Test;

class PacketParserTest {

    private final PacketParser parser = new PacketParser();
    private final PacketInfo info = new PacketInfo();

    private int parse(byte[] packet, int linkType) {
        return parser.parse(ByteBuffer.wrap(packet), 0, packet.length, linkType, info);
    }

    private static byte[] tcpOverEthernet() {
        return Packets.create().ethernet(0x001122334455L, 0x66778899AABBL, 0x0800)
                .ipv4(v4(10, 0, 0, 1), v4(192, 168, 1, 2), 6, 20 + 5, 0, false, 0x28)
                .tcp(40000, 443, 0x18).bytes('h', 'e', 'l', 'l', 'o').zeros(6) // Ethernet padding
                .array();
    }

    @Test
    void ethernetIpv4Tcp() {
        byte[] p = tcpOverEthernet();
        assertEquals(PacketParser.OK, parse(p, LinkTypes.ETHERNET));
        assertEquals(0x001122334455L, info.dstMac());
        assertEquals(0x66778899AABBL, info.srcMac());
        assertEquals(0x0800, info.etherType());
        assertEquals(4, info.ipVersion());
        assertEquals(14, info.ipOffset());
        assertEquals(45, info.ipLength());
        assertEquals(0, info.srcHi());
        assertEquals(IpAddresses.v4Lo(v4(10, 0, 0, 1)), info.srcLo());
        assertEquals(v4(192, 168, 1, 2), info.dstV4());
        assertEquals(6, info.protocol());
        assertEquals(0x28, info.tos());
        assertEquals(64, info.ttl());
        assertEquals(40000, info.srcPort());
        assertEquals(443, info.dstPort());
        assertEquals(0x18, info.tcpFlags());
        assertEquals(1000, info.tcpSeq());
        assertEquals(2000, info.tcpAck());
        assertEquals(34, info.l4Offset());
        assertEquals(54, info.payloadOffset());
        assertEquals(5, info.payloadLength(), "padding is not payload");
        assertFalse(info.isFragment());
        assertEquals(-1, info.icmpType());
    }

    @Test
    void parsesAtAnOffsetInsideALargerBufferWithAShortCapturedLength() {
        byte[] frame = tcpOverEthernet();
        ByteBuffer datagram = ByteBuffer.allocate(200);
        datagram.position(77);
        datagram.put(frame);
        datagram.flip();
        // an sFlow sample that kept only 40 bytes of the frame: the IP header but a cut TCP header
        assertEquals(PacketParser.TRUNCATED, parser.parse(datagram, 77, 40, LinkTypes.ETHERNET, info));
        assertEquals(4, info.ipVersion());
        assertEquals(45, info.ipLength(), "the IP length comes from the header, not the capture");
        assertEquals(77 + 14, info.ipOffset());
        // 54 bytes: the whole TCP header
        assertEquals(PacketParser.OK, parser.parse(datagram, 77, 54, LinkTypes.ETHERNET, info));
        assertEquals(443, info.dstPort());
        assertEquals(0, info.payloadLength());
        assertEquals(0, datagram.position(), "buffer position untouched");
    }

    @Test
    void littleEndianBuffersAreReadInNetworkOrder() {
        byte[] p = tcpOverEthernet();
        ByteBuffer le = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(PacketParser.OK, parser.parse(le, 0, p.length, LinkTypes.ETHERNET, info));
        assertEquals(40000, info.srcPort());
        assertEquals(ByteOrder.LITTLE_ENDIAN, le.order());
    }

    @Test
    void vlanAndQinQ() {
        byte[] single = Packets.create().ethernet(1, 2, 0x8100).vlan(0x2064, 0x0800)
                .ipv4(v4(1, 1, 1, 1), v4(2, 2, 2, 2), 17, 8).udp(53, 1000, 0).array();
        assertEquals(PacketParser.OK, parse(single, LinkTypes.ETHERNET));
        assertEquals(100, info.vlan());
        assertEquals(0, info.innerVlan());
        assertEquals(53, info.srcPort());
        byte[] qinq = Packets.create().ethernet(1, 2, 0x88A8).vlan(200, 0x8100).vlan(300, 0x86DD)
                .ipv6(v6("2001:db8::1"), v6("2001:db8::2"), 17, 8).udp(5000, 6000, 0).array();
        assertEquals(PacketParser.OK, parse(qinq, LinkTypes.ETHERNET));
        assertEquals(200, info.vlan());
        assertEquals(300, info.innerVlan());
        assertEquals(6, info.ipVersion());
        assertEquals(6000, info.dstPort());
        byte[] tooMany = Packets.create().ethernet(1, 2, 0x8100).vlan(1, 0x8100).vlan(2, 0x8100).vlan(3, 0x8100)
                .vlan(4, 0x8100).vlan(5, 0x0800).ipv4(1, 2, 17, 8).udp(1, 2, 0).array();
        assertEquals(PacketParser.MALFORMED, parse(tooMany, LinkTypes.ETHERNET));
    }

    @Test
    void linuxCookedV1AndV2() {
        byte[] sll = Packets.create().u16(0).u16(1).u16(6).bytes(0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0, 0).u16(0x0800)
                .ipv4(v4(10, 1, 1, 1), v4(10, 1, 1, 2), 1, 8).icmp(8, 0).array();
        assertEquals(PacketParser.OK, parse(sll, LinkTypes.LINUX_SLL));
        assertEquals(0xAABBCCDDEEFFL, info.srcMac());
        assertEquals(1, info.protocol());
        assertEquals(8, info.icmpType());
        assertEquals(0, info.icmpCode());
        byte[] sll2 = Packets.create().u16(0x86DD).u16(0).u32(3).u16(1).bytes(4, 6).bytes(1, 2, 3, 4, 5, 6, 0, 0)
                .ipv6(v6("fe80::1"), v6("ff02::1"), 58, 8).icmp(135, 0).array();
        assertEquals(PacketParser.OK, parse(sll2, LinkTypes.LINUX_SLL2));
        assertEquals(0x010203040506L, info.srcMac());
        assertEquals(58, info.protocol());
        assertEquals(135, info.icmpType());
        byte[] arp = Packets.create().u16(0).u16(1).u16(6).zeros(8).u16(0x0806).zeros(28).array();
        assertEquals(PacketParser.NOT_IP, parse(arp, LinkTypes.LINUX_SLL));
    }

    @Test
    void rawIpAndLoopback() {
        byte[] ip = Packets.create().ipv4(v4(127, 0, 0, 1), v4(127, 0, 0, 1), 17, 8).udp(1, 2, 0).array();
        for (int lt : new int[] {LinkTypes.RAW, LinkTypes.DLT_RAW_12, LinkTypes.DLT_RAW_14, LinkTypes.IPV4}) {
            assertEquals(PacketParser.OK, parse(ip, lt), "link type " + lt);
            assertEquals(2, info.dstPort());
        }
        byte[] ip6 = Packets.create().ipv6(v6("::1"), v6("::1"), 6, 20).tcp(1, 2, 0x02).array();
        assertEquals(PacketParser.OK, parse(ip6, LinkTypes.RAW));
        assertEquals(PacketParser.OK, parse(ip6, LinkTypes.IPV6));
        assertEquals(0x02, info.tcpFlags());
        // BSD loopback: the family in the capturing host's order (either), OpenBSD: network order
        byte[] nullLe = Packets.create().bytes(2, 0, 0, 0).raw(ip).array();
        byte[] nullBe = Packets.create().bytes(0, 0, 0, 2).raw(ip).array();
        byte[] null6 = Packets.create().bytes(30, 0, 0, 0).raw(ip6).array();
        assertEquals(PacketParser.OK, parse(nullLe, LinkTypes.NULL));
        assertEquals(PacketParser.OK, parse(nullBe, LinkTypes.NULL));
        assertEquals(PacketParser.OK, parse(null6, LinkTypes.NULL));
        assertEquals(6, info.ipVersion());
        assertEquals(PacketParser.OK, parse(nullBe, LinkTypes.LOOP));
        byte[] other = Packets.create().bytes(0, 0, 0, 99).raw(ip).array();
        assertEquals(PacketParser.NOT_IP, parse(other, LinkTypes.LOOP));
        assertEquals(PacketParser.UNKNOWN_LINK_TYPE, parse(ip, 147));
        byte[] garbage = {0x15, 1, 2, 3};
        assertEquals(PacketParser.MALFORMED, parse(garbage, LinkTypes.RAW));
    }

    @Test
    void ipv4FragmentsOnlyTheFirstHasPorts() {
        byte[] first = Packets.create().ipv4(v4(1, 2, 3, 4), v4(5, 6, 7, 8), 17, 1480, 0, true, 0).udp(5353, 53, 1472)
                .zeros(1472).array();
        assertEquals(PacketParser.OK, parse(first, LinkTypes.RAW));
        assertTrue(info.isFragment());
        assertTrue(info.moreFragments());
        assertEquals(53, info.dstPort());
        byte[] second = Packets.create().ipv4(v4(1, 2, 3, 4), v4(5, 6, 7, 8), 17, 100, 1480, false, 0).zeros(100).array();
        assertEquals(PacketParser.OK, parse(second, LinkTypes.RAW));
        assertEquals(1480, info.fragmentOffset());
        assertTrue(info.isFragment());
        assertEquals(0, info.srcPort());
        assertEquals(0, info.dstPort());
        assertEquals(17, info.protocol());
        assertEquals(100, info.payloadLength());
    }

    @Test
    void ipv4OptionsAndBadHeaders() {
        byte[] withOptions = Packets.create().bytes(0x46, 0).u16(24 + 8).u32(0).bytes(64, 17).u16(0).u32(1).u32(2)
                .u32(0x01010100).udp(7, 9, 0).array();
        assertEquals(PacketParser.OK, parse(withOptions, LinkTypes.RAW));
        assertEquals(24, info.ipHeaderLength());
        assertEquals(9, info.dstPort());
        byte[] shortIhl = Packets.create().bytes(0x44, 0).u16(40).zeros(16).array();
        assertEquals(PacketParser.MALFORMED, parse(shortIhl, LinkTypes.RAW));
        byte[] totalBelowHeader = Packets.create().bytes(0x45, 0).u16(10).zeros(16).array();
        assertEquals(PacketParser.MALFORMED, parse(totalBelowHeader, LinkTypes.RAW));
        // total length 0 (segmentation offload): the captured length counts
        byte[] tso = Packets.create().bytes(0x45, 0).u16(0).u32(0).bytes(64, 6).u16(0).u32(1).u32(2)
                .tcp(1, 2, 0x10).zeros(100).array();
        assertEquals(PacketParser.OK, parse(tso, LinkTypes.RAW));
        assertEquals(140, info.ipLength());
        byte[] badTcpOffset = Packets.create().ipv4(1, 2, 6, 20).u16(1).u16(2).u32(0).u32(0).bytes(0x40, 0).zeros(6).array();
        assertEquals(PacketParser.MALFORMED, parse(badTcpOffset, LinkTypes.RAW));
    }

    @Test
    void ipv6ExtensionHeadersAndFragments() {
        // hop-by-hop (8 bytes), destination options (16 bytes), then TCP
        byte[] p = Packets.create().ipv6(v6("2001:db8::1"), v6("2001:db8::2"), 0, 8 + 16 + 20)
                .bytes(60, 0).zeros(6).bytes(6, 1).zeros(14).tcp(1234, 80, 0x02).array();
        assertEquals(PacketParser.OK, parse(p, LinkTypes.RAW));
        assertEquals(6, info.protocol());
        assertEquals(40 + 24, info.ipHeaderLength());
        assertEquals(80, info.dstPort());
        assertEquals(84, info.ipLength());
        byte[] v6a = v6("2001:db8::1");
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = hi << 8 | (v6a[i] & 0xFF);
            lo = lo << 8 | (v6a[i + 8] & 0xFF);
        }
        assertEquals(hi, info.srcHi());
        assertEquals(lo, info.srcLo());
        // first fragment: ports; later fragment: none
        byte[] f1 = Packets.create().ipv6(v6a, v6("2001:db8::2"), 44, 8 + 8).bytes(17, 0).u16(1).u32(7).udp(1, 53, 100)
                .array();
        assertEquals(PacketParser.OK, parse(f1, LinkTypes.RAW));
        assertTrue(info.isFragment());
        assertEquals(53, info.dstPort());
        byte[] f2 = Packets.create().ipv6(v6a, v6("2001:db8::2"), 44, 8 + 8).bytes(17, 0).u16(1480).u32(7).zeros(8)
                .array();
        assertEquals(PacketParser.OK, parse(f2, LinkTypes.RAW));
        assertEquals(1480, info.fragmentOffset());
        assertEquals(0, info.dstPort());
        assertEquals(17, info.protocol());
        // an extension header that runs past the packet
        byte[] bad = Packets.create().ipv6(v6a, v6a, 0, 8).bytes(6, 5).zeros(6).array();
        assertEquals(PacketParser.MALFORMED, parse(bad, LinkTypes.RAW));
        // the same packet cut by the capture
        byte[] cut = Packets.create().ipv6(v6a, v6a, 0, 48).bytes(6, 5).zeros(6).array();
        assertEquals(PacketParser.TRUNCATED, parse(cut, LinkTypes.RAW));
    }

    @Test
    void nonIpFrames() {
        byte[] arp = Packets.create().ethernet(-1L, 2, 0x0806).zeros(28).array();
        assertEquals(PacketParser.NOT_IP, parse(arp, LinkTypes.ETHERNET));
        assertEquals(0x0806, info.etherType());
        assertEquals(0, info.ipVersion());
        byte[] stp = Packets.create().ethernet(0x0180C2000000L, 2, 38).bytes(0x42, 0x42, 3).zeros(35).array();
        assertEquals(PacketParser.NOT_IP, parse(stp, LinkTypes.ETHERNET));
        byte[] snap = Packets.create().ethernet(1, 2, 36).bytes(0xAA, 0xAA, 3, 0, 0, 0).u16(0x0800)
                .ipv4(1, 2, 17, 8).udp(3, 4, 0).array();
        assertEquals(PacketParser.OK, parse(snap, LinkTypes.ETHERNET));
        assertEquals(4, info.dstPort());
        byte[] pppoe = Packets.create().ethernet(1, 2, 0x8864).bytes(0x11, 0).u16(1).u16(30).u16(0x0021)
                .ipv4(1, 2, 17, 8).udp(5, 6, 0).array();
        assertEquals(PacketParser.OK, parse(pppoe, LinkTypes.ETHERNET));
        assertEquals(6, info.dstPort());
    }

    @Test
    void mplsLabelsAreSkipped() {
        byte[] p = Packets.create().ethernet(1, 2, 0x8847).u32(0x00010_0_40).u32(0x00020_1_40)
                .ipv4(v4(9, 9, 9, 9), v4(8, 8, 8, 8), 17, 8).udp(1, 2, 0).array();
        assertEquals(PacketParser.OK, parse(p, LinkTypes.ETHERNET));
        assertEquals(2, info.mplsLabels());
        assertEquals(v4(8, 8, 8, 8), info.dstV4());
    }

    @Test
    void tunnelsAreOpenedOnlyWhenAsked() {
        byte[] inner = Packets.create().ipv4(v4(10, 0, 0, 1), v4(10, 0, 0, 2), 6, 20).tcp(1111, 22, 0x02).array();
        byte[] gre = Packets.create().ipv4(v4(1, 1, 1, 1), v4(2, 2, 2, 2), 47, 4 + inner.length).u16(0).u16(0x0800)
                .raw(inner).array();
        assertEquals(PacketParser.OK, parse(gre, LinkTypes.RAW));
        assertEquals(47, info.protocol());
        assertEquals(PacketInfo.TUNNEL_NONE, info.tunnel());
        PacketParser decap = new PacketParser(true);
        assertEquals(PacketParser.OK, decap.parse(ByteBuffer.wrap(gre), 0, gre.length, LinkTypes.RAW, info));
        assertEquals(PacketInfo.TUNNEL_GRE, info.tunnel());
        assertEquals(6, info.protocol());
        assertEquals(22, info.dstPort());
        assertEquals(v4(10, 0, 0, 2), info.dstV4());
        assertEquals(40, info.ipLength());

        byte[] innerFrame = Packets.create().ethernet(5, 6, 0x0800).raw(inner).array();
        byte[] vxlan = Packets.create().ipv4(v4(1, 1, 1, 1), v4(2, 2, 2, 2), 17, 8 + 8 + innerFrame.length)
                .udp(40000, 4789, 8 + innerFrame.length).bytes(0x08, 0, 0, 0).u32(0x00006400).raw(innerFrame).array();
        assertEquals(PacketParser.OK, decap.parse(ByteBuffer.wrap(vxlan), 0, vxlan.length, LinkTypes.RAW, info));
        assertEquals(PacketInfo.TUNNEL_VXLAN, info.tunnel());
        assertEquals(22, info.dstPort());
        assertEquals(PacketParser.OK, parse(vxlan, LinkTypes.RAW));
        assertEquals(4789, info.dstPort());

        // a tunnel whose inner packet is garbage: the outer packet is described
        byte[] broken = Packets.create().ipv4(v4(1, 1, 1, 1), v4(2, 2, 2, 2), 47, 4 + 20).u16(0).u16(0x0800)
                .bytes(0x95).zeros(19).array();
        assertEquals(PacketParser.OK, decap.parse(ByteBuffer.wrap(broken), 0, broken.length, LinkTypes.RAW, info));
        assertEquals(PacketInfo.TUNNEL_NONE, info.tunnel());
        assertEquals(47, info.protocol());
    }

    @Test
    void everyTruncationIsAResultNeverAnException() {
        byte[][] packets = {
            tcpOverEthernet(),
            Packets.create().ethernet(1, 2, 0x88A8).vlan(200, 0x8100).vlan(300, 0x86DD)
                    .ipv6(v6("2001:db8::1"), v6("2001:db8::2"), 0, 8 + 20).bytes(6, 0).zeros(6).tcp(1, 2, 0x11).array(),
            Packets.create().u16(0).u16(1).u16(6).zeros(8).u16(0x0800).ipv4(1, 2, 1, 8).icmp(3, 3).array(),
        };
        int[] links = {LinkTypes.ETHERNET, LinkTypes.ETHERNET, LinkTypes.LINUX_SLL};
        for (int k = 0; k < packets.length; k++) {
            byte[] full = packets[k];
            for (int len = 0; len < full.length; len++) {
                int r = parser.parse(ByteBuffer.wrap(full), 0, len, links[k], info);
                assertTrue(r == PacketParser.TRUNCATED || r == PacketParser.OK, "packet " + k + " cut at " + len + ": " + r);
            }
            assertEquals(PacketParser.OK, parser.parse(ByteBuffer.wrap(full), 0, full.length, links[k], info));
        }
    }

    @Test
    void randomBytesNeverThrow() {
        Random rnd = new Random(1);
        PacketParser decap = new PacketParser(true);
        int[] links = {LinkTypes.ETHERNET, LinkTypes.RAW, LinkTypes.LINUX_SLL, LinkTypes.LINUX_SLL2, LinkTypes.NULL,
            LinkTypes.LOOP, 9999};
        byte[] base = tcpOverEthernet();
        for (int i = 0; i < 200_000; i++) {
            byte[] b;
            if (i % 2 == 0) {
                b = new byte[rnd.nextInt(120)];
                rnd.nextBytes(b);
            } else {
                b = base.clone();
                for (int f = 0; f < 1 + rnd.nextInt(4); f++) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
            }
            int lt = links[rnd.nextInt(links.length)];
            int r = (i % 3 == 0 ? decap : parser).parse(ByteBuffer.wrap(b), 0, b.length, lt, info);
            assertTrue(r >= PacketParser.OK && r <= PacketParser.UNKNOWN_LINK_TYPE);
            if (r == PacketParser.OK) {
                assertTrue(info.payloadOffset() + info.payloadLength() <= b.length);
                assertTrue(info.payloadLength() >= 0);
            }
        }
        assertEquals(PacketParser.MALFORMED, parser.parse(ByteBuffer.wrap(base), -1, 10, LinkTypes.ETHERNET, info));
        assertEquals(PacketParser.MALFORMED, parser.parse(ByteBuffer.wrap(base), 500, 10, LinkTypes.ETHERNET, info));
        assertEquals(PacketParser.OK, parser.parse(ByteBuffer.wrap(base), 0, 10_000, LinkTypes.ETHERNET, info),
                "a length past the limit is cut at the limit");
    }

    @Test
    void resultNames() {
        assertEquals("ok", PacketParser.resultName(PacketParser.OK));
        assertEquals("not_ip", PacketParser.resultName(PacketParser.NOT_IP));
        assertEquals("truncated", PacketParser.resultName(PacketParser.TRUNCATED));
        assertEquals("malformed", PacketParser.resultName(PacketParser.MALFORMED));
        assertEquals("unknown_link_type", PacketParser.resultName(PacketParser.UNKNOWN_LINK_TYPE));
    }
}
