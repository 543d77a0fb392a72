package org.flowlens.enrich.geoip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Enrichment of the addresses of real captures. */
class CaptureTest {
    @TempDir
    Path dir;

    private static Map<String, Integer> enrichAll(Enrichment engine, List<long[]> addresses) {
        Map<String, Integer> byLabel = new HashMap<>();
        FlowBatch batch = new FlowBatch(addresses.size() / 2 + 1);
        for (int i = 0; i + 1 < addresses.size(); i += 2) {
            batch.next().src(addresses.get(i)[0], addresses.get(i)[1]).dst(addresses.get(i + 1)[0], addresses.get(i + 1)[1]);
        }
        engine.enrich(batch);
        for (FlowRecord r : batch) {
            byLabel.merge(IpAddresses.format(r.srcHi(), r.srcLo()) + " " + r.srcCountry() + " " + r.srcAs() + " " + r.srcAsName(), 1,
                    Integer::sum);
            byLabel.merge(IpAddresses.format(r.dstHi(), r.dstLo()) + " " + r.dstCountry() + " " + r.dstAs() + " " + r.dstAsName(), 1,
                    Integer::sum);
        }
        return byLabel;
    }

    @Test
    void namesGooglesResolversAndLabelsThePhone() throws Exception {
        List<long[]> addresses = Captures.addresses(Paths.get("src/test/resources/in-ndpi-googledns_android10.pcap"));
        assertEquals(2 * 532, addresses.size());
        Path v4 = dir.resolve("asn-ipv4.csv");
        Fixtures.writeLines(v4, Fixtures.ASN_V4);
        Enrichment engine = new Enrichment(null);
        try {
            engine.configure(Fixtures.settings(null, null, List.of(v4), 1000));
            Map<String, Integer> seen = enrichAll(engine, addresses);
            // packets per address as tshark counts them (ip.addr==8.8.8.8: 31, ip.addr==8.8.4.4: 501)
        assertEquals(Map.of("192.168.1.159 PRIVATE 0 null", 532, "8.8.4.4 null 15169 Google LLC", 501, "8.8.8.8 null 15169 Google LLC", 31),
                    seen);
            assertEquals(532, engine.specials());
            assertEquals(530, engine.hits(), "two distinct public addresses: two misses, the rest hits");
            assertEquals(2, engine.misses());
        } finally {
            engine.close();
        }
    }

    @Test
    void everyCorpusCaptureEnrichesWithoutErrors() throws Exception {
        Path corpus = Captures.corpus();
        Assumptions.assumeTrue(corpus != null, "shared corpus not found at ../../../shared/corpus nor $FLOWLENS_CORPUS: skipped");
        Path v4 = dir.resolve("asn-ipv4.csv"), v6 = dir.resolve("asn-ipv6.csv"), city = dir.resolve("city.mmdb");
        Fixtures.writeLines(v4, Fixtures.ASN_V4);
        Fixtures.writeLines(v6, Fixtures.ASN_V6);
        Fixtures.city().writeTo(city);
        TestMetrics metrics = new TestMetrics();
        Enrichment engine = new Enrichment(metrics.registry);
        try {
            engine.configure(Fixtures.settings(city, null, List.of(v4, v6), 100_000));
            int files = 0;
            long total = 0;
            try (var list = Files.list(corpus.resolve("inputs"))) {
                for (Path p : (Iterable<Path>) list.filter(f -> f.toString().endsWith(".pcap")).sorted()::iterator) {
                    List<long[]> addresses = Captures.addresses(p);
                    enrichAll(engine, addresses);
                    total += addresses.size();
                    files++;
                }
            }
            assertTrue(files >= 1);
            assertEquals(total, engine.hits() + engine.misses() + engine.specials());
            assertEquals(0, metrics.count("flowlens_enrich_geoip_lookup_errors_total"));
            assertTrue(engine.hitRatio() > 0.9, "real traffic repeats its addresses: hit ratio " + engine.hitRatio());
        } finally {
            engine.close();
        }
    }
}
