package org.flowlens.detect.state;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The top contributors of each entry (a peer address with a port or other small number), kept with
 * the Space-Saving algorithm in {@code k} slots per entry: a newcomer replaces the lightest slot and
 * inherits its weight, so a heavy contributor is never missed and weights over-count by at most the
 * lightest slot's. Weights are halved once per window so that the list follows the present.
 */
public final class Contributors {
    /** One contributor, as read for evidence. */
    public record Top(long hi, long lo, int aux, long weight) {}

    private final int k;
    private final long[] hi;
    private final long[] lo;
    private final int[] aux;
    private final long[] weight;

    public Contributors(int entries, int k) {
        this.k = k;
        int n = Math.multiplyExact(entries, k);
        hi = new long[n];
        lo = new long[n];
        aux = new int[n];
        weight = new long[n];
    }

    public long footprintBytes() {
        return 28L * weight.length;
    }

    public void reset(int entry) {
        int b = entry * k;
        Arrays.fill(weight, b, b + k, 0L);
    }

    public void add(int entry, long h, long l, int a, long w) {
        if (w <= 0) {
            return;
        }
        int b = entry * k;
        int free = -1;
        int min = -1;
        for (int i = b; i < b + k; i++) {
            if (weight[i] == 0) {
                if (free < 0) {
                    free = i;
                }
            } else if (hi[i] == h && lo[i] == l && aux[i] == a) {
                weight[i] += w;
                return;
            } else if (min < 0 || weight[i] < weight[min]) {
                min = i;
            }
        }
        int slot = free >= 0 ? free : min;
        hi[slot] = h;
        lo[slot] = l;
        aux[slot] = a;
        weight[slot] = free >= 0 ? w : weight[slot] + w;
    }

    /** Halves every weight of the entry (slots that reach zero become free). */
    public void decay(int entry) {
        int b = entry * k;
        for (int i = b; i < b + k; i++) {
            weight[i] >>>= 1;
        }
    }

    /** The entry's contributors, heaviest first. Allocates: call for reporting only. */
    public List<Top> top(int entry, int limit) {
        int b = entry * k;
        List<Top> out = new ArrayList<>(k);
        for (int i = b; i < b + k; i++) {
            if (weight[i] > 0) {
                out.add(new Top(hi[i], lo[i], aux[i], weight[i]));
            }
        }
        out.sort((x, y) -> Long.compare(y.weight(), x.weight()));
        return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
    }
}
