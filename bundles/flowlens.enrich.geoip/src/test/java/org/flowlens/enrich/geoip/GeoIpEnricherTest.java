package org.flowlens.enrich.geoip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.annotation.Annotation;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.flowlens.api.enrich.AddressInfo;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeoIpEnricherTest {
    @TempDir
    Path dir;

    /** A configuration with the annotation's defaults, some of them replaced. */
    private static GeoIpEnricher.Config config(boolean geo, String geoDb, String[] csv, int cacheSize, int reloadSeconds, String language) {
        return new GeoIpEnricher.Config() {
            @Override public Class<? extends Annotation> annotationType() { return GeoIpEnricher.Config.class; }
            @Override public boolean labelSpecialRanges() { return true; }
            @Override public boolean geoEnabled() { return geo; }
            @Override public String geoDatabase() { return geoDb; }
            @Override public boolean asnEnabled() { return true; }
            @Override public String asnDatabase() { return ""; }
            @Override public String[] asnCsv() { return csv; }
            @Override public String asnCsvAttribution() { return GeoIpEnricher.CSV_ATTRIBUTION; }
            @Override public int cacheSize() { return cacheSize; }
            @Override public int reloadSeconds() { return reloadSeconds; }
            @Override public String language() { return language; }
            @Override public boolean memoryMapped() { return false; }
        };
    }

    @Test
    void validatesConfiguration() {
        String[] csv = {"data/geoip/asn-ipv4.csv,data/geoip/asn-ipv6.csv"};
        Settings s = GeoIpEnricher.settings(config(false, "data/geoip/GeoLite2-City.mmdb", csv, 100_000, 5, "en"));
        assertNotNull(s);
        assertEquals(List.of(Paths.get("data/geoip/asn-ipv4.csv"), Paths.get("data/geoip/asn-ipv6.csv")), s.asnCsv(),
                "a comma-separated value, as a .cfg file gives it, is split");
        assertEquals(GeoIpEnricher.defaults(), s);
        assertNull(GeoIpEnricher.settings(config(false, "", csv, -1, 5, "en")));
        assertNull(GeoIpEnricher.settings(config(false, "", csv, 10_000_001, 5, "en")));
        assertNull(GeoIpEnricher.settings(config(false, "", csv, 100, -1, "en")));
        assertNull(GeoIpEnricher.settings(config(false, "", csv, 100, 5, "e n")));
        assertNull(GeoIpEnricher.settings(config(true, " ", csv, 100, 5, "en")), "countries on without a database");
        assertNull(GeoIpEnricher.settings(config(false, "", new String[] {" "}, 100, 5, "en")), "ASN on without any file");
        assertNotNull(GeoIpEnricher.settings(config(false, "", csv, 0, 0, "pt-BR")));
        assertEquals("cacheSize must be 0-10000000, got -1", GeoIpEnricher.problem(config(false, "", csv, -1, 5, "en")));
        assertNull(GeoIpEnricher.problem(config(false, "", csv, 0, 0, "pt-BR")));
    }

    @Test
    void theComponentLoadsInTheBackgroundEnrichesAndStops() throws Exception {
        Path city = dir.resolve("city.mmdb"), v4 = dir.resolve("asn-ipv4.csv");
        Fixtures.city().writeTo(city);
        Fixtures.writeLines(v4, Fixtures.ASN_V4);
        TestMetrics metrics = new TestMetrics();
        GeoIpEnricher component = new GeoIpEnricher(metrics.registry, config(true, city.toString(), new String[] {v4.toString()}, 1000, 0, "en"));
        try {
            // the first load runs on the component's reload thread: wait for it by queueing behind it
            component.modified(config(true, city.toString(), new String[] {v4.toString()}, 1000, 0, "en"));
            awaitLoaded(component);
            FlowBatch batch = new FlowBatch();
            FlowRecord r = Fixtures.record(batch, "81.2.69.1", "10.0.0.1");
            component.enrich(batch);
            assertEquals("GB", r.srcCountry());
            assertEquals(20712, r.srcAs());
            assertEquals(AddressInfo.PRIVATE, r.dstCountry());
            assertEquals("London", component.lookup(0, IpAddresses.v4Lo(0x5102_4501)).city());
            assertEquals(2, component.attributions().size());
            component.modified(config(true, city.toString(), new String[] {v4.toString()}, -5, 0, "en")); // refused
        } finally {
            component.deactivate();
        }
        assertEquals(AddressInfo.UNKNOWN, component.lookup(0, IpAddresses.v4Lo(0x5102_4501)));
    }

    /** Waits until the reload thread has run every task queued so far. */
    private static void awaitLoaded(GeoIpEnricher component) throws Exception {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        component.runOnReloadThread(done::countDown);
        done.await();
    }
}
