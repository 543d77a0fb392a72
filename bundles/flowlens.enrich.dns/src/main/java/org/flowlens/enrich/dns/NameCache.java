package org.flowlens.enrich.dns;

/**
 * Bounded, lock-free address → name cache with expiry: four-way set associative over immutable
 * entries; a hit allocates and writes nothing, an insert evicts the oldest entry of its set.
 */
final class NameCache {
    static final int WAYS = 4;

    /** A name (or the knowledge that there is none, or a lookup under way) and when it expires. */
    static final class Entry {
        final long hi, lo;
        final String name;
        final long expiresNanos;
        final boolean pending;

        Entry(long hi, long lo, String name, long expiresNanos, boolean pending) {
            this.hi = hi;
            this.lo = lo;
            this.name = name;
            this.expiresNanos = expiresNanos;
            this.pending = pending;
        }
    }

    private final Entry[] slots;
    private final long sets;

    NameCache(int capacity) {
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

    Entry get(long hi, long lo) {
        if (sets == 0) {
            return null;
        }
        Entry[] s = slots;
        int i = index(hi, lo);
        for (int w = i; w < i + WAYS; w++) {
            Entry e = s[w];
            if (e != null && e.lo == lo && e.hi == hi) {
                return e;
            }
        }
        return null;
    }

    void put(Entry entry) {
        if (sets == 0) {
            return;
        }
        Entry[] s = slots;
        int i = index(entry.hi, entry.lo);
        int last = i + WAYS - 1;
        for (int w = i; w < i + WAYS - 1; w++) {
            Entry e = s[w];
            if (e == null || e.lo == entry.lo && e.hi == entry.hi) {
                last = w;
                break;
            }
        }
        for (int w = last; w > i; w--) {
            s[w] = s[w - 1];
        }
        s[i] = entry;
    }
}
