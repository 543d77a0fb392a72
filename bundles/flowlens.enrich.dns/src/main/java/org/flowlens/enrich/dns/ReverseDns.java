package org.flowlens.enrich.dns;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;

/**
 * The reverse-DNS engine: the hot path only reads the cache and, for an address not known yet,
 * queues it (bounded: when the queue is full the address is dropped, counted, and asked again
 * later); resolver threads do the lookups and fill the cache with the answer's TTL (clamped), or
 * remember for a while that there is no name. A record gets a name once its address has been
 * resolved; records never wait for DNS.
 */
final class ReverseDns {
    /** Does one lookup; the DNS client, or a stand-in in tests. */
    interface Resolver {
        DnsClient.Answer lookup(long hi, long lo);
    }

    record Limits(int cacheSize, int queueSize, int resolvers, long minTtlSeconds, long maxTtlSeconds, long negativeTtlSeconds,
            long pendingSeconds) {}

    private static final class LocalCounter implements Counter {
        private final LongAdder v = new LongAdder();

        @Override
        public void add(long n) {
            v.add(n);
        }

        @Override
        public long get() {
            return v.sum();
        }
    }

    private final Resolver resolver;
    private final Limits limits;
    private final NameCache cache;
    private final BlockingQueue<long[]> queue;
    private final Thread[] threads;
    private final Counter hits, misses, dropped, named, unnamed, failed;
    private volatile boolean running = true;
    /** Told of every address resolved, after its answer is in the cache (tests wait on it). */
    volatile java.util.function.Consumer<long[]> onResolved;

    ReverseDns(Resolver resolver, Limits limits, Metrics metrics) {
        this.resolver = resolver;
        this.limits = limits;
        cache = new NameCache(limits.cacheSize());
        queue = new ArrayBlockingQueue<>(Math.max(1, limits.queueSize()));
        String lookups = "flowlens_enrich_dns_lookups_total", lookupsHelp = "Addresses the reverse-DNS enricher looked up in its cache";
        hits = counter(metrics, lookups, lookupsHelp, "result", "hit");
        misses = counter(metrics, lookups, lookupsHelp, "result", "miss");
        dropped = counter(metrics, "flowlens_enrich_dns_dropped_total", "Addresses not queued for resolution because the queue was full");
        String res = "flowlens_enrich_dns_resolutions_total", resHelp = "Reverse-DNS queries made, by outcome";
        named = counter(metrics, res, resHelp, "result", "name");
        unnamed = counter(metrics, res, resHelp, "result", "no_name");
        failed = counter(metrics, res, resHelp, "result", "failed");
        threads = new Thread[Math.max(1, limits.resolvers())];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(this::resolve, "flowlens-rdns-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
    }

    private static Counter counter(Metrics m, String name, String help, String... labels) {
        return m == null ? new LocalCounter() : m.counter(name, help, labels);
    }

    long hits() {
        return hits.get();
    }

    long misses() {
        return misses.get();
    }

    long dropped() {
        return dropped.get();
    }

    long resolved() {
        return named.get() + unnamed.get() + failed.get();
    }

    /** Names the records whose addresses are known; queues the others. */
    void enrich(FlowBatch batch) {
        long now = System.nanoTime();
        long h = 0, m = 0;
        for (int i = 0, n = batch.size(); i < n; i++) {
            FlowRecord r = batch.get(i);
            if (r.srcDomain() == null && resolvable(r.srcHi(), r.srcLo())) {
                NameCache.Entry e = known(r.srcHi(), r.srcLo(), now);
                if (e == null) {
                    m++;
                } else {
                    h++;
                    if (e.name != null) {
                        r.srcDomain(e.name);
                    }
                }
            }
            if (r.dstDomain() == null && resolvable(r.dstHi(), r.dstLo())) {
                NameCache.Entry e = known(r.dstHi(), r.dstLo(), now);
                if (e == null) {
                    m++;
                } else {
                    h++;
                    if (e.name != null) {
                        r.dstDomain(e.name);
                    }
                }
            }
        }
        if (h != 0) {
            hits.add(h);
        }
        if (m != 0) {
            misses.add(m);
        }
    }

    /** The cache entry (queueing a lookup when there is none or it expired), or null when nothing is known yet. */
    private NameCache.Entry known(long hi, long lo, long now) {
        NameCache.Entry e = cache.get(hi, lo);
        if (e != null && now - e.expiresNanos < 0) {
            return e.pending && e.name == null ? null : e;
        }
        // unknown or expired: ask (keeping an expired name on records until the new answer)
        String stale = e == null ? null : e.name;
        cache.put(new NameCache.Entry(hi, lo, stale, now + TimeUnit.SECONDS.toNanos(limits.pendingSeconds()), true));
        if (running && !queue.offer(new long[] {hi, lo})) {
            dropped.increment();
        }
        return stale == null ? null : e;
    }

    /** Unicast addresses worth asking about: not unspecified, loopback, link-local or multicast. */
    static boolean resolvable(long hi, long lo) {
        if (IpAddresses.isV4(hi, lo)) {
            int v = (int) lo, a = v >>> 24;
            return a != 0 && a != 127 && a < 224 && (v & 0xFFFF_0000) != 0xA9FE_0000;
        }
        int top = (int) (hi >>> 48);
        return !(hi == 0 && (lo == 0 || lo == 1)) && (top & 0xFFC0) != 0xFE80 && (top & 0xFF00) != 0xFF00;
    }

    private void resolve() {
        while (running) {
            long[] a;
            try {
                a = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (a == null) {
                continue;
            }
            DnsClient.Answer answer;
            try {
                answer = resolver.lookup(a[0], a[1]);
            } catch (RuntimeException e) {
                answer = new DnsClient.Answer(DnsClient.Answer.Status.ERROR, null, 0);
            }
            long now = System.nanoTime();
            long ttl;
            String name = null;
            switch (answer.status()) {
                case NAME -> {
                    named.increment();
                    name = answer.name().intern();
                    ttl = Math.max(limits.minTtlSeconds(), Math.min(limits.maxTtlSeconds(), answer.ttlSeconds()));
                }
                case NO_NAME -> {
                    unnamed.increment();
                    ttl = limits.negativeTtlSeconds();
                }
                default -> {
                    failed.increment();
                    ttl = limits.negativeTtlSeconds();
                }
            }
            cache.put(new NameCache.Entry(a[0], a[1], name, now + TimeUnit.SECONDS.toNanos(ttl), false));
            java.util.function.Consumer<long[]> listener = onResolved;
            if (listener != null) {
                listener.accept(a);
            }
        }
    }

    /** Stops the resolver threads (they finish the lookup in hand, bounded by the DNS timeout). */
    void close() throws InterruptedException {
        running = false;
        queue.clear();
        for (Thread t : threads) {
            t.interrupt();
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
    }
}
