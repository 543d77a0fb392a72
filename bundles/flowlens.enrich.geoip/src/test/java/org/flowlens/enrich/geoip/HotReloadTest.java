package org.flowlens.enrich.geoip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HotReloadTest {
    private static final long LONDON = IpAddresses.v4Lo(0x5102_4501); // 81.2.69.1

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

    private String countryOf(long lo) {
        FlowBatch batch = new FlowBatch();
        FlowRecord r = batch.next().src(0, lo).dst(0, lo);
        engine.enrich(batch);
        return r.srcCountry();
    }

    /** Replaces a file by renaming a new one over it, and moves its time on so the change is seen even on coarse clocks. */
    private static void replace(Path file, byte[] content, long stepMillis) throws Exception {
        FileTime before = Files.exists(file) ? Files.getLastModifiedTime(file) : FileTime.fromMillis(0);
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        Files.write(tmp, content);
        Files.setLastModifiedTime(tmp, FileTime.fromMillis(before.toMillis() + stepMillis));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void aChangedDatabaseIsSwappedInAndTheOldOneClosed() throws Exception {
        Path city = dir.resolve("GeoLite2-City.mmdb");
        replace(city, Fixtures.city().toBytes(), 1000);
        engine = new Enrichment(metrics.registry);
        engine.configure(Fixtures.settings(city, null, List.of(), 1000));
        assertEquals("GB", countryOf(LONDON));
        MaxMindDatabase first = engine.geoDatabase();

        replace(city, Fixtures.cityV2().toBytes(), 2000);
        engine.poll();
        assertEquals("GB", countryOf(LONDON), "a file seen changed once is not read yet: it may still be being written");
        assertSame(first, engine.geoDatabase());
        engine.poll();
        assertEquals("FR", countryOf(LONDON), "the cache was emptied with the swap");
        assertNotSame(first, engine.geoDatabase());
        assertThrows(Exception.class, () -> first.lookup(0, LONDON, new MaxMindDatabase.Found()), "the old reader is closed");
        assertEquals(2, engine.reloadsLoaded());
        assertEquals(2, metrics.count("flowlens_enrich_geoip_reloads_total", "result", "loaded"));
        engine.poll();
        assertEquals(2, engine.reloadsLoaded(), "an unchanged file is not reloaded");
    }

    @Test
    void aBrokenFileIsRefusedOnceAndTheOldDataKept() throws Exception {
        Path city = dir.resolve("GeoLite2-City.mmdb");
        replace(city, Fixtures.city().toBytes(), 1000);
        engine = new Enrichment(metrics.registry);
        engine.configure(Fixtures.settings(city, null, List.of(), 1000));

        byte[] good = Fixtures.cityV2().toBytes();
        byte[] truncated = java.util.Arrays.copyOf(good, good.length / 2); // as a copy cut short leaves it
        replace(city, truncated, 2000);
        engine.poll();
        engine.poll();
        assertEquals("GB", countryOf(LONDON));
        assertEquals(1, engine.reloadsRefused());
        engine.poll();
        engine.poll();
        assertEquals(1, engine.reloadsRefused(), "the same broken file is reported once");

        replace(city, "not a database at all".getBytes(), 3000);
        engine.poll();
        engine.poll();
        assertEquals(2, engine.reloadsRefused());
        assertEquals("GB", countryOf(LONDON));

        replace(city, good, 4000);
        engine.poll();
        engine.poll();
        assertEquals("FR", countryOf(LONDON), "a fixed file loads");
    }

    @Test
    void aDeletedFileKeepsTheLoadedDataAndItsReturnIsLoaded() throws Exception {
        Path city = dir.resolve("GeoLite2-City.mmdb");
        replace(city, Fixtures.city().toBytes(), 1000);
        engine = new Enrichment(metrics.registry);
        engine.configure(Fixtures.settings(city, null, List.of(), 1000));
        Files.delete(city);
        engine.poll();
        engine.poll();
        assertEquals("GB", countryOf(LONDON));
        replace(city, Fixtures.cityV2().toBytes(), 5000);
        engine.poll();
        engine.poll();
        assertEquals("FR", countryOf(LONDON));
    }

    @Test
    void rangeFilesReloadToo() throws Exception {
        Path v4 = dir.resolve("asn-ipv4.csv"), v6 = dir.resolve("asn-ipv6.csv");
        replace(v4, String.join("\n", Fixtures.ASN_V4).getBytes(), 1000);
        replace(v6, String.join("\n", Fixtures.ASN_V6).getBytes(), 1000);
        engine = new Enrichment(metrics.registry);
        engine.configure(Fixtures.settings(null, null, List.of(v4, v6), 1000));
        long google = IpAddresses.v4Lo(0x0808_0808);
        assertEquals(15169, engine.lookup(0, google).asn());
        assertEquals(15169, engine.lookup(0x2001_4860_4860_0000L, 0x8888).asn());

        replace(v4, "8.8.8.0,8.8.8.255,64496,Example AS\n".getBytes(), 2000);
        engine.poll();
        engine.poll();
        assertEquals(64496, engine.lookup(0, google).asn());
        assertEquals("Example AS", engine.lookup(0, google).asName());
        assertEquals(15169, engine.lookup(0x2001_4860_4860_0000L, 0x8888).asn(), "the unchanged IPv6 file is part of the new table");

        replace(v6, "garbage\n\u0000\u0001\n".getBytes(), 3000);
        engine.poll();
        engine.poll();
        assertEquals(1, engine.reloadsRefused());
        assertEquals(64496, engine.lookup(0, google).asn());
        assertEquals(15169, engine.lookup(0x2001_4860_4860_0000L, 0x8888).asn());
    }

    @Test
    void settingsChangeLiveAndABadNewPathKeepsTheOldData() throws Exception {
        Path city = dir.resolve("city.mmdb"), other = dir.resolve("other.mmdb"), broken = dir.resolve("broken.mmdb");
        Fixtures.city().writeTo(city);
        Fixtures.cityV2().writeTo(other);
        Files.writeString(broken, "broken");
        engine = new Enrichment(metrics.registry);
        engine.configure(Fixtures.settings(city, null, List.of(), 1000));
        assertEquals("GB", countryOf(LONDON));
        engine.configure(Fixtures.settings(other, null, List.of(), 12));
        assertEquals("FR", countryOf(LONDON));
        assertEquals(12, engine.cacheCapacity());
        engine.configure(Fixtures.settings(broken, null, List.of(), 10));
        assertEquals("FR", countryOf(LONDON), "refused: the previous database keeps serving");
        Fixtures.city().writeTo(broken);
        engine.poll();
        engine.poll();
        assertEquals("GB", countryOf(LONDON), "the fixed file at the new path loads");
        engine.configure(new Settings(true, false, broken, false, null, List.of(), "", 10, "en", false));
        assertNull(countryOf(LONDON), "disabled");
        assertEquals("PRIVATE", countryOf(IpAddresses.v4Lo(0x0A00_0001)));
        engine.configure(new Settings(false, false, broken, false, null, List.of(), "", 10, "en", false));
        assertNull(countryOf(IpAddresses.v4Lo(0x0A00_0001)), "labels off");
    }

    @Test
    void lookupsNeverFailWhileDatabasesAreSwapped() throws Exception {
        Path city = dir.resolve("GeoLite2-City.mmdb");
        byte[] v1 = Fixtures.city().toBytes(), v2 = Fixtures.cityV2().toBytes();
        replace(city, v1, 1000);
        engine = new Enrichment(metrics.registry);
        engine.configure(Fixtures.settings(city, null, List.of(), 4)); // tiny cache: most lookups reach the reader
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicLong unknown = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch running = new CountDownLatch(2);
        Thread[] workers = new Thread[2];
        for (int w = 0; w < workers.length; w++) {
            workers[w] = new Thread(() -> {
                running.countDown();
                long[] addresses = {LONDON, IpAddresses.v4Lo(0x5102_4502), IpAddresses.v4Lo(0xD8A0_5301), IpAddresses.v4Lo(0xD8A0_5302),
                    IpAddresses.v4Lo(0x5102_4503), IpAddresses.v4Lo(0xD8A0_5303)};
                for (int i = 0; i < 2_000_000 && !stop.get(); i++) {
                    FlowBatch batch = new FlowBatch(8);
                    for (long a : addresses) {
                        batch.next().src(0, a).dst(0, a);
                    }
                    engine.enrich(batch);
                    for (FlowRecord r : batch) {
                        if (r.srcCountry() == null || r.dstCountry() == null) {
                            unknown.incrementAndGet();
                        } else {
                            seen.add(r.srcCountry());
                        }
                    }
                }
            });
            workers[w].start();
        }
        running.await();
        for (int round = 0; round < 20; round++) {
            replace(city, round % 2 == 0 ? v2 : v1, 1000L * (round + 2));
            engine.poll();
            engine.poll();
        }
        stop.set(true);
        for (Thread t : workers) {
            t.join();
        }
        assertEquals(0, unknown.get(), "every lookup answered, before, during and after each swap");
        assertEquals(0, metrics.count("flowlens_enrich_geoip_lookup_errors_total"));
        assertEquals(21, engine.reloadsLoaded());
        assertTrue(seen.containsAll(Set.of("GB", "US")), "answers of the first database: " + seen);
        assertTrue(seen.containsAll(Set.of("FR", "CA")), "answers of the second database: " + seen);
    }
}
