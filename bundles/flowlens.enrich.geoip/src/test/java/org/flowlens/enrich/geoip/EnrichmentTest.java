package org.flowlens.enrich.geoip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.flowlens.api.enrich.AddressInfo;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnrichmentTest {
    @TempDir
    Path dir;

    private final TestMetrics metrics = new TestMetrics();
    private Enrichment engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private Enrichment engine(Settings s) {
        engine = new Enrichment(metrics.registry);
        engine.configure(s);
        return engine;
    }

    @Test
    void fillsCountryCityLocationAndAsFromMaxMindDatabases() throws Exception {
        Path city = dir.resolve("city.mmdb"), asn = dir.resolve("asn.mmdb");
        Fixtures.city().writeTo(city);
        Fixtures.asn().writeTo(asn);
        engine(Fixtures.settings(city, asn, List.of(), 1000));

        FlowBatch batch = new FlowBatch();
        FlowRecord r = Fixtures.record(batch, "81.2.69.142", "2001:218::1");
        engine.enrich(batch);

        assertEquals("GB", r.srcCountry());
        assertEquals("London", r.srcCity());
        assertEquals(51.5142f, r.srcLatitude(), 1e-4);
        assertEquals(-0.0931f, r.srcLongitude(), 1e-4);
        assertEquals(20712, r.srcAs());
        assertEquals("Andrews & Arnold Ltd", r.srcAsName());
        assertEquals("JP", r.dstCountry());
        assertEquals("Tokyo", r.dstCity());
        assertEquals(2914, r.dstAs());
        assertEquals("NTT America, Inc.", r.dstAsName());

        AddressInfo info = engine.lookup(0, IpAddresses.v4Lo(0x5102_458E));
        assertEquals("United Kingdom", info.countryName());
        assertEquals("EU", info.continentCode());
        assertEquals(List.of("This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com."),
                engine.attributions());
    }

    @Test
    void stringsOnRecordsAreSharedInstances() throws Exception {
        Path city = dir.resolve("city.mmdb");
        Fixtures.city().writeTo(city);
        Path v4 = dir.resolve("asn-ipv4.csv");
        Fixtures.writeLines(v4, Fixtures.ASN_V4);
        engine(Fixtures.settings(city, null, List.of(v4), 1000));
        FlowBatch batch = new FlowBatch();
        FlowRecord a = Fixtures.record(batch, "81.2.69.1", "8.8.8.8");
        FlowRecord b = Fixtures.record(batch, "81.2.69.200", "8.8.4.4");
        engine.enrich(batch);
        // different addresses, different cache entries, the same String instances
        assertSame(a.srcCountry(), b.srcCountry());
        assertSame(a.srcCity(), b.srcCity());
        assertSame(a.dstAsName(), b.dstAsName());
        assertSame("GB", a.srcCountry(), "interned: equal to the literal's instance");
        assertSame("Google LLC", a.dstAsName());
    }

    @Test
    void keepsTheExportersAsAndNamesIt() throws Exception {
        Path v4 = dir.resolve("asn-ipv4.csv");
        Fixtures.writeLines(v4, Fixtures.ASN_V4);
        engine(Fixtures.settings(null, null, List.of(v4), 1000));
        FlowBatch batch = new FlowBatch();
        FlowRecord r = Fixtures.record(batch, "8.8.8.8", "1.0.0.1");
        r.srcAs(13335); // the exporter's BGP view differs from the table: its number stays, named by number
        r.dstAs(64512); // private AS: no name known
        FlowRecord unknown = Fixtures.record(batch, "100.0.0.1", "99.99.99.99");
        unknown.srcAs(15169);
        engine.enrich(batch);
        assertEquals(13335, r.srcAs());
        assertEquals("Cloudflare, Inc.", r.srcAsName());
        assertEquals(64512, r.dstAs());
        assertNull(r.dstAsName());
        assertEquals(15169, unknown.srcAs());
        assertEquals("Google LLC", unknown.srcAsName());
        assertNull(unknown.dstCountry());
        assertEquals(0, unknown.dstAs());
    }

    @Test
    void labelsSpecialRangesWithoutLookupAndCountsCacheHits() throws Exception {
        Path city = dir.resolve("city.mmdb");
        Fixtures.city().writeTo(city);
        engine(Fixtures.settings(city, null, List.of(), 1000));
        FlowBatch batch = new FlowBatch();
        FlowRecord a = Fixtures.record(batch, "10.1.2.3", "81.2.69.1");
        FlowRecord b = Fixtures.record(batch, "fe80::1", "81.2.69.1");
        FlowRecord c = Fixtures.record(batch, "224.0.0.251", "81.2.69.1");
        engine.enrich(batch);
        assertEquals(AddressInfo.PRIVATE, a.srcCountry());
        assertEquals(AddressInfo.LINK_LOCAL, b.srcCountry());
        assertEquals(AddressInfo.MULTICAST, c.srcCountry());
        assertNull(a.srcCity());
        assertEquals("GB", c.dstCountry());
        assertEquals(3, engine.specials());
        assertEquals(1, engine.misses());
        assertEquals(2, engine.hits());
        assertEquals(2, metrics.count("flowlens_enrich_geoip_lookups_total", "result", "hit"));
        assertEquals(1, metrics.count("flowlens_enrich_geoip_lookups_total", "result", "miss"));
        assertEquals(3, metrics.count("flowlens_enrich_geoip_lookups_total", "result", "special"));
        assertEquals(2.0 / 3, metrics.gauge("flowlens_enrich_geoip_cache_hit_ratio"), 1e-9);
        assertEquals(1000, metrics.gauge("flowlens_enrich_geoip_cache_capacity"));
    }

    @Test
    void geoDataStaysOffUnlessEnabled() throws Exception {
        Path city = dir.resolve("city.mmdb");
        Fixtures.city().writeTo(city);
        Path v4 = dir.resolve("asn-ipv4.csv");
        Fixtures.writeLines(v4, Fixtures.ASN_V4);
        engine(new Settings(true, false, city, true, null, List.of(v4), "x", 100, "en", false));
        FlowBatch batch = new FlowBatch();
        FlowRecord r = Fixtures.record(batch, "81.2.69.1", "8.8.8.8");
        engine.enrich(batch);
        assertNull(r.srcCountry());
        assertEquals(20712, r.srcAs());
        assertEquals(List.of("x"), engine.attributions());
    }

    @Test
    void missingFilesLeaveSpecialLabelsOnlyAndLoadWhenTheyAppear() throws Exception {
        Path city = dir.resolve("city.mmdb");
        engine(Fixtures.settings(city, null, List.of(), 100));
        FlowBatch batch = new FlowBatch();
        FlowRecord r = Fixtures.record(batch, "192.168.1.1", "81.2.69.1");
        engine.enrich(batch);
        assertEquals(AddressInfo.PRIVATE, r.srcCountry());
        assertNull(r.dstCountry());

        Fixtures.city().writeTo(city);
        engine.poll(); // seen
        engine.poll(); // unchanged since: loaded
        FlowBatch next = new FlowBatch();
        FlowRecord s = Fixtures.record(next, "192.168.1.1", "81.2.69.1");
        engine.enrich(next);
        assertEquals("GB", s.dstCountry());
    }

    @Test
    void languageChoosesTheNames() throws Exception {
        Path city = dir.resolve("city.mmdb");
        Fixtures.city().writeTo(city);
        engine(new Settings(true, true, city, false, null, List.of(), "", 100, "de", false));
        AddressInfo info = engine.lookup(0, IpAddresses.v4Lo(0x5102_4501));
        assertEquals("London-de", info.city());
        assertEquals("United Kingdom-de", info.countryName());
    }

    @Test
    void aCountryDatabaseGivesCountriesWithoutCities() throws Exception {
        Path country = dir.resolve("country.mmdb");
        new MmdbWriter("GeoLite2-Country").add("81.2.69.0/24", MmdbWriter.countryOnly("GB", "United Kingdom", "EU")).writeTo(country);
        engine(Fixtures.settings(country, null, List.of(), 100));
        AddressInfo info = engine.lookup(0, IpAddresses.v4Lo(0x5102_4501));
        assertEquals("GB", info.countryCode());
        assertNull(info.city());
        assertTrue(Float.isNaN(info.latitude()));
    }

    @Test
    void refusesADatabaseOfTheWrongKindOrAGarbageFile() throws Exception {
        Path asn = dir.resolve("asn.mmdb");
        Fixtures.asn().writeTo(asn);
        Path junk = dir.resolve("junk.mmdb");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        var e1 = assertThrows(java.io.IOException.class, () -> MaxMindDatabase.open(asn, true, "en", false));
        assertTrue(e1.getMessage().contains("GeoLite2-ASN"), e1.getMessage());
        var e2 = assertThrows(java.io.IOException.class, () -> MaxMindDatabase.open(junk, true, "en", false));
        assertTrue(e2.getMessage().contains("junk.mmdb"), e2.getMessage());
        engine(Fixtures.settings(asn, null, List.of(), 100)); // an ASN file where a City file belongs
        assertEquals(1, engine.reloadsRefused());
        assertEquals(AddressInfo.UNKNOWN, engine.lookup(0, IpAddresses.v4Lo(0x5102_4501)));
    }

    @Test
    void closeRemovesGaugesAndStopsUsingTheFiles() throws Exception {
        Path city = dir.resolve("city.mmdb");
        Fixtures.city().writeTo(city);
        engine(Fixtures.settings(city, null, List.of(), 100));
        MaxMindDatabase db = engine.geoDatabase();
        engine.close();
        assertTrue(!metrics.hasGauge("flowlens_enrich_geoip_cache_hit_ratio"));
        assertThrows(Exception.class, () -> db.lookup(0, IpAddresses.v4Lo(0x5102_4501), new MaxMindDatabase.Found()));
        assertEquals(AddressInfo.UNKNOWN, engine.lookup(0, IpAddresses.v4Lo(0x5102_4501)));
    }
}
