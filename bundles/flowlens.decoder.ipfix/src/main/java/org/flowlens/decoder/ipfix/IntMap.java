package org.flowlens.decoder.ipfix;

import java.util.Arrays;
import java.util.function.Consumer;

/** An open-addressing map from non-negative int keys to objects: no boxing on lookup. */
final class IntMap<V> {
    private int[] keys;
    private Object[] values;
    private int size;

    IntMap() {
        keys = new int[16];
        values = new Object[16];
        Arrays.fill(keys, -1);
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(int key) {
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == key) {
                return (V) values[i];
            }
            if (k == -1) {
                return null;
            }
        }
    }

    /** Stores {@code value}, returning the one it replaced. */
    @SuppressWarnings("unchecked")
    V put(int key, V value) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == key) {
                V old = (V) values[i];
                values[i] = value;
                return old;
            }
            if (k == -1) {
                keys[i] = key;
                values[i] = value;
                size++;
                return null;
            }
        }
    }

    @SuppressWarnings("unchecked")
    V remove(int key) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (keys[i] != key) {
            if (keys[i] == -1) {
                return null;
            }
            i = (i + 1) & mask;
        }
        V old = (V) values[i];
        keys[i] = -1;
        values[i] = null;
        size--;
        // re-insert the rest of the cluster
        for (int j = (i + 1) & mask; keys[j] != -1; j = (j + 1) & mask) {
            int k = keys[j];
            Object v = values[j];
            keys[j] = -1;
            values[j] = null;
            size--;
            put(k, (V) v);
        }
        return old;
    }

    @SuppressWarnings("unchecked")
    void forEach(Consumer<V> action) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != -1) {
                action.accept((V) values[i]);
            }
        }
    }

    void clear() {
        Arrays.fill(keys, -1);
        Arrays.fill(values, null);
        size = 0;
    }

    private void grow() {
        int[] ok = keys;
        Object[] ov = values;
        keys = new int[ok.length * 2];
        values = new Object[ok.length * 2];
        Arrays.fill(keys, -1);
        size = 0;
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] != -1) {
                @SuppressWarnings("unchecked")
                V v = (V) ov[i];
                put(ok[i], v);
            }
        }
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
