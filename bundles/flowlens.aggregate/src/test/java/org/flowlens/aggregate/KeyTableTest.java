package org.flowlens.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.flowlens.api.query.ErrorBound;
import org.flowlens.api.query.Metric;
import org.junit.jupiter.api.Test;

/** The bounded table against brute force: exact when keys fit, within its reported bounds otherwise. */
class KeyTableTest {
    /** Feeds a stream of (key, bytes, packets) into a table and a brute-force map. */
    private static Map<Long, long[]> feed(KeyTable t, int n, int keys, double skew, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Streams.Zipf z = skew > 0 ? new Streams.Zipf(keys, skew) : null;
        Map<Long, long[]> truth = new HashMap<>();
        long[] k = new long[2];
        long tb = 0, tp = 0;
        for (int i = 0; i < n; i++) {
            long key = z != null ? z.next(rnd) : rnd.nextInt(keys);
            long b = 1 + rnd.nextInt(1500);
            long p = 1 + rnd.nextInt(20);
            k[0] = key * 0x9E3779B97F4A7C15L;
            k[1] = key;
            t.add(k, null, b, p, 1);
            tb += b;
            tp += p;
            long[] v = truth.computeIfAbsent(key, x -> new long[3]);
            v[0] += b;
            v[1] += p;
            v[2]++;
        }
        t.totals(tb, tp, n);
        return truth;
    }

    private static long[] stored(KeyTable t, long key) {
        long[] k = {key * 0x9E3779B97F4A7C15L, key};
        int id = t.find(k, 0, null, 0);
        return id < 0 ? new long[3] : new long[] {t.bytes(id), t.packets(id), t.flows(id)};
    }

    /** For every key and counter: stored ≤ true ≤ stored + bound. */
    private static void assertWithinBounds(KeyTable t, Map<Long, long[]> truth) {
        ErrorBound e = t.error();
        long[] bound = {e.bytes(), e.packets(), e.flows()};
        for (Map.Entry<Long, long[]> en : truth.entrySet()) {
            long[] s = stored(t, en.getKey());
            for (int m = 0; m < 3; m++) {
                long tv = en.getValue()[m];
                assertTrue(s[m] <= tv, "key " + en.getKey() + " metric " + m + " stored " + s[m] + " > true " + tv);
                assertTrue(tv <= s[m] + bound[m], "key " + en.getKey() + " metric " + m + " true " + tv + " > stored "
                        + s[m] + " + bound " + bound[m]);
            }
        }
    }

    private static long total(Map<Long, long[]> truth, int m) {
        long s = 0;
        for (long[] v : truth.values()) {
            s += v[m];
        }
        return s;
    }

    @Test
    void exactWhenTheKeysFit() {
        KeyTable t = new KeyTable(2, 0, 0, 2000, KeyTable.Mode.SUBTRACT, KeyTable.BYTES);
        Map<Long, long[]> truth = feed(t, 100_000, 1500, 0, 1);
        assertEquals(truth.size(), t.size());
        assertTrue(t.error().exact());
        for (Map.Entry<Long, long[]> e : truth.entrySet()) {
            assertEquals(e.getValue()[0], stored(t, e.getKey())[0]);
            assertEquals(e.getValue()[1], stored(t, e.getKey())[1]);
            assertEquals(e.getValue()[2], stored(t, e.getKey())[2]);
        }
        assertEquals(total(truth, 0), t.totalBytes());
    }

    @Test
    void skewedStreamStaysWithinTheBoundAndKeepsTheHeavyHitters() {
        int capacity = 1000;
        KeyTable t = new KeyTable(2, 0, 0, capacity, KeyTable.Mode.SUBTRACT, KeyTable.BYTES);
        Map<Long, long[]> truth = feed(t, 400_000, 200_000, 1.1, 2);
        assertTrue(t.size() <= capacity);
        assertWithinBounds(t, truth);
        long w = total(truth, 0);
        assertTrue(t.error().bytes() > 0, "the stream must have overflowed the table");
        assertTrue(t.error().bytes() <= 2 * w / capacity, "Misra-Gries bound 2W/k: " + t.error().bytes() + " vs " + 2 * w / capacity);
        // every key heavier than the bound is held, and the top 10 come out in the true order of the heaviest
        for (Map.Entry<Long, long[]> e : truth.entrySet()) {
            if (e.getValue()[0] > t.error().bytes()) {
                assertTrue(stored(t, e.getKey())[0] > 0, "heavy key " + e.getKey() + " lost");
            }
        }
        int[] top = t.top(Metric.BYTES, 10);
        assertEquals(10, top.length);
        for (int i = 0; i < 10; i++) {
            long key = t.keyWords()[t.keyOffset(top[i]) + 1];
            assertTrue(key < 15, "rank " + i + " is key " + key);
        }
    }

    @Test
    void uniformStreamStaysWithinTheBound() {
        int capacity = 500;
        KeyTable t = new KeyTable(2, 0, 0, capacity, KeyTable.Mode.SUBTRACT, KeyTable.BYTES);
        Map<Long, long[]> truth = feed(t, 200_000, 20_000, 0, 3);
        assertWithinBounds(t, truth);
        assertTrue(t.error().bytes() <= 2 * total(truth, 0) / capacity);
    }

    @Test
    void largeTablesPurgeBySampleWithinTheBound() {
        // beyond KeyTable.SAMPLE entries the purge threshold is the median of a sample
        for (double skew : new double[] {1.1, 0}) {
            int capacity = 6000;
            KeyTable t = new KeyTable(2, 0, 0, capacity, KeyTable.Mode.SUBTRACT, KeyTable.BYTES);
            Map<Long, long[]> truth = feed(t, 600_000, 300_000, skew, 7);
            assertTrue(t.size() <= capacity);
            assertTrue(t.error().bytes() > 0, "the stream must have overflowed the table");
            assertWithinBounds(t, truth);
            long w = total(truth, 0);
            assertTrue(t.error().bytes() <= 2 * w / capacity, "bound " + t.error().bytes() + " vs 2W/k " + 2 * w / capacity);
        }
    }

    @Test
    void rankingByFlowsBoundsFlows() {
        int capacity = 300;
        KeyTable t = new KeyTable(2, 0, 0, capacity, KeyTable.Mode.SUBTRACT, KeyTable.FLOWS);
        Map<Long, long[]> truth = feed(t, 100_000, 10_000, 0.9, 4);
        assertWithinBounds(t, truth);
        assertTrue(t.error().flows() <= 2 * total(truth, 2) / capacity);
    }

    @Test
    void mergedTablesKeepAdditiveBounds() {
        int capacity = 400;
        KeyTable a = new KeyTable(2, 0, 0, capacity, KeyTable.Mode.SUBTRACT, KeyTable.BYTES);
        KeyTable b = new KeyTable(2, 0, 0, capacity, KeyTable.Mode.SUBTRACT, KeyTable.BYTES);
        Map<Long, long[]> ta = feed(a, 100_000, 30_000, 1.0, 5);
        Map<Long, long[]> tb = feed(b, 100_000, 30_000, 1.0, 6);
        KeyTable acc = a.emptyLike(2 * capacity);
        acc.addAll(a.frozenCopy(capacity), null);
        acc.addAll(b.frozenCopy(capacity), null);
        KeyTable merged = acc.frozenCopy(capacity);
        Map<Long, long[]> truth = new HashMap<>(ta);
        tb.forEach((k, v) -> truth.merge(k, v, (x, y) -> new long[] {x[0] + y[0], x[1] + y[1], x[2] + y[2]}));
        assertTrue(merged.size() <= capacity);
        assertWithinBounds(merged, truth);
        assertEquals(total(truth, 0), merged.totalBytes());
        assertTrue(merged.error().bytes() <= 2 * total(truth, 0) / capacity * 2, "bound " + merged.error().bytes());
    }

    @Test
    void evictingCountersOnlyGrowAndStayWithinTheirBound() {
        KeyTable t = new KeyTable(2, 0, 0, 200, KeyTable.Mode.EVICT, KeyTable.BYTES);
        Map<Long, long[]> truth = new HashMap<>();
        Map<Long, Long> previous = new HashMap<>();
        for (int round = 0; round < 20; round++) {
            Map<Long, long[]> part = feed(t, 5000, 2000, 1.0, 100 + round);
            part.forEach((k, v) -> truth.merge(k, v, (x, y) -> new long[] {x[0] + y[0], x[1] + y[1], x[2] + y[2]}));
            KeyTable snap = t.frozenCopy(200);
            Map<Long, Long> now = new HashMap<>();
            for (int id = 0; id < snap.size(); id++) {
                long key = snap.keyWords()[snap.keyOffset(id) + 1];
                now.put(key, snap.bytes(id));
                Long before = previous.get(key);
                // the heaviest keys stay above every eviction threshold: their counters only grow
                // (a light key may be evicted and come back from zero: a counter reset)
                if (key < 5) {
                    assertTrue(before != null || round == 0, "heavy key " + key + " was evicted");
                    assertTrue(before == null || before <= snap.bytes(id), "counter of " + key + " fell");
                }
            }
            previous = now;
        }
        assertWithinBounds(t, truth);
    }

    @Test
    void equalStringsAreOneKeyAndNullIsAKey() {
        KeyTable t = new KeyTable(1, 1, 0, 10, KeyTable.Mode.SUBTRACT, KeyTable.BYTES);
        long[] k = {7};
        t.add(k, new Object[] {"example.com"}, 10, 1, 1);
        t.add(k, new Object[] {new String("example.com")}, 5, 1, 1);
        t.add(k, new Object[] {null}, 3, 1, 1);
        t.add(k, new Object[] {null}, 4, 1, 1);
        assertEquals(2, t.size());
        assertEquals(15, t.bytes(t.find(k, 0, new Object[] {"example.com"}, 0)));
        assertEquals(7, t.bytes(t.find(k, 0, new Object[] {null}, 0)));
    }

    @Test
    void selectFindsTheKthSmallest() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (int n = 1; n < 200; n += 7) {
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = rnd.nextInt(20);
            }
            long[] sorted = v.clone();
            java.util.Arrays.sort(sorted);
            for (int k = 0; k < n; k++) {
                assertEquals(sorted[k], KeyTable.select(v.clone(), k));
            }
        }
    }

    @Test
    void aFullTableCostsAtMostItsEntryBound() {
        for (int[] shape : new int[][] {{5, 0, 0}, {2, 0, 0}, {1, 1, 0}, {2, 0, Pane.SOURCE_PAYLOAD}}) {
            int capacity = 10_000;
            KeyTable t = new KeyTable(shape[0], shape[1], shape[2], capacity, KeyTable.Mode.SUBTRACT, KeyTable.BYTES);
            long[] k = new long[shape[0]];
            Object[] o = new Object[shape[1]];
            for (int i = 0; i < 3 * capacity; i++) {
                k[0] = i;
                t.add(k, o, 1 + i % 7, 1, 1);
            }
            long perEntry = (t.retainedBytes() - 200) / capacity;
            assertTrue(perEntry <= KeyTable.bytesPerEntry(shape[0], shape[1], shape[2]), "shape " + java.util.Arrays.toString(shape) + ": " + perEntry);
            assertTrue(perEntry <= 100, "shape " + java.util.Arrays.toString(shape) + ": " + perEntry + " bytes per key");
        }
    }
}
