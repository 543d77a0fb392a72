package org.flowlens.detect;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;

/** Synthetic records for detector tests. */
public final class Flows {
    public static final int FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

    private Flows() {}

    public static int v4(String dotted) {
        return IpAddresses.v4(IpAddresses.parse(dotted)[1]);
    }

    /** The address {@code base} + {@code n} (IPv4). */
    public static int v4(String base, int n) {
        return v4(base) + n;
    }

    public static FlowRecord record(FlowBatch b, int src, int dst, int protocol, int sport, int dport, int flags,
            long packets, long bytes) {
        return b.next().format("test").srcV4(src).dstV4(dst).protocol(protocol).srcPort(sport).dstPort(dport)
                .tcpFlags(flags).packets(packets).bytes(bytes);
    }

    public static FlowRecord tcp(FlowBatch b, int src, int dst, int sport, int dport, int flags, long packets, long bytes) {
        return record(b, src, dst, 6, sport, dport, flags, packets, bytes);
    }

    public static FlowRecord udp(FlowBatch b, int src, int dst, int sport, int dport, long packets, long bytes) {
        return record(b, src, dst, 17, sport, dport, 0, packets, bytes);
    }

    /** A SYN probe: one packet of 44 bytes. */
    public static FlowRecord syn(FlowBatch b, int src, int dst, int sport, int dport) {
        return tcp(b, src, dst, sport, dport, SYN, 1, 44);
    }

    /** An ICMP echo request (type 8 in the destination port's high byte). */
    public static FlowRecord ping(FlowBatch b, int src, int dst) {
        return record(b, src, dst, 1, 0, 8 << 8, 0, 1, 84);
    }
}
