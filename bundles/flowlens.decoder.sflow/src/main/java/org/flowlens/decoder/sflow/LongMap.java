package org.flowlens.decoder.sflow;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A small open-addressing map from {@code long} keys to values: lookups neither box nor allocate.
 * Entries are never removed one by one, only all at once. Not thread-safe: its owner locks.
 */
final class LongMap<V> {
    private long[] keys;
    private Object[] values;
    private int size;

    LongMap() {
        keys = new long[8];
        values = new Object[8];
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null) {
                return null;
            }
            if (keys[i] == key) {
                return (V) v;
            }
        }
    }

    /** Adds a key that is not in the map yet. */
    void put(long key, V value) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        insert(key, value);
        size++;
    }

    void clear() {
        Arrays.fill(values, null);
        size = 0;
        if (keys.length > 64) {
            keys = new long[8];
            values = new Object[8];
        }
    }

    @SuppressWarnings("unchecked")
    void forEach(Consumer<V> action) {
        for (Object v : values) {
            if (v != null) {
                action.accept((V) v);
            }
        }
    }

    private void insert(long key, Object value) {
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (values[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new Object[oldValues.length * 2];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                insert(oldKeys[i], oldValues[i]);
            }
        }
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
