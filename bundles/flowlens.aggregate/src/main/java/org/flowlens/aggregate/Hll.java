package org.flowlens.aggregate;

/**
 * HyperLogLog distinct counting over 64-bit hashes, in two register layouts: one byte per register
 * for the global sketches, and four bits per register (ranks capped at 15) for the small per-source
 * sketches kept inside {@link KeyTable} payloads.
 */
final class Hll {
    private Hll() {}

    /** Relative standard error of a sketch with {@code 2^p} registers. */
    static double relativeError(int p) {
        return 1.04 / Math.sqrt(1 << p);
    }

    /** A finalizer that spreads any 64-bit value over all bits (SplitMix64). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static long mix(long a, long b) {
        return mix(a * 0x9E3779B97F4A7C15L ^ mix(b));
    }

    static void add8(byte[] regs, int p, long hash) {
        int idx = (int) (hash >>> (64 - p));
        int rank = Long.numberOfLeadingZeros((hash << p) | (1L << (p - 1))) + 1;
        if (regs[idx] < rank) {
            regs[idx] = (byte) rank;
        }
    }

    static void merge8(byte[] from, byte[] to) {
        for (int i = 0; i < to.length; i++) {
            if (from[i] > to[i]) {
                to[i] = from[i];
            }
        }
    }

    static long estimate8(byte[] regs) {
        double sum = 0;
        int zeros = 0;
        for (byte r : regs) {
            sum += Math.scalb(1.0, -r);
            if (r == 0) {
                zeros++;
            }
        }
        return finish(regs.length, sum, zeros);
    }

    /** Adds to a 4-bit sketch of {@code 2^p} registers at {@code regs[off..off + 2^(p-1))}. */
    static void add4(byte[] regs, int off, int p, long hash) {
        int idx = (int) (hash >>> (64 - p));
        int rank = Math.min(15, Long.numberOfLeadingZeros((hash << p) | (1L << (p - 1))) + 1);
        int b = off + (idx >>> 1);
        int shift = (idx & 1) << 2;
        int cur = (regs[b] >>> shift) & 0xF;
        if (cur < rank) {
            regs[b] = (byte) ((regs[b] & ~(0xF << shift)) | (rank << shift));
        }
    }

    static void merge4(byte[] from, int fo, byte[] to, int to0, int bytes) {
        for (int i = 0; i < bytes; i++) {
            int a = from[fo + i], b = to[to0 + i];
            int lo = Math.max(a & 0xF, b & 0xF);
            int hi = Math.max((a >>> 4) & 0xF, (b >>> 4) & 0xF);
            to[to0 + i] = (byte) (lo | (hi << 4));
        }
    }

    static long estimate4(byte[] regs, int off, int p) {
        int m = 1 << p;
        double sum = 0;
        int zeros = 0;
        for (int i = 0; i < m / 2; i++) {
            int v = regs[off + i];
            int lo = v & 0xF, hi = (v >>> 4) & 0xF;
            sum += Math.scalb(1.0, -lo) + Math.scalb(1.0, -hi);
            zeros += (lo == 0 ? 1 : 0) + (hi == 0 ? 1 : 0);
        }
        return finish(m, sum, zeros);
    }

    private static long finish(int m, double sum, int zeros) {
        double alpha = m == 16 ? 0.673 : m == 32 ? 0.697 : m == 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
        double e = alpha * m * (double) m / sum;
        if (e <= 2.5 * m && zeros > 0) {
            e = m * Math.log((double) m / zeros);
        }
        return Math.round(e);
    }
}
