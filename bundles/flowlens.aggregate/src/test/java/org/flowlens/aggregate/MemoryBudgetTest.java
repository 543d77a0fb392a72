package org.flowlens.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.query.FlowQueryService;
import org.flowlens.api.query.Metric;
import org.junit.jupiter.api.Test;

/**
 * Ten million distinct keys through every default window and dimension: the retained size,
 * counted from the arrays of the structures, never passes the budget, and a tracked key costs at
 * most 100 bytes.
 */
class MemoryBudgetTest {
    @Test
    void tenMillionDistinctKeysStayWithinTheBudget() {
        int budgetMb = 64;
        Settings s = new Settings(Settings.DEFAULT_WINDOWS, "5s", Settings.DEFAULT_DIMENSIONS, 100, budgetMb, "5s",
                "received", "60s", "6h");
        long budget = budgetMb * 1024L * 1024L;
        Streams.Clock clock = new Streams.Clock(AggregatorTest.T0);
        Aggregator a = new Aggregator(s, clock, Runnable::run);
        int batchSize = 1000;
        FlowBatch batch = new FlowBatch(batchSize);
        for (int i = 0; i < batchSize; i++) {
            batch.add(new FlowRecord());
        }
        String[] domains = new String[4096];
        for (int i = 0; i < domains.length; i++) {
            domains[i] = "d" + i + ".example";
        }
        long n = 10_000_000L;
        long perBucket = n / 720; // an hour of 5 s buckets
        long maxRetained = 0;
        long key = 0;
        int refreshes = 0;
        while (key < n) {
            for (int i = 0; i < batchSize; i++, key++) {
                FlowRecord r = batch.get(i);
                // every record a new source, destination and 5-tuple; ASNs, domains, interfaces spread wide too
                r.srcV4((int) (0x0A000000L + key)).dstV4((int) (0x50000000L + key * 7));
                r.srcPort((int) (key % 60000)).dstPort((int) (key % 65521)).protocol(key % 3 == 0 ? 17 : 6);
                r.bytes(40 + key % 1460).packets(1 + key % 9).receivedMillis(clock.now);
                r.dstAs(key % 400_000).dstAsName(domains[(int) (key % domains.length)]).srcAs(key % 50_000);
                r.dstDomain(domains[(int) ((key * 31) % domains.length)]);
                r.exporter(0, 0x0000_FFFF_0A00_0000L + key % 5000).inIf((int) (key % 100_000)).outIf((int) (key % 7));
            }
            a.accept(batch);
            if (key % perBucket < batchSize) {
                clock.now += 5000;
                a.refresh();
                if (++refreshes % 60 == 0) {
                    maxRetained = Math.max(maxRetained, a.retainedBytes());
                }
            }
        }
        clock.now += 5000;
        a.refresh();
        long retained = a.retainedBytes();
        maxRetained = Math.max(maxRetained, retained);
        long tracked = a.trackedKeys();
        System.out.printf("10M distinct keys, budget %d MB (capacity %d): retained at most %.1f MB, now %.1f MB for %d tracked keys (%d bytes per key)%n",
                budgetMb, s.capacity, maxRetained / 1048576.0, retained / 1048576.0, tracked, retained / tracked);
        assertEquals(n, a.totals().flows());
        assertTrue(maxRetained <= budget, "retained " + maxRetained + " bytes, budget " + budget);
        assertTrue(tracked > 100_000, "tracked " + tracked);
        assertTrue(retained / tracked <= 100, retained / tracked + " bytes per tracked key");
        // still answering, with a bound since the keys far exceed the capacity
        var top = a.top(Duration.ofHours(1), FlowQueryService.SESSIONS, Metric.BYTES, 10);
        assertEquals(10, top.groups().size());
        assertTrue(top.error().bytes() > 0);
        assertEquals(a.status().retainedBytes(), retained);
    }
}
