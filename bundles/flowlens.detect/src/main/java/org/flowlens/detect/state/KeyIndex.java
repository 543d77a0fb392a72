package org.flowlens.detect.state;

/**
 * A bounded open-addressing index from a key of two longs and an int tag (an address as in
 * {@link org.flowlens.api.flow.IpAddresses}, plus e.g. a protocol) to a dense entry number in
 * {@code [0, capacity)}. Detectors keep their per-key state in primitive arrays indexed by that
 * number. Lookups allocate nothing; when every entry is taken, inserts fail and the caller counts
 * the record as dropped.
 */
public final class KeyIndex {
    private final int capacity;
    private final int mask;
    /** entry + 1 per slot; 0 = empty */
    private final int[] slots;
    private final long[] hi;
    private final long[] lo;
    private final int[] tag;
    private final boolean[] used;
    private final int[] free;
    private int freeTop;
    private int size;

    public KeyIndex(int capacity) {
        if (capacity < 1 || capacity > 1 << 26) {
            throw new IllegalArgumentException("capacity must be 1..67108864: " + capacity);
        }
        this.capacity = capacity;
        int n = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) << 1;
        this.mask = n - 1;
        this.slots = new int[n];
        this.hi = new long[capacity];
        this.lo = new long[capacity];
        this.tag = new int[capacity];
        this.used = new boolean[capacity];
        this.free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        this.freeTop = capacity;
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return size;
    }

    public boolean used(int entry) {
        return used[entry];
    }

    public long hi(int entry) {
        return hi[entry];
    }

    public long lo(int entry) {
        return lo[entry];
    }

    public int tag(int entry) {
        return tag[entry];
    }

    /** The entry of the key, or -1. */
    public int find(long h, long l, int t) {
        int s = home(h, l, t);
        while (true) {
            int v = slots[s];
            if (v == 0) {
                return -1;
            }
            int e = v - 1;
            if (hi[e] == h && lo[e] == l && tag[e] == t) {
                return e;
            }
            s = (s + 1) & mask;
        }
    }

    /**
     * The entry of the key, inserting it when absent. Returns {@code -(entry + 1)} for a new entry
     * (so the caller can reset its state), or {@code Integer.MIN_VALUE} when the index is full.
     */
    public int findOrInsert(long h, long l, int t) {
        int s = home(h, l, t);
        while (true) {
            int v = slots[s];
            if (v == 0) {
                break;
            }
            int e = v - 1;
            if (hi[e] == h && lo[e] == l && tag[e] == t) {
                return e;
            }
            s = (s + 1) & mask;
        }
        if (freeTop == 0) {
            return Integer.MIN_VALUE;
        }
        int e = free[--freeTop];
        hi[e] = h;
        lo[e] = l;
        tag[e] = t;
        used[e] = true;
        slots[s] = e + 1;
        size++;
        return -(e + 1);
    }

    /** Removes an entry; its number may be handed out again. */
    public void remove(int entry) {
        if (!used[entry]) {
            return;
        }
        int s = home(hi[entry], lo[entry], tag[entry]);
        while (slots[s] != entry + 1) {
            s = (s + 1) & mask;
        }
        // backward-shift deletion keeps every probe chain unbroken without tombstones
        int i = s;
        int j = s;
        while (true) {
            j = (j + 1) & mask;
            int v = slots[j];
            if (v == 0) {
                break;
            }
            int k = home(hi[v - 1], lo[v - 1], tag[v - 1]);
            boolean between = i <= j ? (i < k && k <= j) : (i < k || k <= j);
            if (!between) {
                slots[i] = v;
                i = j;
            }
        }
        slots[i] = 0;
        used[entry] = false;
        free[freeTop++] = entry;
        size--;
    }

    public void clear() {
        java.util.Arrays.fill(slots, 0);
        java.util.Arrays.fill(used, false);
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        freeTop = capacity;
        size = 0;
    }

    private int home(long h, long l, int t) {
        return (int) (Hashing.mix(h, l, t) >>> 32) & mask;
    }
}
