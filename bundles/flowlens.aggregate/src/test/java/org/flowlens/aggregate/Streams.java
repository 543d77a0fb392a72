package org.flowlens.aggregate;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;

/** Synthetic record streams for the tests: uniform or Zipf-skewed keys, reproducible by seed. */
final class Streams {
    static final String[] COUNTRIES = {"US", "DE", "FR", "GB", "NL", "CN", "JP", "BR", "PRIVATE"};
    static final String[] DOMAINS = {"a.example", "b.example", "c.example", "d.example", "e.example"};

    private Streams() {}

    /** An index in [0, n) with probability proportional to 1/(i+1)^s (inverse transform over a table). */
    static final class Zipf {
        final double[] cdf;

        Zipf(int n, double s) {
            cdf = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += 1 / Math.pow(i + 1, s);
                cdf[i] = sum;
            }
            for (int i = 0; i < n; i++) {
                cdf[i] /= sum;
            }
        }

        int next(SplittableRandom rnd) {
            double u = rnd.nextDouble();
            int lo = 0, hi = cdf.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cdf[mid] < u) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    /**
     * Records with {@code hosts} sources, {@code peers} destinations, a few ports and protocols,
     * countries and exporters; keys drawn by Zipf ({@code skew} > 0) or uniformly ({@code skew} 0).
     */
    static List<FlowRecord> records(int n, int hosts, int peers, double skew, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Zipf h = skew > 0 ? new Zipf(hosts, skew) : null;
        Zipf p = skew > 0 ? new Zipf(peers, skew) : null;
        List<FlowRecord> out = new ArrayList<>(n);
        int[] ports = {443, 80, 53, 22, 123};
        for (int i = 0; i < n; i++) {
            int src = h != null ? h.next(rnd) : rnd.nextInt(hosts);
            int dst = p != null ? p.next(rnd) : rnd.nextInt(peers);
            FlowRecord r = new FlowRecord();
            int proto = rnd.nextInt(10) < 7 ? 6 : rnd.nextInt(3) < 2 ? 17 : 1;
            r.srcV4(0x0A000000 | src).dstV4(0xC0000000 + dst * 13);
            r.srcPort(proto == 1 ? 0 : 30000 + src % 5).dstPort(proto == 1 ? 0 : ports[dst % ports.length]);
            r.protocol(proto).bytes(40 + rnd.nextInt(1500)).packets(1 + rnd.nextInt(10));
            r.exporter(0, 0x0000_FFFF_C0A8_0001L + dst % 3).inIf(1 + src % 4).outIf(1 + dst % 4);
            r.dstCountry(COUNTRIES[dst % COUNTRIES.length]).srcCountry("PRIVATE");
            r.dstAs(64_500 + dst % 7).dstAsName("AS" + (dst % 7)).dstDomain(DOMAINS[dst % DOMAINS.length]);
            out.add(r);
        }
        return out;
    }

    /** Stamps records with receive times spread evenly over [from, to). */
    static void spread(List<FlowRecord> records, long from, long to) {
        for (int i = 0; i < records.size(); i++) {
            records.get(i).receivedMillis(from + (to - from) * i / records.size());
        }
    }

    static FlowBatch batch(List<FlowRecord> records, int from, int to) {
        FlowBatch b = new FlowBatch(to - from);
        for (int i = from; i < to; i++) {
            b.add(records.get(i));
        }
        return b;
    }

    /** A clock tests move by hand. */
    static final class Clock implements java.util.function.LongSupplier {
        long now;

        Clock(long now) {
            this.now = now;
        }

        @Override
        public long getAsLong() {
            return now;
        }
    }
}
