package org.flowlens.decoder.ipfix;

import java.util.Arrays;

/**
 * A small open-addressing map from long keys to positive long values (0 means absent), with a
 * fixed capacity: when full, new keys are refused. Used for sampling rates per sampler and per
 * interface.
 */
final class LongLongMap {
    private final int capacity;
    private long[] keys = new long[8];
    private long[] values = new long[8];
    private boolean[] used = new boolean[8];
    private int size;

    LongLongMap(int capacity) {
        this.capacity = capacity;
    }

    int size() {
        return size;
    }

    long get(long key) {
        if (size == 0) {
            return 0;
        }
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; used[i]; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return values[i];
            }
        }
        return 0;
    }

    /** Stores a value; returns false when the map is full and the key is new. */
    boolean put(long key, long value) {
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            if (!used[i]) {
                if (size >= capacity) {
                    return false;
                }
                used[i] = true;
                keys[i] = key;
                values[i] = value;
                size++;
                if (size * 2 > keys.length) {
                    grow();
                }
                return true;
            }
            if (keys[i] == key) {
                values[i] = value;
                return true;
            }
        }
    }

    void clear() {
        Arrays.fill(used, false);
        size = 0;
    }

    private void grow() {
        long[] ok = keys, ov = values;
        boolean[] ou = used;
        keys = new long[ok.length * 2];
        values = new long[ok.length * 2];
        used = new boolean[ok.length * 2];
        size = 0;
        int mask = keys.length - 1;
        for (int j = 0; j < ok.length; j++) {
            if (ou[j]) {
                int i = mix(ok[j]) & mask;
                while (used[i]) {
                    i = (i + 1) & mask;
                }
                used[i] = true;
                keys[i] = ok[j];
                values[i] = ov[j];
                size++;
            }
        }
    }

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
