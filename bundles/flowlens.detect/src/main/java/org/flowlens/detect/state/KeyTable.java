package org.flowlens.detect.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;

/**
 * The state a detector keeps per key, bounded by a fixed number of keys: the {@link KeyIndex},
 * sliding-window counters ({@link Rings}), top contributors ({@link Contributors}), a few
 * distinct-element windows ({@link DistinctWindow}) and the highest sampling rate seen. Every part
 * is optional (zero metrics, zero contributors, zero sets). The table starts small and doubles
 * when full, up to its most keys, so an idle detector holds little memory.
 */
public final class KeyTable {
    /** Entries a table starts with; it doubles when full, up to its most keys. */
    static final int INITIAL = 256;

    private KeyIndex index;
    private Rings rings;
    private Contributors top;
    private final int topK;
    private final int metrics;
    private final int nSets;
    private DistinctWindow[] sets;
    private int[] scale;
    private long[] decayedAt;
    private long windowMillis;
    private int maxKeys;

    public KeyTable(int maxKeys, int metrics, int topK, int nSets, long windowMillis) {
        this(Math.min(maxKeys, INITIAL), metrics, topK, nSets, windowMillis, null);
        this.maxKeys = maxKeys;
    }

    private KeyTable(int capacity, int metrics, int topK, int nSets, long windowMillis, Rings shape) {
        this.index = new KeyIndex(capacity);
        this.metrics = metrics;
        this.rings = metrics <= 0 ? null : shape != null ? new Rings(capacity, shape) : new Rings(capacity, metrics, windowMillis);
        this.topK = topK;
        this.top = topK > 0 ? new Contributors(capacity, topK) : null;
        this.nSets = nSets;
        this.sets = nSets > 0 ? new DistinctWindow[Math.multiplyExact(capacity, nSets)] : null;
        this.scale = new int[capacity];
        this.decayedAt = new long[capacity];
        this.windowMillis = windowMillis;
        this.maxKeys = capacity;
    }

    /**
     * Changes the most keys the table may hold. Keys it holds stay (as many as fit when it shrinks);
     * entry numbers may change.
     */
    public void maxKeys(int max) {
        maxKeys = max;
        if (index.capacity() > max || index.size() == index.capacity() && index.capacity() < max) {
            rebuild(Math.min(max, Math.max(INITIAL, index.size() * 2)));
        }
    }

    public int maxKeys() {
        return maxKeys;
    }

    /** Moves every entry that fits into a table of {@code capacity} entries. */
    private void rebuild(int capacity) {
        KeyTable t = new KeyTable(capacity, metrics, topK, nSets, windowMillis, rings);
        for (int e = 0; e < index.capacity(); e++) {
            if (!index.used(e)) {
                continue;
            }
            int r = t.index.findOrInsert(index.hi(e), index.lo(e), index.tag(e));
            if (r == Integer.MIN_VALUE) {
                break;
            }
            int ne = -(r + 1);
            if (rings != null) {
                t.rings.copy(rings, e, ne);
            }
            if (top != null) {
                for (Contributors.Top c : top.top(e, topK)) {
                    t.top.add(ne, c.hi(), c.lo(), c.aux(), c.weight());
                }
            }
            for (int s = 0; s < nSets; s++) {
                t.sets[ne * nSets + s] = sets[e * nSets + s];
            }
            t.scale[ne] = scale[e];
            t.decayedAt[ne] = decayedAt[e];
        }
        index = t.index;
        rings = t.rings;
        top = t.top;
        sets = t.sets;
        scale = t.scale;
        decayedAt = t.decayedAt;
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

    public long hi(int e) {
        return index.hi(e);
    }

    public long lo(int e) {
        return index.lo(e);
    }

    public int tag(int e) {
        return index.tag(e);
    }

    public int find(long hi, long lo, int tag) {
        return index.find(hi, lo, tag);
    }

    /**
     * The key's entry, created (and cleared) when new; -1 when the table holds its most keys. The
     * table grows here, which renumbers entries: use the number returned, not one from before.
     */
    public int entry(long hi, long lo, int tag, long now) {
        int r = index.findOrInsert(hi, lo, tag);
        if (r >= 0) {
            return r;
        }
        if (r == Integer.MIN_VALUE) {
            if (index.capacity() >= maxKeys) {
                return -1;
            }
            rebuild((int) Math.min(maxKeys, 2L * index.capacity()));
            r = index.findOrInsert(hi, lo, tag);
            if (r >= 0 || r == Integer.MIN_VALUE) {
                return r >= 0 ? r : -1;
            }
        }
        int e = -(r + 1);
        if (rings != null) {
            rings.reset(e);
        }
        if (top != null) {
            top.reset(e);
        }
        for (int s = 0; s < nSets; s++) {
            sets[e * nSets + s] = null;
        }
        scale[e] = 1;
        decayedAt[e] = now;
        return e;
    }

    public void remove(int e) {
        for (int s = 0; s < nSets; s++) {
            sets[e * nSets + s] = null;
        }
        index.remove(e);
    }

    public void clear() {
        index.clear();
        if (rings != null) {
            rings.clearAll();
        }
        if (sets != null) {
            java.util.Arrays.fill(sets, null);
        }
    }

    public void add(int e, int metric, long amount, long now) {
        rings.add(e, metric, amount, now);
    }

    public long sum(int e, int metric, long now) {
        return rings.sum(e, metric, now);
    }

    /** The time the window ending now covers, in milliseconds (a little less than the window early on). */
    public long spanMillis(long now) {
        return rings.spanMillis(now);
    }

    /** Whether the table keeps sliding-window sums (metrics) rather than only distinct sets. */
    public boolean hasSums() {
        return rings != null;
    }

    /** Whether nothing was counted within the window (tables without sums: always, see {@link #hasSums()}). */
    public boolean idle(int e, long now) {
        return rings == null || rings.idle(e, now);
    }

    public void contribute(int e, long hi, long lo, int aux, long weight) {
        top.add(e, hi, lo, aux, weight);
    }

    public List<Contributors.Top> top(int e, int limit) {
        return top.top(e, limit);
    }

    /** The entry's distinct window number {@code s}, created on first use. */
    public DistinctWindow set(int e, int s) {
        int i = e * nSets + s;
        DistinctWindow w = sets[i];
        if (w == null) {
            w = sets[i] = new DistinctWindow();
        }
        return w;
    }

    /** The entry's distinct window number {@code s}, or null when it never held anything. */
    public DistinctWindow setIfPresent(int e, int s) {
        return sets[e * nSets + s];
    }

    /** Notes a record's sampling rate; distinct counts are scaled by the highest one in the window. */
    public void sampled(int e, long samplingRate) {
        int r = samplingRate > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.max(1, samplingRate);
        if (r > scale[e]) {
            scale[e] = r;
        }
    }

    public int scale(int e) {
        return scale[e];
    }

    /**
     * Once per window: halves the contributors' weights and forgets the sampling rate, so that both
     * follow the present. Call from evaluation.
     */
    public void decay(int e, long now) {
        if (now - decayedAt[e] >= windowMillis) {
            decayedAt[e] = now;
            if (top != null) {
                top.decay(e);
            }
            scale[e] = 1;
        }
    }

    public void window(long newWindowMillis, long now) {
        windowMillis = newWindowMillis;
        if (rings != null) {
            rings.window(newWindowMillis, now);
        }
    }

    public long windowMillis() {
        return windowMillis;
    }

    /** Whether {@code other} keeps the same sums, contributors and distinct sets per key. */
    public boolean sameShape(KeyTable other) {
        return metrics == other.metrics && topK == other.topK && nSets == other.nSets;
    }

    /**
     * Writes the table: its shape and window, then every key with its sums over the window, its
     * contributors, distinct sets, sampling scale and last decay.
     */
    public void write(DataOutput out) throws IOException {
        out.writeInt(metrics);
        out.writeInt(topK);
        out.writeInt(nSets);
        out.writeLong(windowMillis);
        out.writeInt(index.size());
        for (int e = 0; e < index.capacity(); e++) {
            if (!index.used(e)) {
                continue;
            }
            out.writeLong(index.hi(e));
            out.writeLong(index.lo(e));
            out.writeInt(index.tag(e));
            out.writeInt(scale[e]);
            out.writeLong(decayedAt[e]);
            if (rings != null) {
                rings.write(out, e);
            }
            if (top != null) {
                List<Contributors.Top> list = top.top(e, topK);
                out.writeInt(list.size());
                for (Contributors.Top c : list) {
                    out.writeLong(c.hi());
                    out.writeLong(c.lo());
                    out.writeInt(c.aux());
                    out.writeLong(c.weight());
                }
            }
            for (int s = 0; s < nSets; s++) {
                DistinctWindow w = sets[e * nSets + s];
                out.writeBoolean(w != null);
                if (w != null) {
                    w.write(out);
                }
            }
        }
    }

    /**
     * Reads a table {@link #write} wrote, as it was (the caller applies its own most keys and
     * window afterwards).
     *
     * @param limit the most keys, and elements of one distinct set, the input may hold
     */
    public static KeyTable read(DataInput in, int limit) throws IOException {
        int metrics = in.readInt(), topK = in.readInt(), nSets = in.readInt();
        long window = in.readLong();
        int size = in.readInt();
        if (metrics < 0 || metrics > 8 || topK < 0 || topK > 64 || nSets < 0 || nSets > 8 || window < 1
                || window > 366L * 86_400_000 || size < 0 || size > Math.min(limit, 1 << 26)) {
            throw new IOException("not a saved key table: metrics " + metrics + ", contributors " + topK + ", sets "
                    + nSets + ", window " + window + " ms, keys " + size);
        }
        KeyTable t = new KeyTable(Math.max(1, size), metrics, topK, nSets, window, null);
        for (int i = 0; i < size; i++) {
            int r = t.index.findOrInsert(in.readLong(), in.readLong(), in.readInt());
            if (r >= 0) {
                throw new IOException("not a saved key table: a key twice");
            }
            int e = -(r + 1);
            t.scale[e] = Math.max(1, in.readInt());
            t.decayedAt[e] = in.readLong();
            if (t.rings != null) {
                t.rings.read(in, e);
            }
            if (t.top != null) {
                int n = in.readInt();
                if (n < 0 || n > topK) {
                    throw new IOException("not a saved key table: " + n + " contributors, at most " + topK);
                }
                t.top.reset(e);
                for (int c = 0; c < n; c++) {
                    t.top.add(e, in.readLong(), in.readLong(), in.readInt(), in.readLong());
                }
            }
            for (int s = 0; s < nSets; s++) {
                t.sets[e * nSets + s] = in.readBoolean() ? DistinctWindow.read(in, limit) : null;
            }
        }
        return t;
    }

    public long footprintBytes() {
        long b = 16L * index.capacity() * 3 + 12L * index.capacity();
        if (rings != null) {
            b += rings.footprintBytes();
        }
        if (top != null) {
            b += top.footprintBytes();
        }
        if (sets != null) {
            b += 4L * sets.length;
            for (DistinctWindow w : sets) {
                if (w != null) {
                    b += w.footprintBytes();
                }
            }
        }
        return b;
    }
}
