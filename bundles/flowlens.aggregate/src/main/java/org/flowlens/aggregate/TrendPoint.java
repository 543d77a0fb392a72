package org.flowlens.aggregate;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

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

    private TrendPoint(long fromMillis, long toMillis, long bytes, long packets, long flows, int[] protocols, long[] values) {
        this.fromMillis = fromMillis;
        this.toMillis = toMillis;
        this.bytes = bytes;
        this.packets = packets;
        this.flows = flows;
        this.protocols = protocols;
        this.values = values;
    }

    void write(DataOutput out) throws IOException {
        for (long v : new long[] {fromMillis, toMillis, bytes, packets, flows}) {
            out.writeLong(v);
        }
        out.writeInt(protocols.length);
        for (int i = 0; i < protocols.length; i++) {
            out.writeInt(protocols[i]);
            out.writeLong(values[3 * i]);
            out.writeLong(values[3 * i + 1]);
            out.writeLong(values[3 * i + 2]);
        }
    }

    static TrendPoint read(DataInput in) throws IOException {
        long from = in.readLong(), to = in.readLong(), bytes = in.readLong(), packets = in.readLong(), flows = in.readLong();
        int n = in.readInt();
        if (n < 0 || n > 256) {
            throw new IOException("not a saved trend point: " + n + " protocols");
        }
        int[] protocols = new int[n];
        long[] values = new long[3 * n];
        for (int i = 0; i < n; i++) {
            protocols[i] = in.readInt();
            if (protocols[i] < 0 || protocols[i] > 255) {
                throw new IOException("not a saved trend point: protocol " + protocols[i]);
            }
            values[3 * i] = in.readLong();
            values[3 * i + 1] = in.readLong();
            values[3 * i + 2] = in.readLong();
        }
        return new TrendPoint(from, to, bytes, packets, flows, protocols, values);
    }

    long retainedBytes() {
        return 64 + 16 + protocols.length * 4L + 16 + values.length * 8L;
    }
}
