package org.flowlens.decoder.packet;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** Builds packets header by header for tests. */
public final class Packets {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public static Packets create() {
        return new Packets();
    }

    public Packets bytes(int... values) {
        for (int v : values) {
            out.write(v);
        }
        return this;
    }

    public Packets raw(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    public Packets u16(int v) {
        return bytes(v >>> 8, v & 0xFF);
    }

    public Packets u32(int v) {
        return u16(v >>> 16).u16(v & 0xFFFF);
    }

    public Packets ethernet(long dst, long src, int type) {
        for (int i = 5; i >= 0; i--) {
            out.write((int) (dst >>> (8 * i)));
        }
        for (int i = 5; i >= 0; i--) {
            out.write((int) (src >>> (8 * i)));
        }
        return u16(type);
    }

    public Packets vlan(int vid, int type) {
        return u16(vid).u16(type);
    }

    /** An IPv4 header without options; {@code payloadLength} sets the total length. */
    public Packets ipv4(int src, int dst, int protocol, int payloadLength) {
        return ipv4(src, dst, protocol, payloadLength, 0, false, 0);
    }

    public Packets ipv4(int src, int dst, int protocol, int payloadLength, int fragmentOffset, boolean more, int tos) {
        int fo = (fragmentOffset / 8) | (more ? 0x2000 : 0);
        return bytes(0x45, tos).u16(20 + payloadLength).u16(0x1234).u16(fo).bytes(64, protocol).u16(0).u32(src).u32(dst);
    }

    public Packets ipv6(byte[] src, byte[] dst, int next, int payloadLength) {
        return u32(0x6_0A_00000).u16(payloadLength).bytes(next, 64).raw(src).raw(dst);
    }

    public Packets tcp(int sport, int dport, int flags) {
        return u16(sport).u16(dport).u32(1000).u32(2000).bytes(0x50, flags).u16(65535).u16(0).u16(0);
    }

    public Packets udp(int sport, int dport, int payloadLength) {
        return u16(sport).u16(dport).u16(8 + payloadLength).u16(0);
    }

    public Packets icmp(int type, int code) {
        return bytes(type, code).u16(0).u32(0);
    }

    public Packets zeros(int n) {
        for (int i = 0; i < n; i++) {
            out.write(0);
        }
        return this;
    }

    public byte[] array() {
        return out.toByteArray();
    }

    public ByteBuffer buffer() {
        return ByteBuffer.wrap(array());
    }

    public int length() {
        return out.size();
    }

    public static int v4(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    public static byte[] v6(String text) {
        try {
            return java.net.InetAddress.getByName(text).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
