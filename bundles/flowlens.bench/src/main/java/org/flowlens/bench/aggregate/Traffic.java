package org.flowlens.bench.aggregate;

import java.util.SplittableRandom;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;

/**
 * Synthetic enriched traffic for the aggregation benchmarks: a fixed pool of records whose keys
 * follow Zipf-like laws (a few hosts, ports and peers carry most bytes, a long tail of others), with
 * interned countries, AS names and domains as the enrichers deliver them.
 */
final class Traffic {
    static final String[] COUNTRIES = {"US", "DE", "FR", "GB", "NL", "CN", "JP", "BR", "IN", "RU", "SE", "CH", "IT",
        "ES", "CA", "AU", "KR", "SG", "PL", "PRIVATE"};
    static final int[] PORTS = {443, 80, 53, 22, 123, 25, 993, 8080, 3389, 5060, 1194, 8443, 445, 139, 161, 514};

    final FlowBatch[] batches;

    /**
     * @param distinctSessions how many different 5-tuples the pool holds (up to its size)
     * @param poolSize records in the pool
     * @param batchSize records per batch
     */
    Traffic(int poolSize, int batchSize, int hosts, int peers, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        String[] asNames = new String[500];
        for (int i = 0; i < asNames.length; i++) {
            asNames[i] = ("AS-NAME-" + i).intern();
        }
        String[] domains = new String[2000];
        for (int i = 0; i < domains.length; i++) {
            domains[i] = ("host" + i + ".example.com").intern();
        }
        int nb = poolSize / batchSize;
        batches = new FlowBatch[nb];
        for (int b = 0; b < nb; b++) {
            FlowBatch batch = new FlowBatch(batchSize);
            for (int i = 0; i < batchSize; i++) {
                FlowRecord r = batch.next();
                int src = zipf(rnd, hosts);
                int dst = zipf(rnd, peers);
                int proto = rnd.nextInt(100) < 80 ? 6 : rnd.nextInt(100) < 90 ? 17 : 1;
                r.srcV4(0x0A000000 | src).dstV4(0x5D000000 + dst * 7919);
                r.srcPort(proto == 1 ? 0 : 1024 + rnd.nextInt(60000));
                r.dstPort(proto == 1 ? 0 : PORTS[zipf(rnd, PORTS.length)]);
                r.protocol(proto).tcpFlags(proto == 6 ? 0x1B : 0);
                r.bytes(40 + zipf(rnd, 1500) * 1000L).packets(1 + rnd.nextInt(40));
                r.exporter(0, 0x0000_FFFF_C0A8_0001L + rnd.nextInt(4)).inIf(1 + rnd.nextInt(8)).outIf(1 + rnd.nextInt(8));
                r.srcCountry("PRIVATE").dstCountry(COUNTRIES[zipf(rnd, COUNTRIES.length)]);
                int as = dst % asNames.length;
                r.dstAs(10_000 + as).dstAsName(asNames[as]).srcAs(64_512).srcAsName(asNames[0]);
                r.dstDomain(domains[dst % domains.length]);
                r.format("netflow_v5");
            }
            batches[b] = batch;
        }
    }

    /** A Zipf-like index in [0, n): the probability of i falls as 1/(i+1). */
    static int zipf(SplittableRandom rnd, int n) {
        double u = rnd.nextDouble();
        int i = (int) Math.floor(Math.exp(u * Math.log(n + 1.0))) - 1;
        return Math.min(n - 1, Math.max(0, i));
    }

    /** Stamps every record with a receive time. */
    static void stamp(FlowBatch batch, long millis) {
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).receivedMillis(millis);
        }
    }
}
