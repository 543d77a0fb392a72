package org.flowlens.aggregate;

import java.util.Arrays;
import java.util.List;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;

/**
 * What the ingest thread writes into: one mutable table per dimension plus totals, per-protocol
 * totals, distinct-count sketches and the per-source distinct tracker, all for one time bucket.
 * The refresh thread takes it over (under the ingest lock), freezes it into a {@link Slot} part
 * and hands it back cleared for reuse.
 */
final class Pane {
    static final int GLOBAL_P = 12;
    static final int SOURCE_P = 5;
    /** Two 4-bit sketches of 2^SOURCE_P registers: distinct destinations, distinct destination ports. */
    static final int SOURCE_PAYLOAD = 2 * (1 << SOURCE_P) / 2;

    final Dimension[] dims;
    final KeyTable[] tables;
    final KeyTable sources;
    private final long[] sourceKey = new long[2];
    private final Object[] noObjects = new Object[0];

    long bucket;
    long startMillis, endMillis;
    long records, bytes, packets;
    final long[] protocols = new long[256 * 3];
    final byte[] srcHll = new byte[1 << GLOBAL_P];
    final byte[] dstHll = new byte[1 << GLOBAL_P];
    final byte[] sessionHll = new byte[1 << GLOBAL_P];

    Pane(List<Dimension> dimensions, int[] capacities, int sourceCapacity) {
        int n = dimensions.size();
        dims = dimensions.toArray(new Dimension[0]);
        tables = new KeyTable[n];
        for (int i = 0; i < n; i++) {
            Dimension d = dims[i];
            tables[i] = new KeyTable(d.words, d.objects, 0, capacities[i], KeyTable.Mode.SUBTRACT, KeyTable.BYTES);
        }
        sources = new KeyTable(2, 0, SOURCE_PAYLOAD, sourceCapacity, KeyTable.Mode.SUBTRACT, KeyTable.FLOWS);
        int mw = 1, mo = 0;
        for (Dimension d : dims) {
            mw = Math.max(mw, d.words);
            mo = Math.max(mo, d.objects);
        }
        runKeys = new long[RUN * mw];
        runObjects = new Object[Math.max(1, RUN * mo)];
        maxObjects = mo;
    }

    void start(long bucketIndex, long bucketMillis) {
        bucket = bucketIndex;
        startMillis = bucketIndex * bucketMillis;
        endMillis = startMillis + bucketMillis;
    }

    /**
     * Adds the records {@code batch.get(sel[0..n))}, at most {@link #RUN} of them. Dimension by
     * dimension: keys and hashes of the run first, then one pass that loads the index slots they
     * fall on (the cache misses of the run overlap), then the updates.
     */
    void addAll(FlowBatch batch, int[] sel, int n) {
        FlowRecord[] rs = run;
        for (int j = 0; j < n; j++) {
            FlowRecord r = batch.get(sel[j]);
            rs[j] = r;
            runBytes[j] = Math.max(0, r.bytes());
            runPackets[j] = Math.max(0, r.packets());
            add(r);
        }
        Dimension[] ds = dims;
        KeyTable[] ts = tables;
        long[] kb = runKeys;
        Object[] ob = runObjects;
        int[] hs = runHashes;
        int sink = 0;
        for (int i = 0; i < ds.length; i++) {
            Dimension d = ds[i];
            KeyTable t = ts[i];
            int w = d.words, o = d.objects;
            // keys of the run; a key equal to the one before it (same exporter, protocol, country...
            // in a row) is marked with hash 0 and reuses that entry without a lookup
            for (int j = 0; j < n; j++) {
                int kw = j * w, kobj = j * o;
                d.extract(rs[j], kb, kw, ob, kobj);
                repeat[j] = j > 0 && sameAsPrevious(kb, kw, w, ob, kobj, o);
                hs[j] = repeat[j] ? 0 : KeyTable.hash(kb, kw, w, ob, kobj, o);
            }
            sink += t.touch(hs, n);
            int id = -1;
            for (int j = 0; j < n; j++) {
                if (repeat[j]) {
                    t.bump(id, runBytes[j], runPackets[j], 1);
                } else {
                    id = t.add(kb, j * w, ob, j * o, hs[j], runBytes[j], runPackets[j], 1);
                }
            }
        }
        java.util.Arrays.fill(ob, 0, n * maxObjects, null);
        java.util.Arrays.fill(rs, 0, n, null);
        touched += sink;
    }

    /** Records one addAll call handles at most. */
    static final int RUN = 64;
    private final FlowRecord[] run = new FlowRecord[RUN];
    private final long[] runBytes = new long[RUN];
    private final long[] runPackets = new long[RUN];
    private final int[] runHashes = new int[RUN];
    private final boolean[] repeat = new boolean[RUN];
    private final long[] runKeys;
    private final Object[] runObjects;
    private final int maxObjects;
    /** Keeps the loads of {@link KeyTable#touch} from being optimized away. */
    int touched;

    private static boolean sameAsPrevious(long[] kb, int kw, int w, Object[] ob, int ko, int o) {
        for (int i = 0; i < w; i++) {
            if (kb[kw + i] != kb[kw - w + i]) {
                return false;
            }
        }
        for (int i = 0; i < o; i++) {
            if (!KeyTable.sameObject(ob[ko + i], ob[ko - o + i])) {
                return false;
            }
        }
        return true;
    }

    /** Everything but the dimension tables, for one record. */
    private void add(FlowRecord r) {
        long b = Math.max(0, r.bytes());
        long p = Math.max(0, r.packets());
        records++;
        bytes += b;
        packets += p;
        int proto = r.protocol() & 0xFF;
        protocols[proto * 3] += b;
        protocols[proto * 3 + 1] += p;
        protocols[proto * 3 + 2]++;
        long srcHi = r.srcHi(), srcLo = r.srcLo();
        long hs = Hll.mix(srcHi, srcLo);
        long hd = Hll.mix(r.dstHi(), r.dstLo());
        int ports = ((r.dstPort() & 0xFFFF) << 8) | proto;
        Hll.add8(srcHll, GLOBAL_P, hs);
        Hll.add8(dstHll, GLOBAL_P, hd);
        Hll.add8(sessionHll, GLOBAL_P, Hll.mix(hs ^ Long.rotateLeft(hd, 17), ((long) (r.srcPort() & 0xFFFF) << 24) | ports));
        sourceKey[0] = srcHi;
        sourceKey[1] = srcLo;
        int id = sources.add(sourceKey, noObjects, b, p, 1);
        byte[] pay = sources.payload();
        int off = sources.payloadOffset(id);
        Hll.add4(pay, off, SOURCE_P, hd);
        Hll.add4(pay, off + SOURCE_PAYLOAD / 2, SOURCE_P, Hll.mix(ports));
    }

    /** Gives every table the pane's totals, before freezing. */
    void settle() {
        for (KeyTable t : tables) {
            t.totals(bytes, packets, records);
        }
        sources.totals(bytes, packets, records);
    }

    boolean isEmpty() {
        return records == 0;
    }

    void clear() {
        for (KeyTable t : tables) {
            t.clear();
        }
        sources.clear();
        records = bytes = packets = 0;
        Arrays.fill(protocols, 0);
        Arrays.fill(srcHll, (byte) 0);
        Arrays.fill(dstHll, (byte) 0);
        Arrays.fill(sessionHll, (byte) 0);
    }

    long retainedBytes() {
        long b = 256 + protocols.length * 8L + 3L * (16 + srcHll.length) + sources.retainedBytes();
        for (KeyTable t : tables) {
            b += t.retainedBytes();
        }
        return b;
    }

    long trackedKeys() {
        long n = sources.size();
        for (KeyTable t : tables) {
            n += t.size();
        }
        return n;
    }
}
