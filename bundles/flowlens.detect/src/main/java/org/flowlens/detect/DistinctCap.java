package org.flowlens.detect;

/** How many distinct elements a detector keeps per key: enough to grade severity, bounded. */
final class DistinctCap {
    private DistinctCap() {}

    static int of(int threshold, double criticalFactor, int max) {
        double f = Math.max(1, criticalFactor);
        long cap = (long) Math.ceil(threshold * f) + 1;
        return (int) Math.max(16, Math.min(max, cap));
    }
}
