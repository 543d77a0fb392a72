package org.flowlens.detect.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An exact set of distinct elements (two longs: an address, or a port in the first) with the tick
 * each was last seen, so that the distinct count over a sliding window is exact. The set grows
 * with use up to a cap; once at the cap, elements that left the window make room, and when none
 * has, newcomers are not stored and the set reports itself saturated: its count is then a lower
 * bound, which is all a threshold check below the cap needs.
 */
public final class DistinctWindow {
    private static final int EMPTY = Integer.MIN_VALUE;

    private long[] a;
    private long[] b;
    private int[] seen;
    private int size;
    private int purgedAt = EMPTY;
    private boolean saturated;

    public DistinctWindow() {
        alloc(8);
    }

    private void alloc(int n) {
        a = new long[n];
        b = new long[n];
        seen = new int[n];
        java.util.Arrays.fill(seen, EMPTY);
    }

    public int size() {
        return size;
    }

    public boolean saturated() {
        return saturated;
    }

    public long footprintBytes() {
        return 20L * seen.length + 32;
    }

    /**
     * Records an element seen at {@code tick}.
     *
     * @param since the oldest tick still inside the window (older elements may be dropped for room)
     * @param cap the most elements kept
     * @return true when the element was new
     */
    public boolean add(long x, long y, int tick, int since, int cap) {
        int mask = seen.length - 1;
        int s = (int) Hashing.mix(x, y) & mask;
        while (seen[s] != EMPTY) {
            if (a[s] == x && b[s] == y) {
                if (tick > seen[s]) {
                    seen[s] = tick;
                }
                return false;
            }
            s = (s + 1) & mask;
        }
        if (size >= cap) {
            if (purgedAt != tick) {
                purgedAt = tick;
                if (purge(since) < cap) {
                    return add(x, y, tick, since, cap);
                }
            }
            saturated = true;
            return false;
        }
        if ((size + 1) * 2 > seen.length) {
            grow();
            return add(x, y, tick, since, cap);
        }
        a[s] = x;
        b[s] = y;
        seen[s] = tick;
        size++;
        return true;
    }

    private void grow() {
        long[] oa = a, ob = b;
        int[] os = seen;
        alloc(seen.length * 2);
        size = 0;
        reinsert(oa, ob, os, EMPTY + 1);
    }

    private void reinsert(long[] oa, long[] ob, int[] os, int since) {
        int mask = seen.length - 1;
        for (int i = 0; i < os.length; i++) {
            if (os[i] != EMPTY && os[i] >= since) {
                int s = (int) Hashing.mix(oa[i], ob[i]) & mask;
                while (seen[s] != EMPTY) {
                    s = (s + 1) & mask;
                }
                a[s] = oa[i];
                b[s] = ob[i];
                seen[s] = os[i];
                size++;
            }
        }
    }

    /** Elements seen at or after {@code since}. */
    public int count(int since) {
        int n = 0;
        for (int t : seen) {
            if (t != EMPTY && t >= since) {
                n++;
            }
        }
        return n;
    }

    /** Drops elements last seen before {@code since}, shrinking the table when it emptied; returns the size. */
    public int purge(int since) {
        int live = count(since);
        if (live == size) {
            return size;
        }
        long[] oa = a, ob = b;
        int[] os = seen;
        int n = 8;
        while (n < live * 2 + 2) {
            n <<= 1;
        }
        alloc(n);
        size = 0;
        reinsert(oa, ob, os, since);
        saturated = false;
        return size;
    }

    /** Writes the elements with the tick each was last seen, and whether the set is saturated. */
    public void write(DataOutput out) throws IOException {
        out.writeInt(size);
        out.writeBoolean(saturated);
        for (int i = 0; i < seen.length; i++) {
            if (seen[i] != EMPTY) {
                out.writeLong(a[i]);
                out.writeLong(b[i]);
                out.writeInt(seen[i]);
            }
        }
    }

    /** Reads a set {@link #write} wrote, holding at most {@code cap} elements. */
    public static DistinctWindow read(DataInput in, int cap) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > cap) {
            throw new IOException("not a saved distinct set: " + n + " elements, at most " + cap);
        }
        DistinctWindow w = new DistinctWindow();
        w.saturated = in.readBoolean();
        int length = 8;
        while (length < n * 2 + 2) {
            length <<= 1;
        }
        w.alloc(length);
        int mask = length - 1;
        for (int i = 0; i < n; i++) {
            long x = in.readLong(), y = in.readLong();
            int tick = in.readInt();
            if (tick == EMPTY) {
                throw new IOException("not a saved distinct set: an element without its tick");
            }
            int slot = (int) Hashing.mix(x, y) & mask;
            while (w.seen[slot] != EMPTY) {
                if (w.a[slot] == x && w.b[slot] == y) {
                    throw new IOException("not a saved distinct set: an element twice");
                }
                slot = (slot + 1) & mask;
            }
            w.a[slot] = x;
            w.b[slot] = y;
            w.seen[slot] = tick;
        }
        w.size = n;
        return w;
    }

    /** Up to {@code limit} elements seen at or after {@code since}, as {x, y} pairs, smallest first. */
    public List<long[]> sample(int since, int limit) {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < seen.length; i++) {
            if (seen[i] != EMPTY && seen[i] >= since) {
                out.add(new long[] {a[i], b[i]});
            }
        }
        out.sort((p, q) -> p[0] != q[0] ? Long.compareUnsigned(p[0], q[0]) : Long.compareUnsigned(p[1], q[1]));
        return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
    }
}
