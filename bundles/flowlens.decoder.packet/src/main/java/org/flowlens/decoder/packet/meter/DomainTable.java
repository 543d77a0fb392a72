package org.flowlens.decoder.packet.meter;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flowlens.api.flow.IpAddresses;

/**
 * Address → domain name, learned from DNS answers, TLS server names and HTTP Host headers. Each
 * name is valid from when it was learned until its TTL (raised to a floor and capped) has passed;
 * the table holds at most a fixed number of addresses and forgets the least recently used first.
 *
 * <p>Times are the packet clock in nanoseconds, so names learned from a capture file are looked up
 * at the time of that capture's flows. Thread-safe; lookups allocate nothing.
 */
public final class DomainTable {

    private static final class Key {
        long hi;
        long lo;

        Key(long hi, long lo) {
            this.hi = hi;
            this.lo = lo;
        }

        @Override
        public int hashCode() {
            long h = hi * 0x9E3779B97F4A7C15L ^ lo * 0xC2B2AE3D27D4EB4FL;
            return (int) (h ^ (h >>> 32));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).hi == hi && ((Key) o).lo == lo;
        }
    }

    private static final class Entry {
        String name;
        long learnedNanos;
        long expiresNanos;
    }

    /** One learned name, for consoles and tests. */
    public record Name(String address, String name, long learnedNanos, long expiresNanos) {
    }

    private final LinkedHashMap<Key, Entry> map;
    private final Key probe = new Key(0, 0);
    private int maxEntries;
    private long minTtlNanos;
    private long maxTtlNanos;
    private long learned;
    private long evicted;

    /**
     * @param maxEntries addresses kept at most
     * @param minTtlSeconds names stay valid at least this long, whatever the TTL said
     * @param maxTtlSeconds and at most this long
     */
    public DomainTable(int maxEntries, long minTtlSeconds, long maxTtlSeconds) {
        map = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
                if (size() > DomainTable.this.maxEntries) {
                    evicted++;
                    return true;
                }
                return false;
            }
        };
        configure(maxEntries, minTtlSeconds, maxTtlSeconds);
    }

    /** Changes the bounds; a smaller size forgets the least recently used names at once. */
    public synchronized void configure(int maxEntries, long minTtlSeconds, long maxTtlSeconds) {
        if (maxEntries < 1 || minTtlSeconds < 0 || maxTtlSeconds < minTtlSeconds) {
            throw new IllegalArgumentException("domain table: need maxEntries >= 1 and 0 <= minTtl <= maxTtl, got "
                    + maxEntries + ", " + minTtlSeconds + ", " + maxTtlSeconds);
        }
        this.maxEntries = maxEntries;
        this.minTtlNanos = minTtlSeconds * 1_000_000_000L;
        this.maxTtlNanos = maxTtlSeconds * 1_000_000_000L;
        Iterator<Map.Entry<Key, Entry>> it = map.entrySet().iterator();
        while (map.size() > maxEntries && it.hasNext()) {
            it.next();
            it.remove();
            evicted++;
        }
    }

    /** Learns {@code name} for the address at packet time {@code nowNanos}. */
    public synchronized void put(long hi, long lo, String name, long nowNanos, long ttlSeconds) {
        long ttl = Math.min(Math.max(Math.max(ttlSeconds, 0) * 1_000_000_000L, minTtlNanos), maxTtlNanos);
        probe.hi = hi;
        probe.lo = lo;
        Entry e = map.get(probe);
        if (e == null) {
            e = new Entry();
            map.put(new Key(hi, lo), e);
        }
        e.name = name;
        e.learnedNanos = nowNanos;
        e.expiresNanos = nowNanos + ttl;
        learned++;
    }

    /**
     * The name of the address at packet time {@code atNanos}, or null when none was learned or it
     * had expired by then.
     */
    public synchronized String lookup(long hi, long lo, long atNanos) {
        probe.hi = hi;
        probe.lo = lo;
        Entry e = map.get(probe);
        if (e == null || atNanos > e.expiresNanos) {
            return null;
        }
        return e.name;
    }

    public synchronized int size() {
        return map.size();
    }

    /** Names learned (including refreshes) since creation. */
    public synchronized long learned() {
        return learned;
    }

    /** Addresses forgotten because the table was full. */
    public synchronized long evicted() {
        return evicted;
    }

    public synchronized void clear() {
        map.clear();
    }

    /** Up to {@code limit} entries, most recently used last. */
    public synchronized List<Name> snapshot(int limit) {
        List<Name> out = new ArrayList<>(Math.min(limit, map.size()));
        int skip = Math.max(0, map.size() - limit);
        for (Map.Entry<Key, Entry> en : map.entrySet()) {
            if (skip > 0) {
                skip--;
                continue;
            }
            Entry e = en.getValue();
            out.add(new Name(IpAddresses.format(en.getKey().hi, en.getKey().lo), e.name, e.learnedNanos, e.expiresNanos));
        }
        return out;
    }
}
