package org.flowlens.detect.engine;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.Protocols;

/**
 * How detectors read records: TCP flags, what looks like a probe, and the weight of a sampled
 * record. Records' bytes and packets are already scaled by their sampling rate; counts of records
 * (attempts, probes) are scaled here, once.
 */
public final class Traffic {
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;

    private Traffic() {}

    /** How many flows one record stands for: its sampling rate (at least 1). */
    public static long weight(FlowRecord r) {
        long s = r.samplingRate();
        return s < 1 ? 1 : s;
    }

    /** Packets the exporter actually saw for this record (its packets divided by the sampling rate). */
    public static long observedPackets(FlowRecord r) {
        return r.packets() / weight(r);
    }

    /** A TCP record from an initiator whose handshake never completed: SYN without ACK. */
    public static boolean synOnly(FlowRecord r) {
        return r.protocol() == Protocols.TCP && (r.tcpFlags() & (SYN | ACK)) == SYN;
    }

    /**
     * Whether a record looks like a probe of a port or host rather than a conversation:
     * <ul>
     * <li>TCP without ACK (SYN, FIN, NULL and Xmas probes, SYN+RST of a half-open scan), or
     * SYN+ACK+RST without PSH (a connect scan's initiator); TCP records that carry no flags at all
     * count when they had at most three packets;</li>
     * <li>UDP with at most three packets that does not come from a port under 1024 to one above it
     * (which is a service answering);</li>
     * <li>SCTP with at most three packets.</li>
     * </ul>
     * Responders (SYN+ACK, RST+ACK) and sessions that exchanged data (ACK+PSH) do not count.
     */
    public static boolean probe(FlowRecord r) {
        int p = r.protocol();
        if (p == Protocols.TCP) {
            int f = r.tcpFlags();
            if (f == 0) {
                return observedPackets(r) <= 3;
            }
            return (f & ACK) == 0 || (f & (SYN | ACK | RST | PSH)) == (SYN | ACK | RST);
        }
        if (p == Protocols.UDP) {
            return observedPackets(r) <= 3 && !(r.srcPort() < 1024 && r.dstPort() >= 1024);
        }
        if (p == Protocols.SCTP) {
            return observedPackets(r) <= 3;
        }
        return false;
    }

    /**
     * An ICMP echo or timestamp request (ping sweeps). Records carry ICMP type and code in the
     * destination port as {@code type << 8 | code}.
     */
    public static boolean icmpRequest(FlowRecord r) {
        int type = r.dstPort() >>> 8;
        if (r.protocol() == Protocols.ICMP) {
            return type == 8 || type == 13;
        }
        return r.protocol() == Protocols.ICMPV6 && type == 128;
    }

    /** Whether the protocol has ports. */
    public static boolean hasPorts(int protocol) {
        return protocol == Protocols.TCP || protocol == Protocols.UDP || protocol == Protocols.SCTP;
    }
}
