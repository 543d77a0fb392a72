package org.flowlens.detect.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class KeyTableSavingTest {
    private static final long T0 = 1_700_000_000_000L;

    /** 300 keys over 90 s: two sums, contributors, a distinct set for every other key. */
    private static KeyTable filled(long window) {
        KeyTable t = new KeyTable(1000, 2, 3, 1, window);
        SplittableRandom rnd = new SplittableRandom(7);
        for (int s = 0; s < 90; s++) {
            long now = T0 + s * 1000L;
            for (int i = 0; i < 40; i++) {
                int k = rnd.nextInt(300);
                int e = t.entry(k, k * 31L, 1, now);
                t.add(e, 0, 100 + k, now);
                t.add(e, 1, 1, now);
                t.contribute(e, rnd.nextInt(5), 0, 80, 10);
                t.sampled(e, 1 + k % 3);
                if (k % 2 == 0) {
                    t.set(e, 0).add(rnd.nextInt(50), 0, s, s - 59, 1000);
                }
            }
        }
        return t;
    }

    private static byte[] bytes(KeyTable t) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(b)) {
            t.write(out);
        }
        return b.toByteArray();
    }

    private static KeyTable read(byte[] b) throws IOException {
        return KeyTable.read(new DataInputStream(new ByteArrayInputStream(b)), b.length / 20);
    }

    private static void assertSame(KeyTable a, KeyTable b, long now) {
        assertEquals(a.size(), b.size());
        long total = 0;
        for (int e = 0; e < a.capacity(); e++) {
            if (!a.used(e)) {
                continue;
            }
            int f = b.find(a.hi(e), a.lo(e), a.tag(e));
            assertTrue(f >= 0, "key " + a.hi(e));
            assertEquals(a.sum(e, 0, now), b.sum(f, 0, now));
            total += a.sum(e, 0, now);
            assertEquals(a.sum(e, 1, now), b.sum(f, 1, now));
            assertEquals(a.idle(e, now), b.idle(f, now));
            assertEquals(a.top(e, 3), b.top(f, 3));
            assertEquals(a.scale(e), b.scale(f));
            DistinctWindow x = a.setIfPresent(e, 0), y = b.setIfPresent(f, 0);
            if (x == null) {
                assertNull(y);
            } else {
                assertEquals(x.count(30), y.count(30));
                assertEquals(x.sample(0, 100).stream().map(Arrays::toString).toList(),
                        y.sample(0, 100).stream().map(Arrays::toString).toList());
            }
        }
        assertTrue(total > 0, "the comparison saw sums");
    }

    @Test
    void aTableReadBackAnswersAsTheOneWritten() throws IOException {
        for (long window : new long[] {60_000, 300_000}) {
            KeyTable t = filled(window);
            KeyTable r = read(bytes(t));
            long now = T0 + 89_500;
            assertSame(t, r, now);
            assertSame(t, r, now + 30_000);
            // a window changed afterwards re-buckets both alike
            t.window(20_000, now);
            r.window(20_000, now);
            assertSame(t, r, now);
            t.window(600_000, now);
            r.window(600_000, now);
            assertSame(t, r, now);
        }
    }

    @Test
    void aTableReadBackTakesItsNewBounds() throws IOException {
        KeyTable r = read(bytes(filled(60_000)));
        r.maxKeys(100);
        assertEquals(100, r.size());
        r.maxKeys(5000);
        assertTrue(r.entry(123_456, 0, 1, T0) >= 0, "room again");
    }

    @Test
    void damagedInputIsRefusedWithAnIoException() throws IOException {
        byte[] b = bytes(filled(60_000));
        for (int cut : new int[] {0, 5, 30, b.length / 3, b.length - 1}) {
            assertThrows(IOException.class, () -> read(Arrays.copyOf(b, cut)), "cut at " + cut);
        }
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 200; i++) {
            byte[] x = b.clone();
            for (int j = 0; j < 4; j++) {
                x[rnd.nextInt(Math.min(x.length, 400))] = (byte) rnd.nextInt();
            }
            try {
                read(x);
            } catch (IOException expected) {
                // refused: fine; anything else (an overflow, an allocation of the whole heap) is not
            }
        }
    }
}
