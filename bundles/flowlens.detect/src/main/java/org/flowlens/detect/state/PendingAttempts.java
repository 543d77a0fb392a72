package org.flowlens.detect.state;

/**
 * TCP connection attempts (SYN without ACK) waiting for an answer from the other side, keyed by
 * their 5-tuple, bounded. An answer is a record of the reverse direction; attempts that wait longer
 * than the detector's reply wait are taken out as unanswered.
 */
public final class PendingAttempts {
    private final KeyIndex index;
    private final long[] time;
    private final long[] srcHi;
    private final long[] srcLo;
    private final long[] dstHi;
    private final long[] dstLo;
    private final int[] dstPort;
    private final long[] weight;

    public PendingAttempts(int capacity) {
        index = new KeyIndex(capacity);
        time = new long[capacity];
        srcHi = new long[capacity];
        srcLo = new long[capacity];
        dstHi = new long[capacity];
        dstLo = new long[capacity];
        dstPort = new int[capacity];
        weight = new long[capacity];
    }

    private static long side(long hi, long lo, int port) {
        return Hashing.mix(hi, lo, port);
    }

    /**
     * Adds an attempt from (srcHi, srcLo, srcPort) to (dstHi, dstLo, dstPort).
     *
     * @return false when the table is full (the caller decides what the attempt counts as)
     */
    public boolean add(long sHi, long sLo, int sPort, long dHi, long dLo, int dPort, long w, long now) {
        int r = index.findOrInsert(side(sHi, sLo, sPort), side(dHi, dLo, dPort), 0);
        if (r == Integer.MIN_VALUE) {
            return false;
        }
        if (r >= 0) {
            weight[r] += w;
            return true;
        }
        int e = -(r + 1);
        time[e] = now;
        srcHi[e] = sHi;
        srcLo[e] = sLo;
        dstHi[e] = dHi;
        dstLo[e] = dLo;
        dstPort[e] = dPort;
        weight[e] = w;
        return true;
    }

    /**
     * The pending attempt a record from (hi, lo, port) to (peerHi, peerLo, peerPort) answers: the
     * attempt from the peer to the record's source. Returns its entry or -1.
     */
    public int answeredBy(long hi, long lo, int port, long peerHi, long peerLo, int peerPort) {
        return index.find(side(peerHi, peerLo, peerPort), side(hi, lo, port), 0);
    }

    public int capacity() {
        return index.capacity();
    }

    public int size() {
        return index.size();
    }

    public boolean used(int e) {
        return index.used(e);
    }

    public long time(int e) {
        return time[e];
    }

    public long srcHi(int e) {
        return srcHi[e];
    }

    public long srcLo(int e) {
        return srcLo[e];
    }

    public long dstHi(int e) {
        return dstHi[e];
    }

    public long dstLo(int e) {
        return dstLo[e];
    }

    public int dstPort(int e) {
        return dstPort[e];
    }

    public long weight(int e) {
        return weight[e];
    }

    public void remove(int e) {
        index.remove(e);
    }

    public long footprintBytes() {
        return 64L * index.capacity();
    }
}
