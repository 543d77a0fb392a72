package org.flowlens.detect.state;

/** 64-bit mixing for keys made of addresses, ports and tags. */
public final class Hashing {
    private Hashing() {}

    /** SplitMix64's finalizer: spreads any 64-bit value over all bits. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public static long mix(long a, long b) {
        return mix(a * 0x9E3779B97F4A7C15L ^ mix(b));
    }

    public static long mix(long a, long b, long c) {
        return mix(mix(a, b) * 0xC2B2AE3D27D4EB4FL ^ mix(c + 0x165667B19E3779F9L));
    }
}
