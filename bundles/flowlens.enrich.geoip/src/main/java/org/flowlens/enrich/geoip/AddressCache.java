package org.flowlens.enrich.geoip;

import org.flowlens.api.enrich.AddressInfo;

/**
 * A bounded, lock-free cache from address to what the databases say about it: four-way set
 * associative over an array of immutable entries. A read that hits allocates nothing and writes
 * nothing (no contention between workers); a miss inserts one entry in the first way of its set,
 * moving the others one way down and evicting the oldest. Races between writers only ever lose an
 * entry, never corrupt one: entries are immutable and published through final fields.
 */
final class AddressCache {
    private static final class Entry {
        final long hi, lo;
        final AddressInfo info;

        Entry(long hi, long lo, AddressInfo info) {
            this.hi = hi;
            this.lo = lo;
            this.info = info;
        }
    }

    static final int WAYS = 4;

    private final Entry[] slots;
    private final long sets;

    /** @param capacity entries held at most (rounded down to a multiple of {@value #WAYS}); below {@value #WAYS}, nothing is cached */
    AddressCache(int capacity) {
        int s = Math.max(0, capacity / WAYS);
        sets = s;
        slots = new Entry[s * WAYS];
    }

    int capacity() {
        return slots.length;
    }

    private int index(long hi, long lo) {
        long h = lo * 0x9E37_79B9_7F4A_7C15L ^ (hi + 0x632B_E59B_D9B4_E019L) * 0xC2B2_AE3D_27D4_EB4FL;
        h ^= h >>> 29;
        return (int) (((h >>> 32) * sets) >>> 32) * WAYS;
    }

    /** The cached value, or null. */
    AddressInfo get(long hi, long lo) {
        if (sets == 0) {
            return null;
        }
        Entry[] s = slots;
        int i = index(hi, lo);
        Entry e = s[i];
        if (e != null && e.lo == lo && e.hi == hi) {
            return e.info;
        }
        e = s[i + 1];
        if (e != null && e.lo == lo && e.hi == hi) {
            return e.info;
        }
        e = s[i + 2];
        if (e != null && e.lo == lo && e.hi == hi) {
            return e.info;
        }
        e = s[i + 3];
        if (e != null && e.lo == lo && e.hi == hi) {
            return e.info;
        }
        return null;
    }

    void put(long hi, long lo, AddressInfo info) {
        if (sets == 0) {
            return;
        }
        Entry[] s = slots;
        int i = index(hi, lo);
        // the way holding this address already, or the last one: the ways above it move down one
        int last = i + WAYS - 1;
        for (int w = i; w < i + WAYS - 1; w++) {
            Entry e = s[w];
            if (e == null || e.lo == lo && e.hi == hi) {
                last = w;
                break;
            }
        }
        for (int w = last; w > i; w--) {
            s[w] = s[w - 1];
        }
        s[i] = new Entry(hi, lo, info);
    }

    /** Entries held now (counted, for tests and the console; not for the hot path). */
    int size() {
        int n = 0;
        for (Entry e : slots) {
            if (e != null) {
                n++;
            }
        }
        return n;
    }
}
