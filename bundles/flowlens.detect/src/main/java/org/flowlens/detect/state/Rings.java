package org.flowlens.detect.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Sliding-window counters: for each entry of a {@link KeyIndex} and each of a few metrics, a ring
 * of time buckets. Buckets are one second long for windows up to a minute and grow so that a ring
 * never has more than 60 buckets. A window change re-buckets what is kept instead of dropping it.
 */
public final class Rings {
    public static final int MAX_BUCKETS = 60;

    private final int entries;
    private final int metrics;
    private long bucketMillis;
    private int ring;
    private long windowMillis;
    private long[] data;
    private long[] last;

    public Rings(int entries, int metrics, long windowMillis) {
        this.entries = entries;
        this.metrics = metrics;
        this.windowMillis = windowMillis;
        this.bucketMillis = bucketMillisFor(windowMillis);
        this.ring = bucketsFor(windowMillis, bucketMillis);
        this.data = new long[Math.multiplyExact(Math.multiplyExact(entries, metrics), ring)];
        this.last = new long[entries];
        Arrays.fill(last, Long.MIN_VALUE);
    }

    /** Empty rings for {@code entries} entries, shaped like {@code shape} (metrics, buckets, window). */
    public Rings(int entries, Rings shape) {
        this.entries = entries;
        this.metrics = shape.metrics;
        this.windowMillis = shape.windowMillis;
        this.bucketMillis = shape.bucketMillis;
        this.ring = shape.ring;
        this.data = new long[Math.multiplyExact(Math.multiplyExact(entries, metrics), ring)];
        this.last = new long[entries];
        Arrays.fill(last, Long.MIN_VALUE);
    }

    static long bucketMillisFor(long windowMillis) {
        long seconds = Math.max(1, (windowMillis + 999) / 1000);
        return 1000L * Math.max(1, (seconds + MAX_BUCKETS - 1) / MAX_BUCKETS);
    }

    static int bucketsFor(long windowMillis, long bucketMillis) {
        return (int) Math.max(1, (windowMillis + bucketMillis - 1) / bucketMillis);
    }

    public long windowMillis() {
        return windowMillis;
    }

    public long bucketMillis() {
        return bucketMillis;
    }

    /** Bytes held, for footprint gauges. */
    public long footprintBytes() {
        return 8L * data.length + 8L * last.length;
    }

    public void reset(int entry) {
        int base = entry * metrics * ring;
        Arrays.fill(data, base, base + metrics * ring, 0L);
        last[entry] = Long.MIN_VALUE;
    }

    public void add(int entry, int metric, long amount, long nowMillis) {
        long b = Math.floorDiv(nowMillis, bucketMillis);
        long l = last[entry];
        if (b > l) {
            clear(entry, l, b);
            last[entry] = b;
        } else if (b <= l - ring) {
            return; // older than the ring
        }
        data[(entry * metrics + metric) * ring + (int) Math.floorMod(b, (long) ring)] += amount;
    }

    private void clear(int entry, long from, long to) {
        // buckets (from, to] become current again: zero them
        if (from == Long.MIN_VALUE || to - from >= ring) {
            int base = entry * metrics * ring;
            Arrays.fill(data, base, base + metrics * ring, 0L);
            return;
        }
        for (long b = from + 1; b <= to; b++) {
            int slot = (int) Math.floorMod(b, (long) ring);
            for (int m = 0; m < metrics; m++) {
                data[(entry * metrics + m) * ring + slot] = 0;
            }
        }
    }

    /** The sum over the window ending now. */
    public long sum(int entry, int metric, long nowMillis) {
        long b = Math.floorDiv(nowMillis, bucketMillis);
        long l = last[entry];
        if (l == Long.MIN_VALUE) {
            return 0;
        }
        long first = b - bucketsFor(windowMillis, bucketMillis) + 1;
        long lo = Math.max(first, l - ring + 1);
        long hi = Math.min(b, l);
        long s = 0;
        int base = (entry * metrics + metric) * ring;
        for (long x = lo; x <= hi; x++) {
            s += data[base + (int) Math.floorMod(x, (long) ring)];
        }
        return s;
    }

    /** The time the window ending now covers: whole buckets before the current one plus its elapsed part. */
    public long spanMillis(long nowMillis) {
        long b = Math.floorDiv(nowMillis, bucketMillis);
        long elapsed = nowMillis - b * bucketMillis + 1;
        return (bucketsFor(windowMillis, bucketMillis) - 1) * bucketMillis + elapsed;
    }

    /** True when nothing was added within the window ending now. */
    public boolean idle(int entry, long nowMillis) {
        long l = last[entry];
        if (l == Long.MIN_VALUE) {
            return true;
        }
        long b = Math.floorDiv(nowMillis, bucketMillis);
        return l < b - bucketsFor(windowMillis, bucketMillis) + 1;
    }

    /**
     * Changes the window. Buckets keep their place in time; when the bucket length changes, each
     * old bucket's counts move to the new bucket holding its start.
     */
    public void window(long newWindowMillis, long nowMillis) {
        long nbm = bucketMillisFor(newWindowMillis);
        int nring = bucketsFor(newWindowMillis, nbm);
        if (nbm == bucketMillis && nring <= ring) {
            windowMillis = newWindowMillis;
            return;
        }
        long[] nd = new long[Math.multiplyExact(Math.multiplyExact(entries, metrics), nring)];
        long[] nl = new long[entries];
        Arrays.fill(nl, Long.MIN_VALUE);
        for (int e = 0; e < entries; e++) {
            long l = last[e];
            if (l == Long.MIN_VALUE) {
                continue;
            }
            long newLast = Math.floorDiv(l * bucketMillis, nbm);
            nl[e] = newLast;
            for (long x = l - ring + 1; x <= l; x++) {
                long nb = Math.floorDiv(x * bucketMillis, nbm);
                if (nb <= newLast - nring) {
                    continue;
                }
                int os = (int) Math.floorMod(x, (long) ring);
                int ns = (int) Math.floorMod(nb, (long) nring);
                for (int m = 0; m < metrics; m++) {
                    nd[(e * metrics + m) * nring + ns] += data[(e * metrics + m) * ring + os];
                }
            }
        }
        data = nd;
        last = nl;
        ring = nring;
        bucketMillis = nbm;
        windowMillis = newWindowMillis;
    }

    /** Copies one entry of a ring set with the same metrics and window into an entry of this one. */
    public void copy(Rings from, int fromEntry, int toEntry) {
        if (from.metrics != metrics || from.ring != ring || from.bucketMillis != bucketMillis) {
            throw new IllegalArgumentException("rings differ in shape");
        }
        System.arraycopy(from.data, fromEntry * metrics * ring, data, toEntry * metrics * ring, metrics * ring);
        last[toEntry] = from.last[fromEntry];
    }

    /** Writes an entry: its last bucket and, per metric, the buckets of the window ending there, oldest first. */
    public void write(DataOutput out, int entry) throws IOException {
        long l = last[entry];
        out.writeLong(l);
        if (l == Long.MIN_VALUE) {
            return;
        }
        int n = bucketsFor(windowMillis, bucketMillis);
        for (int m = 0; m < metrics; m++) {
            int base = (entry * metrics + m) * ring;
            for (long x = l - n + 1; x <= l; x++) {
                out.writeLong(data[base + (int) Math.floorMod(x, (long) ring)]);
            }
        }
    }

    /** Reads into an entry what {@link #write} wrote from rings of the same metrics and window. */
    public void read(DataInput in, int entry) throws IOException {
        reset(entry);
        long l = in.readLong();
        if (l == Long.MIN_VALUE) {
            return;
        }
        last[entry] = l;
        int n = bucketsFor(windowMillis, bucketMillis);
        for (int m = 0; m < metrics; m++) {
            int base = (entry * metrics + m) * ring;
            for (long x = l - n + 1; x <= l; x++) {
                data[base + (int) Math.floorMod(x, (long) ring)] = in.readLong();
            }
        }
    }

    public void clearAll() {
        Arrays.fill(data, 0L);
        Arrays.fill(last, Long.MIN_VALUE);
    }
}
