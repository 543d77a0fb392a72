package org.flowlens.enrich.geoip;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import org.flowlens.api.flow.IpAddresses;

/** Source and destination addresses of the IP packets of a classic pcap file (Ethernet, VLAN tags), for tests. */
final class Captures {
    private Captures() {}

    /** The shared corpus, or null when this checkout has none. */
    static Path corpus() {
        String env = System.getenv("FLOWLENS_CORPUS");
        Path p = env != null && !env.isBlank() ? Paths.get(env) : Paths.get("../../../shared/corpus");
        return Files.isDirectory(p) ? p : null;
    }

    /** Pairs of {hi, lo} for source then destination of every IPv4/IPv6 packet. */
    static List<long[]> addresses(Path pcap) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pcap));
        int magic = b.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            b.order(ByteOrder.BIG_ENDIAN);
        }
        int linkType = b.getInt(20);
        if (linkType != 1) {
            throw new IOException(pcap + ": link type " + linkType + ", expected Ethernet");
        }
        ByteBuffer be = b.duplicate().order(ByteOrder.BIG_ENDIAN); // packet headers are in network order
        List<long[]> out = new ArrayList<>();
        int pos = 24;
        while (pos + 16 <= b.limit()) {
            int caplen = b.getInt(pos + 8);
            int start = pos + 16;
            pos = start + caplen;
            if (caplen < 14 || pos > b.limit()) {
                break;
            }
            int off = start + 12;
            int type = be.getShort(off) & 0xFFFF;
            while ((type == 0x8100 || type == 0x88A8) && off + 4 < pos) {
                off += 4;
                type = be.getShort(off) & 0xFFFF;
            }
            off += 2;
            if (type == 0x0800 && off + 20 <= pos) {
                out.add(new long[] {0, IpAddresses.v4Lo(be.getInt(off + 12))});
                out.add(new long[] {0, IpAddresses.v4Lo(be.getInt(off + 16))});
            } else if (type == 0x86DD && off + 40 <= pos) {
                out.add(new long[] {be.getLong(off + 8), be.getLong(off + 16)});
                out.add(new long[] {be.getLong(off + 24), be.getLong(off + 32)});
            }
        }
        return out;
    }
}
