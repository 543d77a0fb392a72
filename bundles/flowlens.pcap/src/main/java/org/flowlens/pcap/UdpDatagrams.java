package org.flowlens.pcap;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;


/**
 * The UDP payloads of a capture, in order, with their source and capture time: flow exports
 * recorded with tcpdump, read back for replay and for tests.
 */
public final class UdpDatagrams {
    /** One UDP payload and where and when it was captured. */
    public record Datagram(InetSocketAddress exporter, long millis, byte[] payload) {
        public ByteBuffer buffer() {
            return ByteBuffer.wrap(payload);
        }
    }

    private UdpDatagrams() {}

    /** Every UDP payload of the file, IPv4 or IPv6, in capture order. */
    public static List<Datagram> read(Path file) throws IOException {
        List<Datagram> out = new ArrayList<>();
        try (PcapReader r = PcapReader.open(file)) {
            while (r.next()) {
                Datagram d = udp(r.packet(), r.linkType(), r.timestampNanos() / 1_000_000L);
                if (d != null) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    /** Ethernet (with 802.1Q tags), Linux cooked or raw IP; IPv4 or IPv6; UDP. Null for anything else. */
    private static Datagram udp(ByteBuffer frame, int linkType, long millis) throws IOException {
        ByteBuffer b = frame.duplicate();
        int p = b.position();
        int end = b.limit();
        int etherType;
        switch (linkType) {
            case LinkTypes.ETHERNET -> {
                p += 12;
                etherType = b.getShort(p) & 0xFFFF;
                p += 2;
                while ((etherType == 0x8100 || etherType == 0x88A8) && p + 4 <= end) {
                    etherType = b.getShort(p + 2) & 0xFFFF;
                    p += 4;
                }
            }
            case LinkTypes.LINUX_SLL -> {
                etherType = b.getShort(p + 14) & 0xFFFF;
                p += 16;
            }
            case LinkTypes.RAW, LinkTypes.IPV4, LinkTypes.IPV6, LinkTypes.DLT_RAW_12, LinkTypes.DLT_RAW_14 -> {
                etherType = (b.get(p) & 0xF0) == 0x60 ? 0x86DD : 0x0800;
            }
            default -> {
                return null;
            }
        }
        byte[] src;
        int udp;
        if (etherType == 0x0800) {
            if ((b.get(p + 9) & 0xFF) != 17 || (b.getShort(p + 6) & 0x1FFF) != 0) {
                return null;
            }
            src = new byte[4];
            b.get(p + 12, src);
            udp = p + (b.get(p) & 0x0F) * 4;
        } else if (etherType == 0x86DD) {
            if ((b.get(p + 6) & 0xFF) != 17) {
                return null;
            }
            src = new byte[16];
            b.get(p + 8, src);
            udp = p + 40;
        } else {
            return null;
        }
        int srcPort = b.getShort(udp) & 0xFFFF;
        int udpLen = b.getShort(udp + 4) & 0xFFFF;
        int payloadEnd = Math.min(end, udp + udpLen);
        byte[] payload = new byte[Math.max(0, payloadEnd - udp - 8)];
        b.get(udp + 8, payload);
        return new Datagram(new InetSocketAddress(InetAddress.getByAddress(src), srcPort), millis, payload);
    }
}
