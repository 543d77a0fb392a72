package org.flowlens.aggregate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HllTest {
    @Test
    void globalSketchIsWithinFourStandardErrors() {
        for (int n : new int[] {10, 1000, 50_000, 1_000_000}) {
            byte[] regs = new byte[1 << Pane.GLOBAL_P];
            for (int i = 0; i < n; i++) {
                Hll.add8(regs, Pane.GLOBAL_P, Hll.mix(i, 12345));
                Hll.add8(regs, Pane.GLOBAL_P, Hll.mix(i, 12345)); // duplicates change nothing
            }
            double err = Math.abs(Hll.estimate8(regs) - n) / (double) n;
            assertTrue(err <= 4 * Hll.relativeError(Pane.GLOBAL_P), n + ": " + err);
        }
    }

    @Test
    void smallPackedSketchAveragesToItsStatedError() {
        int p = Pane.SOURCE_P;
        for (int n : new int[] {5, 50, 500, 20_000}) {
            double sumSq = 0;
            int trials = 200;
            for (int t = 0; t < trials; t++) {
                byte[] regs = new byte[(1 << p) / 2 + 3];
                for (int i = 0; i < n; i++) {
                    Hll.add4(regs, 3, p, Hll.mix(i, t));
                }
                double rel = (Hll.estimate4(regs, 3, p) - n) / (double) n;
                sumSq += rel * rel;
            }
            double rms = Math.sqrt(sumSq / trials);
            assertTrue(rms <= 1.5 * Hll.relativeError(p), n + ": rms " + rms);
        }
    }

    @Test
    void mergingIsTheSketchOfTheUnion() {
        int p = Pane.SOURCE_P;
        byte[] a = new byte[16], b = new byte[16], u = new byte[16];
        for (int i = 0; i < 300; i++) {
            Hll.add4(i % 2 == 0 ? a : b, 0, p, Hll.mix(i, 1));
            Hll.add4(u, 0, p, Hll.mix(i, 1));
        }
        Hll.merge4(a, 0, b, 0, 16);
        assertTrue(java.util.Arrays.equals(u, b));
    }
}
