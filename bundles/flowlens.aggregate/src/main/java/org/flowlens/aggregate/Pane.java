package org.flowlens.aggregate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;

/**
 * What the ingest thread writes into: one mutable table per dimension plus totals, per-protocol
 * totals, distinct-count sketches and the per-source distinct tracker, all for one time bucket.
 * The refresh thread takes it over (under the ingest lock), freezes it into a {@link Slot} part
 * and hands it back cleared for reuse.
 *
 * <p>A record touches each table once, for the bucket it falls in; the windows are built from the
 * buckets at refresh. Not every dimension has a table on the hot path: {@code protocol} alone is
 * taken from the per-protocol counters when the pane is frozen, and dimensions of one
 * {@link #FAMILIES family} share a table while it holds every key. Runs of records are read once
 * into columns ({@link Run}), keys and hashes are built per table with a loop per field, the hash of
 * the source address serves both the tracker and the {@code src_addr} dimension, and nothing is
 * allocated per record.
 */
final class Pane {
    static final int GLOBAL_P = 12;
    static final int SOURCE_P = 5;
    /** Two 4-bit sketches of 2^SOURCE_P registers: distinct destinations, distinct destination ports. */
    static final int SOURCE_PAYLOAD = 2 * (1 << SOURCE_P) / 2;
    /** Records one addAll call handles at most. */
    static final int RUN = Run.MAX;

    /**
     * Fields that take few values together in real traffic: configured dimensions built only from
     * the fields of one family share one table in the pane, keyed by the union of their fields, and
     * are derived from it when the pane is frozen. Exact while that table holds every key it meets:
     * before it would have to purge, the dimensions are derived from it and then counted on their
     * own for the rest of the bucket.
     */
    static final List<Set<Field>> FAMILIES = List.of(
            EnumSet.of(Field.EXPORTER, Field.IN_IF, Field.OUT_IF, Field.IN_IF_NAME, Field.OUT_IF_NAME, Field.DIRECTION,
                    Field.VLAN),
            EnumSet.of(Field.SRC_COUNTRY, Field.SRC_ASN, Field.SRC_AS_NAME),
            EnumSet.of(Field.DST_COUNTRY, Field.DST_ASN, Field.DST_AS_NAME));

    private static final Dimension SRC_ADDR = Dimension.parse("src_addr");

    final Dimension[] dims;
    final KeyTable[] tables;
    final KeyTable sources;
    private final Share[] shares;
    /** Per dimension: whether the per-protocol counters fill it. */
    private final boolean[] fromProtocols;

    long bucket;
    long startMillis, endMillis;
    long records, bytes, packets;
    final long[] protocols = new long[256 * 3];
    final byte[] srcHll = new byte[1 << GLOBAL_P];
    final byte[] dstHll = new byte[1 << GLOBAL_P];
    final byte[] sessionHll = new byte[1 << GLOBAL_P];

    /** A table that serves several dimensions of one family while it holds every key. */
    private static final class Share {
        final Dimension base;
        final KeyTable table;
        /** Index of the base among the configured dimensions, -1 when it is a table of its own. */
        final int baseIndex;
        final int[] members;
        final int[][] maps;
        boolean shared = true;

        Share(Dimension base, KeyTable table, int baseIndex, int[] members, int[][] maps) {
            this.base = base;
            this.table = table;
            this.baseIndex = baseIndex;
            this.members = members;
            this.maps = maps;
        }
    }

    /** A plan of the shared tables for a list of dimensions: which dimension each serves, and its key. */
    static final class Plan {
        final List<Dimension> bases = new ArrayList<>();
        final List<int[]> members = new ArrayList<>();

        /** The shared tables that are not configured dimensions themselves (the memory model counts them). */
        List<Dimension> extraTables(List<Dimension> dims) {
            List<Dimension> out = new ArrayList<>();
            for (Dimension b : bases) {
                boolean configured = false;
                for (Dimension d : dims) {
                    configured |= d.spec.equals(b.spec);
                }
                if (!configured) {
                    out.add(b);
                }
            }
            return out;
        }
    }

    static Plan plan(List<Dimension> dims) {
        Plan plan = new Plan();
        for (Set<Field> family : FAMILIES) {
            List<Integer> in = new ArrayList<>();
            Dimension union = null;
            for (int i = 0; i < dims.size(); i++) {
                Dimension d = dims.get(i);
                if (!d.isProtocol() && family.containsAll(Arrays.asList(d.fields))) {
                    in.add(i);
                    union = union == null ? d : Dimension.union(union, d);
                }
            }
            if (in.size() >= 2) {
                plan.bases.add(union);
                plan.members.add(in.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        return plan;
    }

    Pane(List<Dimension> dimensions, int[] capacities, int sourceCapacity) {
        int n = dimensions.size();
        dims = dimensions.toArray(new Dimension[0]);
        tables = new KeyTable[n];
        fromProtocols = new boolean[n];
        for (int i = 0; i < n; i++) {
            Dimension d = dims[i];
            tables[i] = new KeyTable(d.words, d.objects, 0, capacities[i], KeyTable.Mode.SUBTRACT, KeyTable.BYTES);
            fromProtocols[i] = d.isProtocol();
        }
        sources = new KeyTable(2, 0, SOURCE_PAYLOAD, sourceCapacity, KeyTable.Mode.SUBTRACT, KeyTable.FLOWS);
        Plan plan = plan(dimensions);
        shares = new Share[plan.bases.size()];
        Set<Field> fields = EnumSet.noneOf(Field.class);
        int mw = 2, mo = 0;
        for (int g = 0; g < shares.length; g++) {
            Dimension base = plan.bases.get(g);
            int baseIndex = -1;
            for (int i = 0; i < n; i++) {
                if (dims[i].spec.equals(base.spec)) {
                    baseIndex = i;
                }
            }
            int[] members = plan.members.get(g);
            int[][] maps = new int[members.length][];
            for (int m = 0; m < members.length; m++) {
                maps[m] = dims[members[m]].projectionFrom(base);
            }
            KeyTable table = baseIndex >= 0 ? tables[baseIndex]
                    : new KeyTable(base.words, base.objects, 0, sharedCapacity(base, sourceCapacity), KeyTable.Mode.SUBTRACT,
                            KeyTable.BYTES);
            shares[g] = new Share(base, table, baseIndex, members, maps);
            Collections.addAll(fields, base.fields);
            mw = Math.max(mw, base.words);
            mo = Math.max(mo, base.objects);
        }
        for (Dimension d : dims) {
            Collections.addAll(fields, d.fields);
            mw = Math.max(mw, d.words);
            mo = Math.max(mo, d.objects);
        }
        run = new Run(fields);
        runKeys = new long[RUN * mw];
        runObjects = new Object[Math.max(1, RUN * mo)];
        projected = new long[mw];
        projectedObjects = new Object[Math.max(1, mo)];
        activeDims = new Dimension[n + shares.length];
        activeTables = new KeyTable[n + shares.length];
        activeSrc = new boolean[n + shares.length];
        activate();
    }

    /** Keys a shared table that is not a configured dimension may hold. */
    static int sharedCapacity(Dimension base, int capacity) {
        return base.distinct > 0 && base.distinct < capacity ? (int) base.distinct : capacity;
    }

    /** Lists the tables the records go to: each dimension not derived from another table, and the shared tables. */
    private void activate() {
        int k = 0;
        boolean[] derived = fromProtocols.clone();
        for (Share g : shares) {
            if (g.shared) {
                for (int m : g.members) {
                    derived[m] = m != g.baseIndex;
                }
                if (g.baseIndex < 0) {
                    activeDims[k] = g.base;
                    activeTables[k++] = g.table;
                }
            }
        }
        for (int i = 0; i < dims.length; i++) {
            if (!derived[i]) {
                activeDims[k] = dims[i];
                activeTables[k++] = tables[i];
            }
        }
        for (int i = 0; i < k; i++) {
            activeSrc[i] = activeDims[i].spec.equals(SRC_ADDR.spec);
        }
        active = k;
    }

    void start(long bucketIndex, long bucketMillis) {
        bucket = bucketIndex;
        startMillis = bucketIndex * bucketMillis;
        endMillis = startMillis + bucketMillis;
    }

    private final Run run;
    private final FlowRecord[] recs = new FlowRecord[RUN];
    private final long[] dstHash = new long[RUN];
    private final long[] srcKeys = new long[RUN * 2];
    private final int[] srcHashes = new int[RUN];
    private final boolean[] srcRepeat = new boolean[RUN];
    private final int[] runHashes = new int[RUN];
    private final long[] partial = new long[RUN];
    private final boolean[] repeat = new boolean[RUN];
    private final long[] runKeys;
    private final Object[] runObjects;
    private final long[] projected;
    private final Object[] projectedObjects;
    private final Dimension[] activeDims;
    private final KeyTable[] activeTables;
    private final boolean[] activeSrc;
    private int active;
    /** Keeps the loads of {@link KeyTable#touch} from being optimized away. */
    int touched;
    /** Shared tables that met more keys than they hold and handed their dimensions over (for tests). */
    int handovers;

    /**
     * Adds the records {@code batch.get(sel[0..n))}, at most {@link #RUN} of them. The records are
     * read once into the columns of a {@link Run}; then table by table: keys and hashes of the run
     * first, then one pass that loads the index slots they fall on (the cache misses of the run
     * overlap), then the updates.
     */
    void addAll(FlowBatch batch, int[] sel, int n) {
        FlowRecord[] rs = recs;
        for (int j = 0; j < n; j++) {
            rs[j] = batch.get(sel[j]);
        }
        Run c = run;
        c.load(rs, n);
        Arrays.fill(rs, 0, n, null);
        fixed(c, n);
        for (Share g : shares) {
            if (g.shared && g.table.size() + n > g.table.capacity) {
                unshare(g);
            }
        }
        int sink = sources(c, n);
        long[] kb = runKeys;
        Object[] ob = runObjects;
        int[] hs = runHashes;
        long[] bs = c.bytes, ps = c.packets;
        for (int i = 0; i < active; i++) {
            Dimension d = activeDims[i];
            KeyTable t = activeTables[i];
            long[] keys;
            int[] hashes;
            boolean[] rep;
            int w = d.words, o = d.objects;
            if (activeSrc[i]) {
                keys = srcKeys;
                hashes = srcHashes;
                rep = srcRepeat;
            } else {
                keys = kb;
                hashes = hs;
                rep = repeat;
                d.keys(c, n, kb, ob);
                d.hashes(c, n, kb, partial, hs);
                // a key equal to the one before it (same exporter, protocol, country... in a row)
                // reuses that entry without a lookup
                rep[0] = false;
                for (int j = 1; j < n; j++) {
                    rep[j] = hs[j] == hs[j - 1] && sameAsPrevious(kb, j * w, w, ob, j * o, o);
                }
            }
            sink += t.touch(hashes, n);
            int id = -1;
            for (int j = 0; j < n; j++) {
                if (rep[j]) {
                    t.bump(id, bs[j], ps[j], 1);
                } else {
                    id = t.add(keys, j * w, ob, j * o, hashes[j], bs[j], ps[j], 1);
                }
            }
        }
        if (ob.length > 1) {
            Arrays.fill(ob, 0, n * (ob.length / RUN), null);
        }
        c.release();
        touched += sink;
    }

    /** Totals, per-protocol counters and the global distinct sketches. */
    private void fixed(Run c, int n) {
        long[] bs = c.bytes, ps = c.packets;
        long[] sh = c.hi[Field.SRC_ADDR.ordinal()], sl = c.lo[Field.SRC_ADDR.ordinal()];
        long[] dh = c.hi[Field.DST_ADDR.ordinal()], dl = c.lo[Field.DST_ADDR.ordinal()];
        long[] sp = c.hi[Field.SRC_PORT.ordinal()], dp = c.hi[Field.DST_PORT.ordinal()];
        long[] pr = c.hi[Field.PROTOCOL.ordinal()];
        long[] proto = protocols;
        long rb = 0, rp = 0;
        for (int j = 0; j < n; j++) {
            long b = bs[j], p = ps[j];
            rb += b;
            rp += p;
            int x = (int) pr[j] * 3;
            proto[x] += b;
            proto[x + 1] += p;
            proto[x + 2]++;
            long hs = Hll.mix(sh[j], sl[j]);
            long hd = Hll.mix(dh[j], dl[j]);
            dstHash[j] = hd;
            Hll.add8(srcHll, GLOBAL_P, hs);
            Hll.add8(dstHll, GLOBAL_P, hd);
            Hll.add8(sessionHll, GLOBAL_P, Hll.mix(hs ^ Long.rotateLeft(hd, 17), (sp[j] << 24) | (dp[j] << 8) | pr[j]));
        }
        records += n;
        bytes += rb;
        packets += rp;
    }

    /** The per-source distinct tracker; leaves the source keys and hashes for the src_addr dimension. */
    private int sources(Run c, int n) {
        long[] k = srcKeys;
        SRC_ADDR.keys(c, n, k, null);
        int[] hs = srcHashes;
        boolean[] rep = srcRepeat;
        SRC_ADDR.hashes(c, n, k, partial, hs);
        rep[0] = false;
        for (int j = 1; j < n; j++) {
            rep[j] = hs[j] == hs[j - 1] && k[2 * j] == k[2 * j - 2] && k[2 * j + 1] == k[2 * j - 1];
        }
        KeyTable t = sources;
        int sink = t.touch(hs, n);
        long[] bs = c.bytes, ps = c.packets;
        long[] dp = c.hi[Field.DST_PORT.ordinal()], pr = c.hi[Field.PROTOCOL.ordinal()];
        int half = SOURCE_PAYLOAD / 2;
        int id = -1;
        for (int j = 0; j < n; j++) {
            if (rep[j]) {
                t.bump(id, bs[j], ps[j], 1);
            } else {
                id = t.add(k, 2 * j, null, 0, hs[j], bs[j], ps[j], 1);
            }
            byte[] pay = t.payload();
            int off = t.payloadOffset(id);
            Hll.add4(pay, off, SOURCE_P, dstHash[j]);
            Hll.add4(pay, off + half, SOURCE_P, Hll.mix((dp[j] << 8) | pr[j]));
        }
        return sink;
    }

    /** Derives the members of a shared table from it, and counts them on their own from now on. */
    private void unshare(Share g) {
        handovers++;
        derive(g);
        g.shared = false;
        activate();
    }

    private void derive(Share g) {
        KeyTable b = g.table;
        long[] k = b.keyWords();
        Object[] o = b.keyObjects();
        for (int m = 0; m < g.members.length; m++) {
            int i = g.members[m];
            if (i == g.baseIndex) {
                continue;
            }
            Dimension d = dims[i];
            KeyTable t = tables[i];
            for (int id = 0; id < b.size(); id++) {
                d.project(g.base, g.maps[m], k, b.keyOffset(id), o, b.objectOffset(id), projected, projectedObjects);
                t.add(projected, projectedObjects, b.bytes(id), b.packets(id), b.flows(id));
            }
            Arrays.fill(projectedObjects, null);
        }
    }

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

    /** Fills the derived tables and gives every table the pane's totals, before freezing. */
    void settle() {
        for (Share g : shares) {
            if (g.shared) {
                derive(g);
                g.shared = false;
            }
        }
        long[] key = projected;
        for (int i = 0; i < dims.length; i++) {
            if (fromProtocols[i] && tables[i].size() == 0) {
                for (int p = 0; p < 256; p++) {
                    if (protocols[p * 3 + 2] != 0) {
                        key[0] = p;
                        tables[i].add(key, projectedObjects, protocols[p * 3], protocols[p * 3 + 1], protocols[p * 3 + 2]);
                    }
                }
            }
        }
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
        for (Share g : shares) {
            if (g.baseIndex < 0) {
                g.table.clear();
            }
            g.shared = true;
        }
        activate();
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
        for (Share g : shares) {
            if (g.baseIndex < 0) {
                b += g.table.retainedBytes();
            }
        }
        return b;
    }

    long trackedKeys() {
        long n = sources.size();
        for (KeyTable t : tables) {
            n += t.size();
        }
        for (Share g : shares) {
            if (g.baseIndex < 0) {
                n += g.table.size();
            }
        }
        return n;
    }
}
