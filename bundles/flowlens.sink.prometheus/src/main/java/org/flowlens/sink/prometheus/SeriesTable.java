package org.flowlens.sink.prometheus;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Series keyed by a 64-bit hash of their label values, with a cardinality guard: at most
 * {@code maxSeries} series; keys beyond that fold into one {@code other} series so that totals
 * stay exact. Idle series expire; when the table is full and keys are being folded, the series
 * with the least recent traffic are folded into {@code other} to make room, so over time the
 * heaviest keys hold the series. Not thread-safe: the owner serializes access.
 */
final class SeriesTable {
    private static final int FOLDED_BITS = 1 << 16;

    final String[] labelNames;
    private final int ringSize;
    private int maxSeries;
    private long expireMillis;
    private long[] keys;
    private Series[] slots;
    private int size;
    final Series other;
    private long[] foldedBits = new long[FOLDED_BITS / 64];
    private long foldedRecords;
    private boolean foldedSinceMaintenance;
    private long expiredSeries;
    private long evictedSeries;

    SeriesTable(String[] labelNames, int maxSeries, long expireMillis, int ringSize) {
        this.labelNames = labelNames;
        this.ringSize = ringSize;
        this.maxSeries = maxSeries;
        this.expireMillis = expireMillis;
        String[] o = new String[labelNames.length];
        Arrays.fill(o, "other");
        other = new Series(o, ringSize);
        keys = new long[16];
        slots = new Series[16];
    }

    void limits(int maxSeries, long expireMillis) {
        this.maxSeries = maxSeries;
        this.expireMillis = expireMillis;
    }

    /** The series of this key, or null when the table does not hold it. */
    Series get(long key) {
        int mask = keys.length - 1;
        for (int i = mix(key) & mask;; i = (i + 1) & mask) {
            Series s = slots[i];
            if (s == null) {
                return null;
            }
            if (keys[i] == key) {
                return s;
            }
        }
    }

    /** A new series for a key {@link #get} did not find, or {@link #other} when the table is full. */
    Series add(long key, String[] labels) {
        if (size >= maxSeries) {
            int bit = mix(key) & (FOLDED_BITS - 1);
            foldedBits[bit >>> 6] |= 1L << bit;
            foldedRecords++;
            foldedSinceMaintenance = true;
            return other;
        }
        if ((size + 1) * 2 > keys.length) {
            rehash(keys.length * 2);
        }
        Series s = new Series(labels, ringSize);
        insert(key, s);
        size++;
        return s;
    }

    int size() {
        return size;
    }

    long foldedRecords() {
        return foldedRecords;
    }

    /** Distinct keys folded into {@code other}, estimated by linear counting. */
    double foldedKeys() {
        int zeros = 0;
        for (long w : foldedBits) {
            zeros += Long.bitCount(~w);
        }
        if (zeros == 0) {
            return FOLDED_BITS * Math.log(FOLDED_BITS);
        }
        return FOLDED_BITS * Math.log((double) FOLDED_BITS / zeros);
    }

    long expiredSeries() {
        return expiredSeries;
    }

    long evictedSeries() {
        return evictedSeries;
    }

    /**
     * Expires idle series, makes room when keys are being folded, and records each series' bytes
     * in its bandwidth ring at position {@code tick}.
     */
    void maintain(long now, int tick) {
        long[] liveKeys = new long[size];
        Series[] live = new Series[size];
        int n = 0;
        for (int i = 0; i < slots.length; i++) {
            Series s = slots[i];
            if (s == null) {
                continue;
            }
            if (now - s.lastSeenMillis > expireMillis) {
                expiredSeries++;
                continue;
            }
            liveKeys[n] = keys[i];
            live[n++] = s;
        }
        if (foldedSinceMaintenance && n >= maxSeries) {
            // fold the quietest tenth into other, keeping totals exact, to make room for heavier keys
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Series[] byIndex = live;
            Arrays.sort(order, Comparator.comparingLong(i -> byIndex[i].recentBytes));
            int evict = Math.max(1, n / 10);
            for (int i = 0; i < evict; i++) {
                Series s = live[order[i]];
                other.flows += s.flows;
                other.bytes += s.bytes;
                other.packets += s.packets;
                other.bytesIn += s.bytesIn;
                for (int r = 0; r < ringSize; r++) {
                    other.ring[r] += s.ring[r];
                }
                live[order[i]] = null;
                evictedSeries++;
            }
        }
        int cap = 16;
        while (cap < n * 2) {
            cap <<= 1;
        }
        keys = new long[cap];
        slots = new Series[cap];
        size = 0;
        for (int i = 0; i < n; i++) {
            Series s = live[i];
            if (s != null) {
                insert(liveKeys[i], s);
                size++;
                s.ring[tick % ringSize] = s.bytes;
                s.recentBytes = 0;
            }
        }
        other.ring[tick % ringSize] = other.bytes;
        other.recentBytes = 0;
        foldedSinceMaintenance = false;
    }

    /**
     * A copy of every series held, then {@code other} if anything was folded into it, into
     * primitive columns: no object per series, and the label arrays are shared (never modified).
     */
    Rows copy(int tick, int windowSeconds) {
        boolean withOther = other.flows > 0 || other.bytes > 0;
        Rows r = new Rows(size + (withOther ? 1 : 0));
        int n = 0;
        for (Series s : slots) {
            if (s != null) {
                r.set(n++, s, tick, windowSeconds);
            }
        }
        if (withOther) {
            r.set(n, other, tick, windowSeconds);
        }
        return r;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        Series[] oldSlots = slots;
        keys = new long[capacity];
        slots = new Series[capacity];
        for (int i = 0; i < oldSlots.length; i++) {
            if (oldSlots[i] != null) {
                insert(oldKeys[i], oldSlots[i]);
            }
        }
    }

    private void insert(long key, Series s) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (slots[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        slots[i] = s;
    }

    static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
