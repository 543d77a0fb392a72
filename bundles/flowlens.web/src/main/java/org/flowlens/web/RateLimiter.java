package org.flowlens.web;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per client key (an address or a token name), with a bounded number of keys: when
 * full, buckets that have refilled completely are forgotten first, then all.
 */
final class RateLimiter {
    private static final class Bucket {
        double tokens;
        long lastNanos;
    }

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final int maxKeys;

    RateLimiter(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    /** Takes one token if there is one. */
    boolean tryAcquire(String key, double perSecond, double burst) {
        return take(key, perSecond, burst, true);
    }

    /** True when a token is there, without taking it. */
    boolean available(String key, double perSecond, double burst) {
        return take(key, perSecond, burst, false);
    }

    /** Seconds until the next token for this key. */
    long retryAfterSeconds(double perSecond) {
        return Math.max(1, (long) Math.ceil(1 / Math.max(perSecond, 1e-3)));
    }

    int size() {
        return buckets.size();
    }

    private boolean take(String key, double perSecond, double burst, boolean consume) {
        long now = System.nanoTime();
        if (buckets.size() >= maxKeys && !buckets.containsKey(key)) {
            prune(now, perSecond, burst);
        }
        Bucket b = buckets.computeIfAbsent(key, k -> {
            Bucket n = new Bucket();
            n.tokens = burst;
            n.lastNanos = now;
            return n;
        });
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (now - b.lastNanos) / 1e9 * perSecond);
            b.lastNanos = now;
            if (b.tokens >= 1) {
                if (consume) {
                    b.tokens -= 1;
                }
                return true;
            }
            return false;
        }
    }

    private void prune(long now, double perSecond, double burst) {
        buckets.entrySet().removeIf(e -> {
            Bucket b = e.getValue();
            synchronized (b) {
                return b.tokens + (now - b.lastNanos) / 1e9 * perSecond >= burst;
            }
        });
        if (buckets.size() >= maxKeys) {
            buckets.clear();
        }
    }
}
