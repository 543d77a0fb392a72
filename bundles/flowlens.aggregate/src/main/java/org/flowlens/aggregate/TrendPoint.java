package org.flowlens.aggregate;

/** Exact totals of one time bucket with its non-zero protocols, for the trend series. Immutable. */
final class TrendPoint {
    final long fromMillis, toMillis;
    final long bytes, packets, flows;
    /** Protocol numbers present, and their bytes, packets, flows at {@code 3 * i}. */
    final int[] protocols;
    final long[] values;

    TrendPoint(long fromMillis, long toMillis, long bytes, long packets, long flows, long[] dense) {
        this.fromMillis = fromMillis;
        this.toMillis = toMillis;
        this.bytes = bytes;
        this.packets = packets;
        this.flows = flows;
        int n = 0;
        for (int p = 0; p < 256; p++) {
            if (dense[p * 3 + 2] != 0) {
                n++;
            }
        }
        protocols = new int[n];
        values = new long[n * 3];
        int i = 0;
        for (int p = 0; p < 256; p++) {
            if (dense[p * 3 + 2] != 0) {
                protocols[i] = p;
                System.arraycopy(dense, p * 3, values, i * 3, 3);
                i++;
            }
        }
    }

    long retainedBytes() {
        return 64 + 16 + protocols.length * 4L + 16 + values.length * 8L;
    }
}
