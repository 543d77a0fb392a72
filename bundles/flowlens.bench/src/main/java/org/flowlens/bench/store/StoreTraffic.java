package org.flowlens.bench.store;

import java.util.SplittableRandom;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;

/**
 * A pool of enriched records as the pipeline hands them to the store: Zipf-like hosts, peers and
 * ports, a few percent IPv6, interned countries, AS names, domains and interface names as the
 * enrichers deliver them.
 */
final class StoreTraffic {
    private static final String[] COUNTRIES = {"US", "DE", "FR", "GB", "NL", "CN", "JP", "BR", "IN", "RU", "SE", "CH", "IT",
        "ES", "CA", "AU", "KR", "SG", "PL", "PRIVATE"};
    private static final int[] PORTS = {443, 80, 53, 22, 123, 25, 993, 8080, 3389, 5060, 1194, 8443, 445, 139, 161, 514};
    private static final String[] FORMATS = {"netflow_v9", "ipfix", "netflow_v5", "sflow_v5"};

    final FlowBatch[] batches;

    StoreTraffic(int poolSize, int batchSize, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        String[] asNames = new String[500];
        for (int i = 0; i < asNames.length; i++) {
            asNames[i] = ("AS-NAME-" + i).intern();
        }
        String[] domains = new String[2000];
        for (int i = 0; i < domains.length; i++) {
            domains[i] = ("host" + i + ".example.com").intern();
        }
        String[] ifNames = new String[16];
        for (int i = 0; i < ifNames.length; i++) {
            ifNames[i] = ("ge-0/0/" + i).intern();
        }
        batches = new FlowBatch[poolSize / batchSize];
        for (int b = 0; b < batches.length; b++) {
            FlowBatch batch = new FlowBatch(batchSize);
            for (int i = 0; i < batchSize; i++) {
                FlowRecord r = batch.next();
                int src = zipf(rnd, 5_000);
                int dst = zipf(rnd, 100_000);
                int proto = rnd.nextInt(100) < 80 ? 6 : rnd.nextInt(100) < 90 ? 17 : 1;
                if (rnd.nextInt(100) < 5) {
                    r.src(0x2001_0db8_0000_0000L, src).dst(0x2001_0db8_0001_0000L, dst);
                } else {
                    r.srcV4(0x0A000000 | src).dstV4(0x5D000000 + dst * 7919);
                }
                r.srcPort(proto == 1 ? 0 : 1024 + rnd.nextInt(60000));
                r.dstPort(proto == 1 ? 0 : PORTS[zipf(rnd, PORTS.length)]);
                r.protocol(proto).tcpFlags(proto == 6 ? 0x1B : 0).tos(rnd.nextInt(4) * 8);
                r.bytes(40 + zipf(rnd, 1500) * 1000L).packets(1 + rnd.nextInt(40));
                int exporter = rnd.nextInt(4);
                r.exporter(0, 0x0000_FFFF_C0A8_0001L + exporter).observationDomain(exporter).samplingRate(1)
                        .inIf(1 + rnd.nextInt(8)).outIf(1 + rnd.nextInt(8)).direction(rnd.nextInt(2));
                r.inIfName(ifNames[r.inIf()]).outIfName(ifNames[r.outIf()]);
                r.srcMask(24).dstMask(16 + rnd.nextInt(9)).nextHop(0, 0x0000_FFFF_C0A8_00FEL);
                r.srcCountry("PRIVATE").dstCountry(COUNTRIES[zipf(rnd, COUNTRIES.length)]);
                int as = dst % asNames.length;
                r.dstAs(10_000 + as).dstAsName(asNames[as]).srcAs(64_512).srcAsName(asNames[0]);
                r.dstDomain(domains[dst % domains.length]);
                r.format(FORMATS[exporter]);
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

    /** Stamps every record of a batch: received now, lasting up to a minute before. */
    static void stamp(FlowBatch batch, long millis) {
        for (int i = 0, n = batch.size(); i < n; i++) {
            FlowRecord r = batch.get(i);
            r.receivedMillis(millis).endMillis(millis - 20).startMillis(millis - 20 - (r.bytes() & 0xFFFF));
        }
    }
}
