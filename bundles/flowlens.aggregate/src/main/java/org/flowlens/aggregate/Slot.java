package org.flowlens.aggregate;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Immutable aggregates of a span of time: frozen per-dimension summaries, exact totals (overall and
 * per protocol), distinct-count sketches and the per-source distinct tracker. Sealed time buckets,
 * merged older buckets and the sliding windows are all slots.
 */
final class Slot {
    private static final KeyTable.PayloadMerger SOURCE_MERGE =
            (from, fo, to, too) -> Hll.merge4(from, fo, to, too, Pane.SOURCE_PAYLOAD);

    final long fromMillis, toMillis;
    final int level;
    /** Frozen summaries by canonical dimension spelling. */
    final Map<String, KeyTable> dims;
    final KeyTable sources;
    final long records, bytes, packets;
    final long[] protocols;
    final byte[] srcHll, dstHll, sessionHll;

    private Slot(long fromMillis, long toMillis, int level, Map<String, KeyTable> dims, KeyTable sources, long records,
            long bytes, long packets, long[] protocols, byte[] srcHll, byte[] dstHll, byte[] sessionHll) {
        this.fromMillis = fromMillis;
        this.toMillis = toMillis;
        this.level = level;
        this.dims = dims;
        this.sources = sources;
        this.records = records;
        this.bytes = bytes;
        this.packets = packets;
        this.protocols = protocols;
        this.srcHll = srcHll;
        this.dstHll = dstHll;
        this.sessionHll = sessionHll;
    }

    static Slot empty(long fromMillis, long toMillis) {
        int m = 1 << Pane.GLOBAL_P;
        return new Slot(fromMillis, toMillis, 0, Map.of(), null, 0, 0, 0, new long[256 * 3], new byte[m], new byte[m],
                new byte[m]);
    }

    /** Freezes a pane's content; the pane may be cleared afterwards. */
    static Slot of(Pane pane, long fromMillis, long toMillis, int sourceCapacity, Map<String, Integer> capacities) {
        pane.settle();
        Map<String, KeyTable> m = new HashMap<>();
        for (int i = 0; i < pane.dims.length; i++) {
            String spec = pane.dims[i].spec;
            m.put(spec, pane.tables[i].frozenCopy(capacities.getOrDefault(spec, pane.tables[i].capacity)));
        }
        return new Slot(fromMillis, toMillis, 0, Map.copyOf(m), pane.sources.frozenCopy(sourceCapacity), pane.records,
                pane.bytes, pane.packets, pane.protocols.clone(), pane.srcHll.clone(), pane.dstHll.clone(),
                pane.sessionHll.clone());
    }

    /** The same data over a different span (windows cover up to the refresh time). */
    Slot withSpan(long from, long to) {
        return new Slot(from, to, level, dims, sources, records, bytes, packets, protocols, srcHll, dstHll, sessionHll);
    }

    long midMillis() {
        return fromMillis + (toMillis - fromMillis) / 2;
    }

    long spanMillis() {
        return Math.max(1, toMillis - fromMillis);
    }

    /**
     * Merges parts into one slot covering from the earliest start to the latest end, each summary
     * trimmed to its capacity; dimensions not in {@code capacities} are left out.
     */
    static Slot merge(List<Slot> parts, int level, int sourceCapacity, Map<String, Integer> capacities) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to merge");
        }
        long from = Long.MAX_VALUE, to = Long.MIN_VALUE, records = 0, bytes = 0, packets = 0;
        long[] protocols = new long[256 * 3];
        int m = 1 << Pane.GLOBAL_P;
        byte[] src = new byte[m], dst = new byte[m], ses = new byte[m];
        for (Slot s : parts) {
            from = Math.min(from, s.fromMillis);
            to = Math.max(to, s.toMillis);
            records += s.records;
            bytes += s.bytes;
            packets += s.packets;
            for (int i = 0; i < protocols.length; i++) {
                protocols[i] += s.protocols[i];
            }
            Hll.merge8(s.srcHll, src);
            Hll.merge8(s.dstHll, dst);
            Hll.merge8(s.sessionHll, ses);
        }
        Map<String, KeyTable> dims = new HashMap<>();
        for (Map.Entry<String, Integer> e : capacities.entrySet()) {
            KeyTable t = mergeTables(parts, e.getKey(), e.getValue());
            if (t != null) {
                dims.put(e.getKey(), t);
            }
        }
        KeyTable sources = mergeTables(parts, null, sourceCapacity);
        return new Slot(from, to, level, Map.copyOf(dims), sources, records, bytes, packets, protocols, src, dst, ses);
    }

    private static KeyTable mergeTables(List<Slot> parts, String spec, int capacity) {
        KeyTable acc = null;
        KeyTable single = null;
        int count = 0;
        for (Slot s : parts) {
            KeyTable t = spec == null ? s.sources : s.dims.get(spec);
            if (t == null) {
                continue;
            }
            count++;
            single = t;
            if (acc == null) {
                acc = t.emptyLike(Math.max(2, 2 * capacity));
            }
            acc.addAll(t, SOURCE_MERGE);
        }
        if (count == 1 && single.size() <= capacity) {
            return single; // frozen tables are immutable: share it
        }
        return acc == null ? null : acc.frozenCopy(capacity);
    }

    /** The same data without the dimensions no longer configured and trimmed to new capacities. */
    Slot adapt(int sourceCapacity, Map<String, Integer> capacities) {
        Map<String, KeyTable> m = new HashMap<>();
        for (Map.Entry<String, Integer> e : capacities.entrySet()) {
            KeyTable t = dims.get(e.getKey());
            if (t != null) {
                m.put(e.getKey(), t.size() <= e.getValue() ? t : copyTrimmed(t, e.getValue()));
            }
        }
        KeyTable src = sources == null || sources.size() <= sourceCapacity ? sources : copyTrimmed(sources, sourceCapacity);
        return new Slot(fromMillis, toMillis, level, Map.copyOf(m), src, records, bytes, packets, protocols, srcHll,
                dstHll, sessionHll);
    }

    private static KeyTable copyTrimmed(KeyTable t, int capacity) {
        KeyTable acc = t.emptyLike(Math.max(1, t.size()));
        acc.addAll(t, SOURCE_MERGE);
        return acc.frozenCopy(capacity);
    }

    void write(DataOutput out) throws IOException {
        for (long v : new long[] {fromMillis, toMillis, level, records, bytes, packets}) {
            out.writeLong(v);
        }
        for (long v : protocols) {
            out.writeLong(v);
        }
        out.write(srcHll);
        out.write(dstHll);
        out.write(sessionHll);
        out.writeInt(dims.size());
        for (Map.Entry<String, KeyTable> e : dims.entrySet()) {
            out.writeUTF(e.getKey());
            e.getValue().write(out);
        }
        out.writeBoolean(sources != null);
        if (sources != null) {
            sources.write(out);
        }
    }

    static Slot read(DataInput in) throws IOException {
        long from = in.readLong(), to = in.readLong(), level = in.readLong();
        long records = in.readLong(), bytes = in.readLong(), packets = in.readLong();
        long[] protocols = new long[256 * 3];
        for (int i = 0; i < protocols.length; i++) {
            protocols[i] = in.readLong();
        }
        int m = 1 << Pane.GLOBAL_P;
        byte[] src = new byte[m], dst = new byte[m], ses = new byte[m];
        in.readFully(src);
        in.readFully(dst);
        in.readFully(ses);
        int n = in.readInt();
        if (n < 0 || n > 1000 || level < -1 || level > 64) {
            throw new IOException("not a saved slot: " + n + " dimensions, level " + level);
        }
        Map<String, KeyTable> dims = new HashMap<>();
        for (int i = 0; i < n; i++) {
            dims.put(in.readUTF(), KeyTable.read(in));
        }
        KeyTable sources = in.readBoolean() ? KeyTable.read(in) : null;
        return new Slot(from, to, (int) level, Map.copyOf(dims), sources, records, bytes, packets, protocols, src, dst, ses);
    }

    /** Adds this slot's arrays to {@code seen} and returns the bytes of those not seen before. */
    long retainedBytes(IdentityHashMap<Object, Boolean> seen) {
        long b = 0;
        if (seen.put(this, Boolean.TRUE) == null) {
            b += 128 + 16 + protocols.length * 8L + 3L * (16 + srcHll.length);
        }
        for (KeyTable t : dims.values()) {
            if (seen.put(t, Boolean.TRUE) == null) {
                b += t.retainedBytes();
            }
        }
        if (sources != null && seen.put(sources, Boolean.TRUE) == null) {
            b += sources.retainedBytes();
        }
        return b;
    }

    long trackedKeys() {
        long n = sources == null ? 0 : sources.size();
        for (KeyTable t : dims.values()) {
            n += t.size();
        }
        return n;
    }
}
