package org.flowlens.itest;

import static org.junit.Assert.assertEquals;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Flows, packets and bytes, in total and per IP protocol, as one collector reports them for one
 * export. Collectors that do not count flows (sfacctd counts sampled packets) leave flows unknown.
 */
final class Traffic {
    private final boolean countsFlows;
    private long flows;
    private long packets;
    private long bytes;
    private final SortedMap<Integer, long[]> byProtocol = new TreeMap<>();

    Traffic(boolean countsFlows) {
        this.countsFlows = countsFlows;
    }

    synchronized void add(int protocol, long flowCount, long packetCount, long byteCount) {
        flows += flowCount;
        packets += packetCount;
        bytes += byteCount;
        long[] p = byProtocol.computeIfAbsent(protocol, k -> new long[3]);
        p[0] += flowCount;
        p[1] += packetCount;
        p[2] += byteCount;
    }

    boolean countsFlows() {
        return countsFlows;
    }

    synchronized long flows() {
        return flows;
    }

    synchronized long packets() {
        return packets;
    }

    synchronized long bytes() {
        return bytes;
    }

    /** Per protocol "proto: packets packets, bytes bytes", with flows when both sides count them. */
    synchronized String protocols(boolean withFlows) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Integer, long[]> e : byProtocol.entrySet()) {
            long[] v = e.getValue();
            sb.append(e.getKey()).append(": ");
            if (withFlows) {
                sb.append(v[0]).append(" flows, ");
            }
            sb.append(v[1]).append(" packets, ").append(v[2]).append(" bytes; ");
        }
        return sb.toString();
    }

    @Override
    public synchronized String toString() {
        return (countsFlows ? flows + " flows, " : "") + packets + " packets, " + bytes + " bytes (" + protocols(countsFlows) + ")";
    }

    /** Flowlens' totals must equal the reference collector's, in total and per protocol. */
    static void assertSame(String what, String reference, Traffic expected, Traffic flowlens) {
        System.out.printf("%s: %s %s; Flowlens %s%n", what, reference, expected, flowlens);
        if (expected.countsFlows()) {
            assertEquals(what + ": flows (" + reference + " vs Flowlens)", expected.flows(), flowlens.flows());
        }
        assertEquals(what + ": packets (" + reference + " vs Flowlens)", expected.packets(), flowlens.packets());
        assertEquals(what + ": bytes (" + reference + " vs Flowlens)", expected.bytes(), flowlens.bytes());
        assertEquals(what + ": per protocol (" + reference + " vs Flowlens)", expected.protocols(expected.countsFlows()),
                flowlens.protocols(expected.countsFlows()));
    }
}
