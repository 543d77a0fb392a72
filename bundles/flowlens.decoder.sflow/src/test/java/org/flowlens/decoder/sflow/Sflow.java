package org.flowlens.decoder.sflow;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Builds sFlow v5 datagrams, samples and records byte by byte, as the specification lays them out
 * (XDR: big-endian 32-bit words, opaque data padded to four bytes), and the sampled frames inside
 * them. Test helper.
 */
final class Sflow {
    private Sflow() {}

    /** An XDR writer. */
    static final class Xdr {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Xdr u32(long v) {
            out.write((int) (v >>> 24));
            out.write((int) (v >>> 16));
            out.write((int) (v >>> 8));
            out.write((int) v);
            return this;
        }

        Xdr u64(long v) {
            return u32(v >>> 32).u32(v);
        }

        Xdr bytes(byte[] b) {
            out.write(b, 0, b.length);
            return this;
        }

        /** Opaque bytes padded to a multiple of four. */
        Xdr padded(byte[] b) {
            bytes(b);
            for (int i = b.length; i % 4 != 0; i++) {
                out.write(0);
            }
            return this;
        }

        Xdr all(byte[]... parts) {
            for (byte[] p : parts) {
                bytes(p);
            }
            return this;
        }

        byte[] done() {
            return out.toByteArray();
        }
    }

    static Xdr xdr() {
        return new Xdr();
    }

    // ------------------------------------------------------------------ datagram

    static byte[] datagram(int agentV4, int subAgent, long sequence, long uptime, byte[]... samples) {
        return xdr().u32(5).u32(1).u32(agentV4).u32(subAgent).u32(sequence).u32(uptime).u32(samples.length).all(samples).done();
    }

    static byte[] datagramV6(byte[] agent, int subAgent, long sequence, long uptime, byte[]... samples) {
        return xdr().u32(5).u32(2).bytes(agent).u32(subAgent).u32(sequence).u32(uptime).u32(samples.length).all(samples).done();
    }

    static byte[] datagramNoAddress(int subAgent, long sequence, long uptime, byte[]... samples) {
        return xdr().u32(5).u32(0).u32(subAgent).u32(sequence).u32(uptime).u32(samples.length).all(samples).done();
    }

    /** A sample or record: enterprise and format, length, data. */
    static byte[] tlv(int enterprise, int format, byte[] data) {
        return xdr().u32(((long) enterprise << 12) | format).u32(data.length).bytes(data).done();
    }

    // ------------------------------------------------------------------ samples

    static byte[] flowSample(long sequence, int sourceType, int sourceIndex, long rate, long pool, long drops, int input,
            int output, byte[]... records) {
        byte[] data = xdr().u32(sequence).u32(((long) sourceType << 24) | sourceIndex).u32(rate).u32(pool).u32(drops)
                .u32(input).u32(output).u32(records.length).all(records).done();
        return tlv(0, 1, data);
    }

    static byte[] expandedFlowSample(long sequence, int sourceType, int sourceIndex, long rate, long pool, long drops,
            int inFormat, int input, int outFormat, int output, byte[]... records) {
        byte[] data = xdr().u32(sequence).u32(sourceType).u32(sourceIndex).u32(rate).u32(pool).u32(drops)
                .u32(inFormat).u32(input).u32(outFormat).u32(output).u32(records.length).all(records).done();
        return tlv(0, 3, data);
    }

    static byte[] counterSample(long sequence, int sourceType, int sourceIndex, byte[]... records) {
        byte[] data = xdr().u32(sequence).u32(((long) sourceType << 24) | sourceIndex).u32(records.length).all(records).done();
        return tlv(0, 2, data);
    }

    static byte[] expandedCounterSample(long sequence, int sourceType, int sourceIndex, byte[]... records) {
        byte[] data = xdr().u32(sequence).u32(sourceType).u32(sourceIndex).u32(records.length).all(records).done();
        return tlv(0, 4, data);
    }

    // ------------------------------------------------------------------ flow records

    static byte[] rawHeader(int headerProtocol, long frameLength, long stripped, byte[] header) {
        return tlv(0, 1, xdr().u32(headerProtocol).u32(frameLength).u32(stripped).u32(header.length).padded(header).done());
    }

    static byte[] sampledEthernet(long length, long srcMac, long dstMac, int type) {
        return tlv(0, 2, xdr().u32(length).padded(mac(srcMac)).padded(mac(dstMac)).u32(type).done());
    }

    static byte[] sampledIpv4(long length, int protocol, int src, int dst, int srcPort, int dstPort, int tcpFlags, int tos) {
        return tlv(0, 3, xdr().u32(length).u32(protocol).u32(src).u32(dst).u32(srcPort).u32(dstPort).u32(tcpFlags).u32(tos).done());
    }

    static byte[] sampledIpv6(long length, int protocol, byte[] src, byte[] dst, int srcPort, int dstPort, int tcpFlags,
            int priority) {
        return tlv(0, 4, xdr().u32(length).u32(protocol).bytes(src).bytes(dst).u32(srcPort).u32(dstPort).u32(tcpFlags)
                .u32(priority).done());
    }

    static byte[] extendedSwitch(int srcVlan, int srcPriority, int dstVlan, int dstPriority) {
        return tlv(0, 1001, xdr().u32(srcVlan).u32(srcPriority).u32(dstVlan).u32(dstPriority).done());
    }

    static byte[] extendedRouterV4(int nextHop, int srcMask, int dstMask) {
        return tlv(0, 1002, xdr().u32(1).u32(nextHop).u32(srcMask).u32(dstMask).done());
    }

    static byte[] extendedRouterV6(byte[] nextHop, int srcMask, int dstMask) {
        return tlv(0, 1002, xdr().u32(2).bytes(nextHop).u32(srcMask).u32(dstMask).done());
    }

    /** Extended gateway with an IPv4 BGP next hop; each segment is {type, as, as, ...}. */
    static byte[] extendedGateway(int nextHop, long as, long srcAs, long srcPeerAs, long[][] segments, long[] communities,
            long localPref) {
        Xdr x = xdr().u32(1).u32(nextHop).u32(as).u32(srcAs).u32(srcPeerAs).u32(segments.length);
        for (long[] seg : segments) {
            x.u32(seg[0]).u32(seg.length - 1);
            for (int i = 1; i < seg.length; i++) {
                x.u32(seg[i]);
            }
        }
        x.u32(communities.length);
        for (long c : communities) {
            x.u32(c);
        }
        return tlv(0, 1003, x.u32(localPref).done());
    }

    // ------------------------------------------------------------------ counter records

    /** Generic interface counters (0:1): 88 bytes; the counters are derived from {@code base}. */
    static byte[] genericCounters(long ifIndex, long ifType, long speed, int direction, int status, long base) {
        return tlv(0, 1, xdr().u32(ifIndex).u32(ifType).u64(speed).u32(direction).u32(status)
                .u64(base).u32(base + 1).u32(base + 2).u32(base + 3).u32(base + 4).u32(base + 5).u32(base + 6)
                .u64(base * 2).u32(base + 11).u32(base + 12).u32(base + 13).u32(base + 14).u32(base + 15)
                .u32(1).done());
    }

    /** Ethernet interface counters (0:2): 13 counters, kept by nobody. */
    static byte[] ethernetCounters() {
        Xdr x = xdr();
        for (int i = 0; i < 13; i++) {
            x.u32(i);
        }
        return tlv(0, 2, x.done());
    }

    // ------------------------------------------------------------------ frames

    static byte[] mac(long m) {
        return new byte[] {(byte) (m >>> 40), (byte) (m >>> 32), (byte) (m >>> 24), (byte) (m >>> 16), (byte) (m >>> 8), (byte) m};
    }

    /** An IPv4 packet of {@code totalLength} bytes (only its first {@code captured} bytes are returned). */
    static byte[] ipv4(int src, int dst, int protocol, int tos, int totalLength, byte[] l4, int captured) {
        ByteBuffer b = ByteBuffer.allocate(20 + l4.length);
        b.put((byte) 0x45).put((byte) tos).putShort((short) totalLength).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) protocol).putShort((short) 0).putInt(src).putInt(dst).put(l4);
        return java.util.Arrays.copyOf(b.array(), Math.min(captured, b.capacity()));
    }

    static byte[] ipv6(byte[] src, byte[] dst, int nextHeader, int payloadLength, byte[] l4) {
        ByteBuffer b = ByteBuffer.allocate(40 + l4.length);
        b.putInt(0x6000_0000).putShort((short) payloadLength).put((byte) nextHeader).put((byte) 64).put(src).put(dst).put(l4);
        return b.array();
    }

    static byte[] tcp(int srcPort, int dstPort, int flags) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putShort((short) srcPort).putShort((short) dstPort).putInt(1000).putInt(2000).put((byte) 0x50).put((byte) flags)
                .putShort((short) 65535).putInt(0);
        return b.array();
    }

    static byte[] udp(int srcPort, int dstPort, int length) {
        ByteBuffer b = ByteBuffer.allocate(8);
        b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) length).putShort((short) 0);
        return b.array();
    }

    static byte[] icmp(int type, int code) {
        return new byte[] {(byte) type, (byte) code, 0, 0, 0, 0, 0, 0};
    }

    /** An Ethernet frame around {@code payload}, with 802.1Q tags for the non-zero {@code vlans}. */
    static byte[] ethernet(long dstMac, long srcMac, int etherType, byte[] payload, int... vlans) {
        ByteBuffer b = ByteBuffer.allocate(14 + 4 * vlans.length + payload.length);
        b.put(mac(dstMac)).put(mac(srcMac));
        for (int v : vlans) {
            b.putShort((short) 0x8100).putShort((short) v);
        }
        b.putShort((short) etherType).put(payload);
        return b.array();
    }

    static int v4(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    static byte[] v6(String text) {
        try {
            return java.net.InetAddress.getByName(text).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
