package org.flowlens.detect.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RingsTest {
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void sumsTheWindowAndForgetsWhatLeftIt() {
        Rings r = new Rings(4, 2, 5_000);
        for (int s = 0; s < 10; s++) {
            r.add(1, 0, 100, T0 + s * 1000L + 500);
            r.add(1, 1, 1, T0 + s * 1000L + 500);
        }
        long now = T0 + 9_600;
        assertEquals(500, r.sum(1, 0, now), "seconds 5..9");
        assertEquals(5, r.sum(1, 1, now));
        assertEquals(0, r.sum(0, 0, now));
        assertEquals(4_601, r.spanMillis(now));
        assertEquals(200, r.sum(1, 0, T0 + 12_100), "seconds 8 and 9 are still in the window ending at 12.1 s");
        assertTrue(r.idle(1, T0 + 14_000));
        assertTrue(!r.idle(1, T0 + 13_999));
        r.add(1, 0, 7, T0 + 30_000);
        assertEquals(7, r.sum(1, 0, T0 + 30_000), "a gap longer than the ring clears it");
    }

    @Test
    void windowChangesKeepTheCounts() {
        Rings r = new Rings(2, 1, 10_000);
        for (int s = 0; s < 10; s++) {
            r.add(0, 0, 10, T0 + s * 1000L);
        }
        long now = T0 + 9_500;
        assertEquals(100, r.sum(0, 0, now));
        r.window(5_000, now);
        assertEquals(50, r.sum(0, 0, now));
        r.window(120_000, now); // two-second buckets now
        assertEquals(2_000, r.bucketMillis());
        assertEquals(100, r.sum(0, 0, now), "re-bucketed, nothing lost");
        r.window(3_000, now); // back to one-second buckets: each two-second bucket lands on its first second
        assertEquals(1_000, r.bucketMillis());
        assertEquals(20, r.sum(0, 0, now));
    }

    @Test
    void longWindowsUseCoarserBuckets() {
        Rings r = new Rings(1, 1, 3_600_000);
        assertEquals(60_000, r.bucketMillis());
        for (int m = 0; m < 90; m++) {
            r.add(0, 0, 1, T0 + m * 60_000L);
        }
        assertEquals(60, r.sum(0, 0, T0 + 89 * 60_000L + 1));
    }
}
