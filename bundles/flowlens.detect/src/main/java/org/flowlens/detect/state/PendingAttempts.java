package org.flowlens.detect.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * TCP connection attempts (SYN without ACK) waiting for an answer from the other side, keyed by
 * their 5-tuple, bounded. An answer is a record of the reverse direction; attempts that wait longer
 * than the detector's reply wait are settled as unanswered. A settled attempt is remembered for a
 * while so that the retransmissions of its SYN (reported by a live capture as updates of the same
 * session) do not count as new attempts; when the table is full, settled attempts make room first.
 */
public final class PendingAttempts {
    private final int max;
    private KeyIndex index;
    private long[] time;
    private long[] srcHi;
    private long[] srcLo;
    private long[] dstHi;
    private long[] dstLo;
    private int[] dstPort;
    private long[] weight;
    private boolean[] settled;

    /** @param max the most attempts waiting at once; the table starts small and doubles up to it */
    public PendingAttempts(int max) {
        this.max = max;
        alloc(Math.min(max, KeyTable.INITIAL));
    }

    private void alloc(int capacity) {
        index = new KeyIndex(capacity);
        time = new long[capacity];
        srcHi = new long[capacity];
        srcLo = new long[capacity];
        dstHi = new long[capacity];
        dstLo = new long[capacity];
        dstPort = new int[capacity];
        weight = new long[capacity];
        settled = new boolean[capacity];
    }

    private void grow() {
        KeyIndex oi = index;
        long[] ot = time, osh = srcHi, osl = srcLo, odh = dstHi, odl = dstLo, ow = weight;
        int[] op = dstPort;
        boolean[] os = settled;
        alloc((int) Math.min(max, 2L * oi.capacity()));
        for (int e = 0; e < oi.capacity(); e++) {
            if (oi.used(e)) {
                int n = -(index.findOrInsert(oi.hi(e), oi.lo(e), 0) + 1);
                set(n, ot[e], osh[e], osl[e], odh[e], odl[e], op[e], ow[e], os[e]);
            }
        }
    }

    /** The most attempts waiting at once. */
    public int max() {
        return max;
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
        long kh = side(sHi, sLo, sPort), kl = side(dHi, dLo, dPort);
        int r = index.findOrInsert(kh, kl, 0);
        if (r == Integer.MIN_VALUE) {
            if (index.capacity() < max) {
                grow();
            } else if (forget(Long.MAX_VALUE) == 0) {
                return false;
            }
            r = index.findOrInsert(kh, kl, 0);
        }
        if (r >= 0) {
            // the same 5-tuple again is the same attempt retransmitted, not another one
            if (settled[r]) {
                time[r] = now;
            } else {
                weight[r] = Math.max(weight[r], w);
            }
            return true;
        }
        set(-(r + 1), now, sHi, sLo, dHi, dLo, dPort, w, false);
        return true;
    }

    private void set(int e, long t, long sHi, long sLo, long dHi, long dLo, int dPort, long w, boolean s) {
        time[e] = t;
        srcHi[e] = sHi;
        srcLo[e] = sLo;
        dstHi[e] = dHi;
        dstLo[e] = dLo;
        dstPort[e] = dPort;
        weight[e] = w;
        settled[e] = s;
    }

    /** Marks a waiting attempt as counted unanswered; it is then only remembered, from {@code now}. */
    public void settle(int e, long now) {
        settled[e] = true;
        time[e] = now;
    }

    /** Whether an entry is an attempt already counted as unanswered, kept to recognize its retransmissions. */
    public boolean settled(int e) {
        return settled[e];
    }

    /** Forgets the settled attempts last seen at or before {@code cutoff}; returns how many. */
    public int forget(long cutoff) {
        int n = 0;
        for (int e = 0; e < index.capacity(); e++) {
            if (index.used(e) && settled[e] && time[e] <= cutoff) {
                index.remove(e);
                n++;
            }
        }
        return n;
    }

    /**
     * The pending attempt a record from (hi, lo, port) to (peerHi, peerLo, peerPort) answers: the
     * attempt from the peer to the record's source. Returns its entry or -1.
     */
    public int answeredBy(long hi, long lo, int port, long peerHi, long peerLo, int peerPort) {
        return index.find(side(peerHi, peerLo, peerPort), side(hi, lo, port), 0);
    }

    /** Entries now (at most {@link #max()}); entry numbers are below it. */
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

    /** Writes every attempt, waiting or settled. */
    public void write(DataOutput out) throws IOException {
        out.writeInt(index.size());
        for (int e = 0; e < index.capacity(); e++) {
            if (index.used(e)) {
                out.writeLong(index.hi(e));
                out.writeLong(index.lo(e));
                out.writeLong(time[e]);
                out.writeLong(srcHi[e]);
                out.writeLong(srcLo[e]);
                out.writeLong(dstHi[e]);
                out.writeLong(dstLo[e]);
                out.writeInt(dstPort[e]);
                out.writeLong(weight[e]);
                out.writeBoolean(settled[e]);
            }
        }
    }

    /**
     * Reads the attempts {@link #write} wrote into this table, as many as it may hold.
     *
     * @param limit the most attempts the input may hold
     * @return how many did not fit
     */
    public int read(DataInput in, int limit) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > limit) {
            throw new IOException("not saved attempts: " + n);
        }
        int left = 0;
        for (int i = 0; i < n; i++) {
            long kh = in.readLong(), kl = in.readLong(), t = in.readLong();
            long sh = in.readLong(), sl = in.readLong(), dh = in.readLong(), dl = in.readLong();
            int port = in.readInt();
            long w = in.readLong();
            boolean s = in.readBoolean();
            int r = index.findOrInsert(kh, kl, 0);
            if (r == Integer.MIN_VALUE && index.capacity() < max) {
                grow();
                r = index.findOrInsert(kh, kl, 0);
            }
            if (r == Integer.MIN_VALUE) {
                left++;
                continue;
            }
            if (r >= 0) {
                throw new IOException("not saved attempts: an attempt twice");
            }
            set(-(r + 1), t, sh, sl, dh, dl, port & 0xFFFF, w, s);
        }
        return left;
    }

    public long footprintBytes() {
        return 64L * index.capacity();
    }
}
