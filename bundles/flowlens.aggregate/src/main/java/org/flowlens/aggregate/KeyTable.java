package org.flowlens.aggregate;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.flowlens.api.query.ErrorBound;
import org.flowlens.api.query.Metric;

/**
 * A bounded group-by table: open addressing over primitive arrays, no object per key. Each entry
 * holds its key words, optional object slots (strings), three counters (bytes, packets, flows) and
 * an optional byte payload (sketch registers), interleaved in one {@code long[]} so that a lookup
 * touches one cache line.
 *
 * <p>When the table is full it frees about half of itself in one pass (a purge in bulk at the
 * high-water mark, not a step per insert), so that insertion costs O(1) amortized and memory never
 * passes {@code capacity} entries. The threshold is the median of the ranking counter: exact up to
 * {@link #SAMPLE} entries, the median of an even sample of that many beyond.
 * <ul>
 * <li>{@link Mode#SUBTRACT}: the Misra-Gries step (weighted, as in the frequent-items sketches):
 * the threshold is subtracted from every entry and entries that reach zero go. Every estimate is
 * then a lower bound and the sum of the thresholds subtracted, reported as the error bound, is at
 * most 2W/capacity for a stream of total weight W (about that with a sampled median); tables of
 * this kind merge with additive bounds.
 * <li>{@link Mode#EVICT}: entries at or below the threshold go, survivors keep their counters, which
 * therefore only grow (what Prometheus counters need).
 * </ul>
 * The two other counters are never subtracted; an eviction adds the largest value it dropped to
 * their bound, so that for every key and counter: stored ≤ true ≤ stored + bound.
 *
 * <p>Not thread-safe. A table no longer written after {@link #frozenCopy} may be read from any
 * thread once safely published.
 */
final class KeyTable {
    enum Mode { SUBTRACT, EVICT }

    static final int BYTES = 0, PACKETS = 1, FLOWS = 2;
    private static final int MIN_ALLOC = 16;
    /** Index slots hold the entry id + 1 in the low 24 bits and 8 bits of its hash above. */
    static final int MAX_CAPACITY = (1 << 24) - 2;
    private static final int ID_MASK = (1 << 24) - 1;
    private static final int TAG_MASK = ~ID_MASK;

    final int words, objects, payload, stride;
    final int capacity;
    final Mode mode;
    /** The counter purges rank by: {@link #BYTES} or {@link #FLOWS}. */
    final int rank;

    private long[] data;
    /** Hash of each entry, so that purges and growth re-index without hashing keys again. */
    private int[] hashes;
    private Object[] objs;
    private byte[] pay;
    private int[] index;
    private int mask;
    private int size;
    /** Ranking values of a purge; kept so that purging allocates nothing. */
    private long[] scratch;
    private int allocated;

    private long totalBytes, totalPackets, totalFlows;
    private long errBytes, errPackets, errFlows;

    KeyTable(int words, int objects, int payload, int capacity, Mode mode, int rank) {
        this(words, objects, payload, capacity, mode, rank, Math.min(capacity, MIN_ALLOC));
    }

    private KeyTable(int words, int objects, int payload, int capacity, Mode mode, int rank, int alloc) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.words = words;
        this.objects = objects;
        this.payload = payload;
        this.stride = words + 3;
        this.capacity = capacity;
        this.mode = mode;
        this.rank = rank;
        allocate(Math.max(1, alloc));
    }

    /** A table allocated for its full capacity up front (for query-time scratch tables of known size). */
    static KeyTable presized(int words, int capacity) {
        return new KeyTable(words, 0, 0, capacity, Mode.EVICT, BYTES, capacity);
    }

    /** An empty table of the same shape. */
    KeyTable emptyLike(int newCapacity) {
        return new KeyTable(words, objects, payload, newCapacity, mode, rank);
    }

    private void allocate(int alloc) {
        allocated = alloc;
        data = new long[alloc * stride];
        hashes = new int[alloc];
        objs = objects == 0 ? null : new Object[alloc * objects];
        pay = payload == 0 ? null : new byte[alloc * payload];
        index = new int[indexLength(alloc)];
        mask = index.length - 1;
    }

    /** Index slots for {@code n} entries: a power of two at a load of at most 0.6. */
    static int indexLength(int n) {
        long want = Math.max(4, (n * 5L + 2) / 3);
        return (int) Math.min(1 << 30, Long.highestOneBit(want - 1) << 1);
    }

    /** Upper bound of the bytes one entry costs in a full table of this shape. */
    static long bytesPerEntry(int words, int objects, int payload) {
        return (words + 3) * 8L + objects * 8L + payload + 4 + 14;
    }

    // ---- hashing

    static int hash(long[] k, int ko, int words, Object[] o, int oo, int objects) {
        // independent products per word (no dependency chain), then one strong finalizer
        long h = words;
        for (int i = 0; i < words; i++) {
            h += (k[ko + i] ^ (k[ko + i] >>> 29)) * MULTIPLIERS[i & 7];
        }
        for (int j = 0; j < objects; j++) {
            h += objectHash(o[oo + j]) * MULTIPLIERS[(words + j) & 7];
        }
        return finish(h);
    }

    /** The hash code a key object contributes. */
    static int objectHash(Object x) {
        return x == null ? 0x51ED27 : x.hashCode();
    }

    /** The strong finalizer of {@link #hash}. */
    static int finish(long h) {
        h = (h ^ (h >>> 32)) * 0xD6E8FEB86659FD93L;
        return (int) (h ^ (h >>> 32));
    }

    static final long[] MULTIPLIERS = {0x9E3779B97F4A7C15L, 0xC2B2AE3D27D4EB4FL, 0x165667B19E3779F9L,
        0xD6E8FEB86659FD93L, 0xFF51AFD7ED558CCDL, 0xC4CEB9FE1A85EC53L, 0xBF58476D1CE4E5B9L, 0x94D049BB133111EBL};

    /** Equality of key objects; interned strings match by identity, others by their cached hash first. */
    static boolean sameObject(Object a, Object b) {
        return a == b || a != null && b != null && a.hashCode() == b.hashCode() && a.equals(b);
    }

    private boolean same(int id, long[] k, int ko, Object[] o, int oo) {
        long[] d = data;
        int base = id * stride;
        for (int i = 0; i < words; i++) {
            if (d[base + i] != k[ko + i]) {
                return false;
            }
        }
        if (objects != 0) {
            int ob = id * objects;
            for (int j = 0; j < objects; j++) {
                if (!sameObject(objs[ob + j], o[oo + j])) {
                    return false;
                }
            }
        }
        return true;
    }

    // ---- writing

    /**
     * Counts one record (or any weight) for a key. Returns the entry id. The totals are not
     * touched: every table of a pane sees every record, so the pane keeps them once and sets them
     * with {@link #totals} before freezing.
     */
    int add(long[] k, Object[] o, long bytes, long packets, long flows) {
        return accumulate(k, 0, o, 0, bytes, packets, flows);
    }

    /** Sets the totals of everything this table has seen, listed or not. */
    void totals(long bytes, long packets, long flows) {
        totalBytes = bytes;
        totalPackets = packets;
        totalFlows = flows;
    }

    /** Adds to a key's counters without touching the totals. Returns the entry id. */
    private int accumulate(long[] k, int ko, Object[] o, int oo, long bytes, long packets, long flows) {
        return add(k, ko, o, oo, hash(k, ko, words, o, oo, objects), bytes, packets, flows);
    }

    /**
     * Loads the index slots (and the entries they point to) of a run of hashes, so that the cache
     * misses of a batch overlap instead of following one another; returns a value to keep the loads alive.
     */
    int touch(int[] hs, int n) {
        if (index.length <= 4096) {
            return 0; // small enough to stay in the core's caches
        }
        int[] idx = index;
        int m = mask;
        long[] d = data;
        int acc = 0;
        for (int j = 0; j < n; j++) {
            int h = hs[j];
            int e = idx[h & m];
            // the entry only where the tag says it is likely the key: a new key loads no stranger's entry
            if (e != 0 && ((e ^ h) & TAG_MASK) == 0) {
                acc += (int) d[((e & ID_MASK) - 1) * stride];
            }
        }
        return acc;
    }

    /** Adds to the counters of an entry whose id is known (valid until the next insertion). */
    void bump(int id, long bytes, long packets, long flows) {
        int b = id * stride + words;
        data[b] += bytes;
        data[b + 1] += packets;
        data[b + 2] += flows;
    }

    /** {@link #add(long[], Object[], long, long, long)} with the key at offsets and its hash already computed. */
    int add(long[] k, int ko, Object[] o, int oo, int h, long bytes, long packets, long flows) {
        int tag = h & TAG_MASK;
        int[] idx = index;
        int m = mask;
        int s = h & m;
        int e;
        while ((e = idx[s]) != 0) {
            if ((e & TAG_MASK) == tag) {
                int id = (e & ID_MASK) - 1;
                if (same(id, k, ko, o, oo)) {
                    int b = id * stride + words;
                    data[b] += bytes;
                    data[b + 1] += packets;
                    data[b + 2] += flows;
                    return id;
                }
            }
            s = (s + 1) & m;
        }
        return insert(k, ko, o, oo, h, s, bytes, packets, flows);
    }

    /** Adds a key found absent, whose free index slot is {@code s}; purges or grows first if needed. */
    private int insert(long[] k, int ko, Object[] o, int oo, int h, int s, long bytes, long packets, long flows) {
        int tag = h & TAG_MASK;
        if (size == capacity) {
            purge();
            s = freeSlot(h);
        } else if (size == allocated) {
            grow();
            s = freeSlot(h);
        }
        int id = size++;
        int base = id * stride;
        for (int i = 0; i < words; i++) {
            data[base + i] = k[ko + i];
        }
        data[base + words] = bytes;
        data[base + words + 1] = packets;
        data[base + words + 2] = flows;
        hashes[id] = h;
        if (objects != 0) {
            System.arraycopy(o, oo, objs, id * objects, objects);
        }
        index[s] = tag | (id + 1);
        return id;
    }

    private int freeSlot(int h) {
        int s = h & mask;
        while (index[s] != 0) {
            s = (s + 1) & mask;
        }
        return s;
    }

    /** The payload bytes of an entry, to update in place: {@code payload()[payloadOffset(id)..]}. */
    byte[] payload() {
        return pay;
    }

    int payloadOffset(int id) {
        return id * payload;
    }

    private void grow() {
        int alloc = (int) Math.min(capacity, Math.max(MIN_ALLOC, allocated * 2L));
        data = Arrays.copyOf(data, alloc * stride);
        hashes = Arrays.copyOf(hashes, alloc);
        if (objs != null) {
            objs = Arrays.copyOf(objs, alloc * objects);
        }
        if (pay != null) {
            pay = Arrays.copyOf(pay, alloc * payload);
        }
        allocated = alloc;
        if (index.length < indexLength(alloc)) {
            index = new int[indexLength(alloc)];
            mask = index.length - 1;
            reindex();
        }
    }

    private void reindex() {
        Arrays.fill(index, 0);
        for (int id = 0; id < size; id++) {
            int h = hashes[id];
            index[freeSlot(h)] = (h & TAG_MASK) | (id + 1);
        }
    }

    /** Ranking values a purge samples to find its threshold; tables up to this size select exactly. */
    static final int SAMPLE = 1024;

    /**
     * Frees about half of the table in one pass. The threshold is the median of the ranking counter,
     * found exactly up to {@link #SAMPLE} entries and from an even sample of that many beyond (no
     * copy of the whole table, no allocation once the scratch exists); should a skewed sample free
     * less than an eighth, another sample of what is left is taken, and the exact median last.
     */
    private void purge() {
        int before = size;
        if (size <= SAMPLE) {
            cut(select(ranks(size, 1), size, size / 2));
            return;
        }
        for (int round = 0; round < 3 && size > before - before / 8; round++) {
            int n = Math.min(SAMPLE, size);
            cut(select(ranks(n, size / n), n, n / 2));
        }
        if (size > before - before / 8) {
            cut(kthSmallestRank(size / 2));
        }
    }

    /** Copies {@code n} ranking values, every {@code stride}-th entry, into the scratch array. */
    private long[] ranks(int n, int stride) {
        long[] v = scratch;
        if (v == null || v.length < n) {
            v = scratch = new long[Math.min(SAMPLE, Math.max(n, Math.min(capacity, SAMPLE)))];
        }
        int off = words + rank;
        int st = stride * this.stride;
        for (int i = 0, p = off; i < n; i++, p += st) {
            v[i] = data[p];
        }
        return v;
    }

    /** Keeps at most {@code target} entries, by the same step as a purge. */
    void trimTo(int target) {
        if (size > target) {
            cut(kthSmallestRank(size - Math.max(0, target) - 1));
        }
    }

    private long kthSmallestRank(int k) {
        long[] v = new long[size];
        int off = words + rank;
        for (int id = 0; id < size; id++) {
            v[id] = data[id * stride + off];
        }
        return select(v, k);
    }

    /** Removes entries whose ranking counter is at most {@code delta}; subtracts it from survivors in SUBTRACT mode. */
    private void cut(long delta) {
        int w = 0;
        long maxB = 0, maxP = 0, maxF = 0;
        int off = words + rank;
        int st = stride, kw = words;
        boolean subtract = mode == Mode.SUBTRACT;
        long[] d = data;
        int[] hs = hashes;
        // the index is rebuilt as survivors move down, in the same pass
        int[] idx = index;
        int m = mask;
        Arrays.fill(idx, 0);
        for (int id = 0, base = 0; id < size; id++, base += st) {
            if (d[base + off] <= delta) {
                maxB = Math.max(maxB, d[base + kw]);
                maxP = Math.max(maxP, d[base + kw + 1]);
                maxF = Math.max(maxF, d[base + kw + 2]);
                continue;
            }
            int to = w * st;
            if (w != id) {
                for (int i = 0; i < st; i++) {
                    d[to + i] = d[base + i];
                }
                hs[w] = hs[id];
                if (objs != null) {
                    System.arraycopy(objs, id * objects, objs, w * objects, objects);
                }
                if (pay != null) {
                    System.arraycopy(pay, id * payload, pay, w * payload, payload);
                }
            }
            if (subtract) {
                d[to + off] -= delta;
            }
            int h = hs[w];
            int s = h & m;
            while (idx[s] != 0) {
                s = (s + 1) & m;
            }
            idx[s] = (h & TAG_MASK) | (w + 1);
            w++;
        }
        if (objs != null) {
            Arrays.fill(objs, w * objects, size * objects, null);
        }
        size = w;
        // the ranked counter: what the cut subtracted (SUBTRACT) or the most it dropped (EVICT);
        // the others: the most any dropped key held, since survivors keep theirs whole
        long rankErr = subtract ? delta : (rank == BYTES ? maxB : maxF);
        if (rank == BYTES) {
            errBytes += rankErr;
            errFlows += maxF;
        } else {
            errFlows += rankErr;
            errBytes += maxB;
        }
        errPackets += maxP;
    }

    /** Quickselect: the k-th smallest (0-based) value; reorders {@code v}. */
    static long select(long[] v, int k) {
        return select(v, v.length, k);
    }

    /** The k-th smallest of {@code v[0..n)}; reorders it. */
    static long select(long[] v, int n, int k) {
        int lo = 0, hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            long a = v[lo], b = v[mid], c = v[hi];
            long pivot = a < b ? (b < c ? b : Math.max(a, c)) : (a < c ? a : Math.max(b, c));
            int i = lo, j = hi;
            while (i <= j) {
                while (v[i] < pivot) {
                    i++;
                }
                while (v[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = v[i];
                    v[i] = v[j];
                    v[j] = t;
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return v[k];
            }
        }
        return v[k];
    }

    /**
     * Adds every entry, the totals and the bounds of {@code other} (same shape) into this table.
     * Payloads are merged by {@code payloadMerger} when the shape has one.
     */
    void addAll(KeyTable other, PayloadMerger payloadMerger) {
        for (int id = 0; id < other.size; id++) {
            int base = id * other.stride;
            int mine = accumulate(other.data, base, other.objs, id * objects, other.data[base + words],
                    other.data[base + words + 1], other.data[base + words + 2]);
            if (payload != 0) {
                payloadMerger.merge(other.pay, id * payload, pay, mine * payload);
            }
        }
        totalBytes += other.totalBytes;
        totalPackets += other.totalPackets;
        totalFlows += other.totalFlows;
        errBytes += other.errBytes;
        errPackets += other.errPackets;
        errFlows += other.errFlows;
    }

    interface PayloadMerger {
        void merge(byte[] from, int fromOffset, byte[] to, int toOffset);
    }

    /** A compact copy holding at most {@code target} entries (trimming this table first if needed). */
    KeyTable frozenCopy(int target) {
        trimTo(target);
        KeyTable c = new KeyTable(words, objects, payload, Math.max(1, size), mode, rank, Math.max(1, size));
        System.arraycopy(data, 0, c.data, 0, size * stride);
        System.arraycopy(hashes, 0, c.hashes, 0, size);
        if (objs != null) {
            System.arraycopy(objs, 0, c.objs, 0, size * objects);
        }
        if (pay != null) {
            System.arraycopy(pay, 0, c.pay, 0, size * payload);
        }
        c.size = size;
        c.totalBytes = totalBytes;
        c.totalPackets = totalPackets;
        c.totalFlows = totalFlows;
        c.errBytes = errBytes;
        c.errPackets = errPackets;
        c.errFlows = errFlows;
        c.reindex();
        return c;
    }

    void clear() {
        if (objs != null) {
            Arrays.fill(objs, 0, size * objects, null);
        }
        if (pay != null) {
            Arrays.fill(pay, 0, size * payload, (byte) 0);
        }
        Arrays.fill(index, 0);
        size = 0;
        totalBytes = totalPackets = totalFlows = 0;
        errBytes = errPackets = errFlows = 0;
    }

    // ---- reading

    int size() {
        return size;
    }

    /** The entry id of a key, or -1. */
    int find(long[] k, int ko, Object[] o, int oo) {
        int h = hash(k, ko, words, o, oo, objects);
        int tag = h & TAG_MASK;
        int s = h & mask;
        int e;
        while ((e = index[s]) != 0) {
            if ((e & TAG_MASK) == tag && same((e & ID_MASK) - 1, k, ko, o, oo)) {
                return (e & ID_MASK) - 1;
            }
            s = (s + 1) & mask;
        }
        return -1;
    }

    long[] keyWords() {
        return data;
    }

    int keyOffset(int id) {
        return id * stride;
    }

    Object[] keyObjects() {
        return objs;
    }

    int objectOffset(int id) {
        return id * objects;
    }

    long bytes(int id) {
        return data[id * stride + words];
    }

    long packets(int id) {
        return data[id * stride + words + 1];
    }

    long flows(int id) {
        return data[id * stride + words + 2];
    }

    long value(int id, Metric m) {
        return data[id * stride + words + m.ordinal()];
    }

    long totalBytes() {
        return totalBytes;
    }

    long totalPackets() {
        return totalPackets;
    }

    long totalFlows() {
        return totalFlows;
    }

    ErrorBound error() {
        return new ErrorBound(errBytes, errPackets, errFlows);
    }

    /**
     * Ids of the {@code limit} entries with the largest {@code metric}, largest first (ties: the
     * larger bytes, then the lower id).
     */
    int[] top(Metric metric, int limit) {
        int n = Math.min(limit, size);
        if (n <= 0) {
            return new int[0];
        }
        int off = words + metric.ordinal();
        // min-heap of the best n seen so far
        int[] heap = new int[n];
        int hs = 0;
        for (int id = 0; id < size; id++) {
            if (hs < n) {
                heap[hs] = id;
                siftUp(heap, hs++, off);
            } else if (better(id, heap[0], off)) {
                heap[0] = id;
                siftDown(heap, hs, off);
            }
        }
        int[] out = new int[n];
        for (int i = n - 1; i >= 0; i--) {
            out[i] = heap[0];
            heap[0] = heap[--hs];
            siftDown(heap, hs, off);
        }
        return out;
    }

    private boolean better(int a, int b, int off) {
        long va = data[a * stride + off], vb = data[b * stride + off];
        if (va != vb) {
            return va > vb;
        }
        long ba = data[a * stride + words], bb = data[b * stride + words];
        if (ba != bb) {
            return ba > bb;
        }
        return a < b;
    }

    private void siftUp(int[] h, int i, int off) {
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (better(h[p], h[i], off)) {
                int t = h[p];
                h[p] = h[i];
                h[i] = t;
                i = p;
            } else {
                return;
            }
        }
    }

    private void siftDown(int[] h, int n, int off) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            if (l >= n) {
                return;
            }
            int r = l + 1;
            int worst = r < n && better(h[l], h[r], off) ? r : l;
            if (better(h[i], h[worst], off)) {
                int t = h[i];
                h[i] = h[worst];
                h[worst] = t;
                i = worst;
            } else {
                return;
            }
        }
    }

    // ---- saving

    /** Writes the table: its shape, entries (texts as UTF-8; hashes are computed again on reading), totals and bounds. */
    void write(DataOutput out) throws IOException {
        out.writeInt(words);
        out.writeInt(objects);
        out.writeInt(payload);
        out.writeInt(capacity);
        out.writeInt(mode.ordinal());
        out.writeInt(rank);
        out.writeInt(size);
        for (int i = 0; i < size * stride; i++) {
            out.writeLong(data[i]);
        }
        for (int i = 0; i < size * objects; i++) {
            writeText(out, objs[i]);
        }
        if (payload != 0) {
            out.write(pay, 0, size * payload);
        }
        for (long v : new long[] {totalBytes, totalPackets, totalFlows, errBytes, errPackets, errFlows}) {
            out.writeLong(v);
        }
    }

    /** Reads a table {@link #write} wrote. */
    static KeyTable read(DataInput in) throws IOException {
        int words = in.readInt(), objects = in.readInt(), payload = in.readInt(), capacity = in.readInt();
        int mode = in.readInt(), rank = in.readInt(), size = in.readInt();
        if (words < 1 || words > 64 || objects < 0 || objects > 64 || payload < 0 || payload > 4096 || capacity < 1
                || capacity > MAX_CAPACITY || mode < 0 || mode >= Mode.values().length || rank < BYTES || rank > FLOWS
                || size < 0 || size > capacity) {
            throw new IOException("not a saved table: words " + words + ", objects " + objects + ", payload " + payload
                    + ", capacity " + capacity + ", size " + size);
        }
        KeyTable t = new KeyTable(words, objects, payload, capacity, Mode.values()[mode], rank, Math.max(1, size));
        for (int i = 0; i < size * t.stride; i++) {
            t.data[i] = in.readLong();
        }
        for (int i = 0; i < size * objects; i++) {
            t.objs[i] = readText(in);
        }
        for (int id = 0; id < size; id++) {
            t.hashes[id] = hash(t.data, id * t.stride, words, t.objs, id * objects, objects);
        }
        if (payload != 0) {
            in.readFully(t.pay, 0, size * payload);
        }
        t.size = size;
        t.totalBytes = in.readLong();
        t.totalPackets = in.readLong();
        t.totalFlows = in.readLong();
        t.errBytes = in.readLong();
        t.errPackets = in.readLong();
        t.errFlows = in.readLong();
        t.reindex();
        return t;
    }

    private static void writeText(DataOutput out, Object o) throws IOException {
        if (o == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = o.toString().getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /** Texts come back interned, as the enrichers hand them out. */
    private static String readText(DataInput in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > 1 << 20) {
            throw new IOException("not a saved text: length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8).intern();
    }

    /** Bytes held by this table's arrays (object headers included, referenced strings not). */
    long retainedBytes() {
        long b = 64 + 16 + data.length * 8L + 16 + hashes.length * 4L + 16 + index.length * 4L;
        if (objs != null) {
            b += 16 + objs.length * 8L;
        }
        if (pay != null) {
            b += 16 + pay.length;
        }
        if (scratch != null) {
            b += 16 + scratch.length * 8L;
        }
        return b;
    }
}
