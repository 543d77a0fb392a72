package org.flowlens.enrich.geoip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.flowlens.api.enrich.AddressInfo;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The default data the build installs from npm into data/geoip: the full ASN range files and the
 * GeoLite2 databases. Skipped, with the reason, when npm or the registry was not available.
 */
class DefaultDataTest {
    private static Path data(String file) {
        String dir = System.getProperty("flowlens.geoip.data", "../../data/geoip");
        Path p = Paths.get(dir, file);
        Assumptions.assumeTrue(Files.isRegularFile(p), p + " not installed (the build installs it with npm from the npm registry; "
                + "without npm or registry access it is skipped)");
        return p;
    }

    private static long[] ip(String s) {
        return IpAddresses.parse(s);
    }

    @Test
    void publishedAsnRangeFilesLoadAndAnswer() throws Exception {
        Path v4 = data("asn-ipv4.csv"), v6 = data("asn-ipv6.csv");
        long t0 = System.nanoTime();
        AsnTable t = Enrichment.loadCsv(List.of(v4, v6));
        long loadMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("ASN range files: %d IPv4 and %d IPv6 ranges loaded in %d ms%n", t.v4Ranges(), t.v6Ranges(), loadMillis);
        assertTrue(t.v4Ranges() > 200_000, "IPv4 ranges: " + t.v4Ranges());
        assertTrue(t.v6Ranges() > 50_000, "IPv6 ranges: " + t.v6Ranges());
        String[][] expected = {
            {"8.8.8.8", "15169", "Google LLC"},
            {"1.1.1.1", "13335", "Cloudflare, Inc."},
            {"2001:4860:4860::8888", "15169", "Google LLC"},
            {"2606:4700:4700::1111", "13335", "Cloudflare, Inc."},
            // the published IPv4 file has overlapping ranges here: AS749 to 215.0.255.255, AS721 from 215.0.0.0
            {"215.0.0.1", "721", "DoD Network Information Center"},
        };
        for (String[] e : expected) {
            long[] a = ip(e[0]);
            int r = t.find(a[0], a[1]);
            assertTrue(r >= 0, e[0]);
            assertEquals(Long.parseLong(e[1]), t.asn(r), e[0]);
            assertEquals(e[2], t.name(r), e[0]);
        }
        assertEquals("Google LLC", t.nameOf(15169));

        // binary search speed over the full table (printed, not asserted)
        long[] lows = new long[1 << 16];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        for (int i = 0; i < lows.length; i++) {
            lows[i] = IpAddresses.v4Lo(rnd.nextInt());
        }
        long found = 0;
        long s0 = System.nanoTime();
        for (int round = 0; round < 40; round++) {
            for (long lo : lows) {
                found += t.find(0, lo) >= 0 ? 1 : 0;
            }
        }
        double perSecond = 40.0 * lows.length / ((System.nanoTime() - s0) / 1e9);
        System.out.printf("ASN range table: %.1f M random IPv4 lookups/s (%d found)%n", perSecond / 1e6, found);
    }

    @Test
    void geoLite2DatabasesFromNpmAnswer() throws Exception {
        Path city = data("GeoLite2-City.mmdb"), country = data("GeoLite2-Country.mmdb");
        Enrichment engine = new Enrichment(null);
        try {
            engine.configure(new Settings(true, true, city, false, null, List.of(), "", 1000, "en", false));
            AddressInfo google = engine.lookup(0, IpAddresses.v4Lo(0x0808_0808));
            assertEquals("US", google.countryCode());
            assertEquals("NA", google.continentCode());
            long[] jp = ip("2001:218::1");
            assertEquals("JP", engine.lookup(jp[0], jp[1]).countryCode());
            AddressInfo london = engine.lookup(0, IpAddresses.v4Lo(0x5102_458E)); // 81.2.69.142
            assertEquals("GB", london.countryCode());
            assertTrue(london.latitude() > 49 && london.latitude() < 59, "latitude " + london.latitude());
            assertEquals(List.of("This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com."),
                    engine.attributions());
            engine.configure(new Settings(true, true, country, false, null, List.of(), "", 1000, "en", true));
            assertEquals("US", engine.lookup(0, IpAddresses.v4Lo(0x0808_0808)).countryCode());
        } finally {
            engine.close();
        }
    }
}
