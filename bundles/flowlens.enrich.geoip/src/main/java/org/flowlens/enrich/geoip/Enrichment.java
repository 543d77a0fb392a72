package org.flowlens.enrich.geoip;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.flowlens.api.enrich.AddressInfo;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enrichment engine: the loaded data sources, the address cache in front of them, and their
 * hot reload. Public for the benchmarks; the package stays private to the bundle. Readers
 * ({@link #enrich}, {@link #lookup}) run on any number of threads; changes
 * ({@link #configure}, {@link #poll}, {@link #close}) are serialised by the caller's single
 * reload thread and by this object's monitor.
 *
 * <p>A change builds a complete new snapshot (sources plus an empty cache), swaps it in under a
 * write lock that waits for batches being enriched with the old one, and only then closes the
 * sources that left: no lookup ever sees a closed or half-loaded source.
 */
public final class Enrichment implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Enrichment.class);

    /** One immutable state: what lookups use. */
    private record Snapshot(boolean labelSpecial, MaxMindDatabase geo, MaxMindDatabase asnDb, AsnTable table,
            AddressCache cache, List<String> attributions) {}

    /** File identity for change detection: modification time, size and inode where the system has one. */
    record Stamp(long modified, long size, Object key) {
        static Stamp of(Path p) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                return new Stamp(a.lastModifiedTime().toMillis(), a.size(), a.fileKey());
            } catch (IOException e) {
                return null; // missing or unreadable: treated as absent
            }
        }
    }

    /** One configured source: its files, what is loaded from them, and the watch state. */
    private static final class Slot<T> {
        final String name;
        final List<Path> paths;
        T value;
        List<Stamp> loaded, pending, refused;

        Slot(String name, List<Path> paths) {
            this.name = name;
            this.paths = paths;
        }

        List<Stamp> stamps() {
            List<Stamp> s = new ArrayList<>(paths.size());
            for (Path p : paths) {
                s.add(Stamp.of(p));
            }
            return s;
        }

        boolean allMissing(List<Stamp> stamps) {
            for (Stamp s : stamps) {
                if (s != null) {
                    return false;
                }
            }
            return true;
        }
    }

    private interface Loader<T> {
        T load(List<Path> paths) throws IOException;
    }

    private static final class LocalCounter implements Counter {
        private final LongAdder value = new LongAdder();

        @Override
        public void add(long n) {
            value.add(n);
        }

        @Override
        public long get() {
            return value.sum();
        }
    }

    private final Metrics metrics;
    private final Counter hits, misses, special, errors, loaded, refused;
    private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock();
    private volatile Snapshot snapshot = new Snapshot(true, null, null, null, new AddressCache(0), List.of());
    private Settings settings;
    private Slot<MaxMindDatabase> geo, asnDb;
    private Slot<AsnTable> csv;
    private boolean closed;
    private List<String> previousNotes;

    /** @param metrics the registry to count in, or null to count locally */
    public Enrichment(Metrics metrics) {
        this.metrics = metrics;
        String lookups = "flowlens_enrich_geoip_lookups_total";
        String lookupsHelp = "Addresses the GeoIP/ASN enricher resolved, by how: cache hit, cache miss (database lookup) or special range label";
        hits = counter(lookups, lookupsHelp, "result", "hit");
        misses = counter(lookups, lookupsHelp, "result", "miss");
        special = counter(lookups, lookupsHelp, "result", "special");
        errors = counter("flowlens_enrich_geoip_lookup_errors_total", "Database lookups that failed (the address stays unenriched)");
        String reloads = "flowlens_enrich_geoip_reloads_total";
        String reloadsHelp = "Database and range files loaded or refused (the previous data kept)";
        loaded = counter(reloads, reloadsHelp, "result", "loaded");
        refused = counter(reloads, reloadsHelp, "result", "refused");
        if (metrics != null) {
            metrics.gauge("flowlens_enrich_geoip_cache_hit_ratio", "Share of non-special address lookups answered by the cache since start",
                    this::hitRatio);
            metrics.gauge("flowlens_enrich_geoip_cache_capacity", "Addresses the GeoIP/ASN cache holds at most",
                    () -> snapshot.cache().capacity());
            metrics.gauge("flowlens_enrich_geoip_asn_ranges", "Ranges in the ASN range table", () -> {
                AsnTable t = snapshot.table();
                return t == null ? 0 : t.v4Ranges() + t.v6Ranges();
            });
        }
    }

    private Counter counter(String name, String help, String... labels) {
        return metrics != null ? metrics.counter(name, help, labels) : new LocalCounter();
    }

    public double hitRatio() {
        long h = hits.get(), m = misses.get();
        return h + m == 0 ? 0 : (double) h / (h + m);
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    public long specials() {
        return special.get();
    }

    long reloadsLoaded() {
        return loaded.get();
    }

    long reloadsRefused() {
        return refused.get();
    }

    int cacheCapacity() {
        return snapshot.cache().capacity();
    }

    int cachedEntries() {
        return snapshot.cache().size();
    }

    /** For tests: the City/Country database in use, or null. */
    synchronized MaxMindDatabase geoDatabase() {
        return geo == null ? null : geo.value;
    }

    List<String> attributions() {
        return snapshot.attributions();
    }

    // ---- readers ----------------------------------------------------------------------------

    /** Enriches every record of the batch. Never throws for bad data; failed lookups are counted. */
    public void enrich(FlowBatch batch) {
        ReentrantReadWriteLock.ReadLock lock = swap.readLock();
        lock.lock();
        try {
            Snapshot s = snapshot;
            AddressCache cache = s.cache();
            long h = 0, m = 0, sp = 0;
            for (int i = 0, n = batch.size(); i < n; i++) {
                FlowRecord r = batch.get(i);
                long hi = r.srcHi(), lo = r.srcLo();
                AddressInfo a = s.labelSpecial() ? SpecialRanges.of(hi, lo) : null;
                if (a != null) {
                    sp++;
                } else if ((a = cache.get(hi, lo)) != null) {
                    h++;
                } else {
                    a = resolve(s, hi, lo);
                    cache.put(hi, lo, a);
                    m++;
                }
                applySource(r, a, s);
                hi = r.dstHi();
                lo = r.dstLo();
                a = s.labelSpecial() ? SpecialRanges.of(hi, lo) : null;
                if (a != null) {
                    sp++;
                } else if ((a = cache.get(hi, lo)) != null) {
                    h++;
                } else {
                    a = resolve(s, hi, lo);
                    cache.put(hi, lo, a);
                    m++;
                }
                applyDestination(r, a, s);
            }
            if (h != 0) {
                hits.add(h);
            }
            if (m != 0) {
                misses.add(m);
            }
            if (sp != 0) {
                special.add(sp);
            }
        } finally {
            lock.unlock();
        }
    }

    private static void applySource(FlowRecord r, AddressInfo a, Snapshot s) {
        if (a == AddressInfo.UNKNOWN) {
            if (r.srcAs() != 0 && r.srcAsName() == null && s.table() != null) {
                r.srcAsName(s.table().nameOf(r.srcAs()));
            }
            return;
        }
        if (a.countryCode() != null) {
            r.srcCountry(a.countryCode());
        }
        if (a.city() != null) {
            r.srcCity(a.city());
        }
        if (a.latitude() == a.latitude()) {
            r.srcLocation(a.latitude(), a.longitude());
        }
        long as = r.srcAs();
        if (as == 0) {
            if (a.asn() != 0) {
                r.srcAs(a.asn()).srcAsName(a.asName());
            }
        } else if (r.srcAsName() == null) {
            r.srcAsName(as == a.asn() ? a.asName() : s.table() != null ? s.table().nameOf(as) : null);
        }
    }

    private static void applyDestination(FlowRecord r, AddressInfo a, Snapshot s) {
        if (a == AddressInfo.UNKNOWN) {
            if (r.dstAs() != 0 && r.dstAsName() == null && s.table() != null) {
                r.dstAsName(s.table().nameOf(r.dstAs()));
            }
            return;
        }
        if (a.countryCode() != null) {
            r.dstCountry(a.countryCode());
        }
        if (a.city() != null) {
            r.dstCity(a.city());
        }
        if (a.latitude() == a.latitude()) {
            r.dstLocation(a.latitude(), a.longitude());
        }
        long as = r.dstAs();
        if (as == 0) {
            if (a.asn() != 0) {
                r.dstAs(a.asn()).dstAsName(a.asName());
            }
        } else if (r.dstAsName() == null) {
            r.dstAsName(as == a.asn() ? a.asName() : s.table() != null ? s.table().nameOf(as) : null);
        }
    }

    /** What is known about one address, through the cache. */
    public AddressInfo lookup(long hi, long lo) {
        ReentrantReadWriteLock.ReadLock lock = swap.readLock();
        lock.lock();
        try {
            Snapshot s = snapshot;
            AddressInfo a = s.labelSpecial() ? SpecialRanges.of(hi, lo) : null;
            if (a != null) {
                special.increment();
                return a;
            }
            a = s.cache().get(hi, lo);
            if (a != null) {
                hits.increment();
                return a;
            }
            a = resolve(s, hi, lo);
            s.cache().put(hi, lo, a);
            misses.increment();
            return a;
        } finally {
            lock.unlock();
        }
    }

    private AddressInfo resolve(Snapshot s, long hi, long lo) {
        MaxMindDatabase.Found f = null;
        if (s.geo() != null) {
            f = new MaxMindDatabase.Found();
            ask(s.geo(), hi, lo, f);
        }
        if (s.asnDb() != null) {
            if (f == null) {
                f = new MaxMindDatabase.Found();
            }
            ask(s.asnDb(), hi, lo, f);
        }
        AsnTable t = s.table();
        if (t != null && (f == null || f.asn == 0)) {
            int range = t.find(hi, lo);
            if (range >= 0) {
                if (f == null) {
                    f = new MaxMindDatabase.Found();
                }
                f.asn = t.asn(range);
                f.asName = t.name(range);
            }
        }
        if (f == null || (f.countryCode == null && f.continentCode == null && f.city == null && f.asn == 0
                && f.latitude != f.latitude)) {
            return AddressInfo.UNKNOWN;
        }
        return new AddressInfo(f.countryCode, f.countryName, f.continentCode, f.city, f.latitude, f.longitude, f.asn, f.asName);
    }

    private void ask(MaxMindDatabase db, long hi, long lo, MaxMindDatabase.Found f) {
        try {
            db.lookup(hi, lo, f);
        } catch (IOException | RuntimeException | InternalError e) {
            // InternalError: a memory-mapped file truncated underneath (replaced in place, not renamed)
            errors.increment();
            LOG.debug("Lookup in {} failed", db.path(), e);
        }
    }

    // ---- changes ----------------------------------------------------------------------------

    /**
     * Applies new settings: sources whose files or options changed are (re)loaded now, the rest
     * are kept. A source that cannot be loaded is reported and, when the same kind of source was
     * loaded before, the previous one keeps serving until its new file loads.
     */
    public synchronized void configure(Settings next) {
        if (closed) {
            return;
        }
        Settings prev = settings;
        settings = next;
        List<Closeable> leaving = new ArrayList<>();
        boolean mmdbOptionsChanged = prev == null || !prev.language().equals(next.language())
                || prev.memoryMapped() != next.memoryMapped();

        List<Path> geoPaths = next.geoEnabled() && next.geoDatabase() != null ? List.of(next.geoDatabase()) : List.of();
        geo = reslot(geo, "geo", geoPaths, mmdbOptionsChanged, this::openGeo, leaving);
        List<Path> asnPaths = next.asnEnabled() && next.asnDatabase() != null ? List.of(next.asnDatabase()) : List.of();
        asnDb = reslot(asnDb, "asn", asnPaths, mmdbOptionsChanged, this::openAsn, leaving);
        List<Path> csvPaths = next.asnEnabled() ? next.asnCsv() : List.of();
        csv = reslot(csv, "asn-csv", csvPaths, false, Enrichment::loadCsv, leaving);
        publish(next, leaving);
    }

    private <T> Slot<T> reslot(Slot<T> old, String name, List<Path> paths, boolean reopen, Loader<T> loader, List<Closeable> leaving) {
        if (old != null && old.paths.equals(paths) && !reopen) {
            return old;
        }
        Slot<T> slot = new Slot<>(name, paths);
        if (!paths.isEmpty()) {
            List<Stamp> stamps = slot.stamps();
            if (slot.allMissing(stamps)) {
                LOG.warn("GeoIP/ASN data {} not found; watching for it", paths);
                slot.loaded = stamps;
            } else {
                try {
                    slot.value = loader.load(paths);
                    slot.loaded = stamps;
                    loaded.increment();
                } catch (IOException | RuntimeException e) {
                    refused.increment();
                    slot.refused = stamps;
                    if (old != null && old.value != null) {
                        LOG.error("Refused {}: {}; {} keeps serving until the file is fixed", paths, e.getMessage(), old.paths);
                        slot.value = old.value;
                        return slot;
                    }
                    LOG.error("Refused {}: {}; enriching without it until the file is fixed", paths, e.getMessage());
                }
            }
        }
        if (old != null && old.value != null && old.value != slot.value) {
            leaving.add(closeable(old.value));
        }
        return slot;
    }

    private static Closeable closeable(Object value) {
        return value instanceof Closeable c ? c : () -> { };
    }

    /**
     * Checks the watched files once. A changed file is loaded once it has stayed the same for one
     * further check (so a file still being written is not read half-way); a file that fails to
     * load is refused once, with the reason, and the previous data stays in use.
     */
    public synchronized void poll() {
        if (closed || settings == null) {
            return;
        }
        List<Closeable> leaving = new ArrayList<>();
        boolean changed = check(geo, this::openGeo, leaving);
        changed |= check(asnDb, this::openAsn, leaving);
        changed |= check(csv, Enrichment::loadCsv, leaving);
        if (changed) {
            publish(settings, leaving);
        }
    }

    private <T> boolean check(Slot<T> slot, Loader<T> loader, List<Closeable> leaving) {
        if (slot == null || slot.paths.isEmpty()) {
            return false;
        }
        List<Stamp> now = slot.stamps();
        if (now.equals(slot.loaded) || now.equals(slot.refused)) {
            slot.pending = null;
            return false;
        }
        if (slot.allMissing(now)) {
            if (slot.value != null) {
                LOG.warn("GeoIP/ASN data {} disappeared; keeping the data loaded from it", slot.paths);
            }
            slot.loaded = now;
            slot.pending = null;
            return false;
        }
        if (!now.equals(slot.pending)) {
            slot.pending = now;
            return false;
        }
        slot.pending = null;
        try {
            T value = loader.load(slot.paths);
            if (slot.value != null) {
                leaving.add(closeable(slot.value));
            }
            slot.value = value;
            slot.loaded = now;
            slot.refused = null;
            loaded.increment();
            LOG.info("Reloaded {}", slot.paths);
            return true;
        } catch (IOException | RuntimeException e) {
            slot.refused = now;
            refused.increment();
            LOG.error("Refused the new {}: {}; {}", slot.paths, e.getMessage(),
                    slot.value != null ? "the previous data stays in use" : "enriching without it until the file is fixed");
            return false;
        }
    }

    private MaxMindDatabase openGeo(List<Path> paths) throws IOException {
        MaxMindDatabase db = MaxMindDatabase.open(paths.get(0), true, settings.language(), settings.memoryMapped());
        LOG.info("GeoIP database {} loaded ({})", db.path(), db.type());
        return db;
    }

    private MaxMindDatabase openAsn(List<Path> paths) throws IOException {
        MaxMindDatabase db = MaxMindDatabase.open(paths.get(0), false, settings.language(), settings.memoryMapped());
        LOG.info("ASN database {} loaded ({})", db.path(), db.type());
        return db;
    }

    /** Builds one range table from every present file; any unreadable file refuses the whole set. */
    static AsnTable loadCsv(List<Path> paths) throws IOException {
        AsnTable.Builder b = new AsnTable.Builder();
        long bad = 0;
        List<Path> read = new ArrayList<>();
        for (Path p : paths) {
            if (!Files.exists(p)) {
                LOG.warn("ASN range file {} not found; watching for it", p);
                continue;
            }
            AsnCsv.Result r = AsnCsv.read(p, b);
            bad += r.bad();
            read.add(p);
        }
        if (read.isEmpty()) {
            throw new IOException("none of " + paths + " exists");
        }
        AsnTable t = b.build();
        LOG.info("ASN range table loaded from {}: {} IPv4 and {} IPv6 ranges{}", read, t.v4Ranges(), t.v6Ranges(),
                bad > 0 ? ", " + bad + " unreadable lines skipped" : "");
        return t;
    }

    private void publish(Settings s, List<Closeable> leaving) {
        MaxMindDatabase g = geo == null ? null : geo.value;
        MaxMindDatabase a = asnDb == null ? null : asnDb.value;
        AsnTable t = csv == null ? null : csv.value;
        List<String> notes = new ArrayList<>();
        if (g != null) {
            notes.add(g.attribution());
        }
        if (a != null && !Objects.equals(g == null ? null : g.attribution(), a.attribution())) {
            notes.add(a.attribution());
        }
        if (t != null && s.asnCsvAttribution() != null && !s.asnCsvAttribution().isBlank()) {
            notes.add(s.asnCsvAttribution());
        }
        Snapshot next = new Snapshot(s.labelSpecialRanges(), g, a, t, new AddressCache(s.cacheSize()),
                Collections.unmodifiableList(notes));
        ReentrantReadWriteLock.WriteLock lock = swap.writeLock();
        lock.lock();
        try {
            snapshot = next;
        } finally {
            lock.unlock();
        }
        if (!notes.equals(previousNotes)) {
            LOG.info("GeoIP/ASN enrichment data in use: {}", notes.isEmpty() ? "none (special ranges only)" : String.join(" ", notes));
        }
        previousNotes = notes;
        // no reader holds the old snapshot any more: the sources that left can be closed
        for (Closeable c : leaving) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("Closing {} failed", c, e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Closeable> leaving = new ArrayList<>();
        for (Slot<?> slot : java.util.Arrays.asList(geo, asnDb, csv)) {
            if (slot != null && slot.value != null) {
                leaving.add(closeable(slot.value));
            }
        }
        ReentrantReadWriteLock.WriteLock lock = swap.writeLock();
        lock.lock();
        try {
            snapshot = new Snapshot(snapshot.labelSpecial(), null, null, null, new AddressCache(0), List.of());
        } finally {
            lock.unlock();
        }
        for (Closeable c : leaving) {
            closeQuietly(c);
        }
        if (metrics != null) {
            metrics.remove("flowlens_enrich_geoip_cache_hit_ratio");
            metrics.remove("flowlens_enrich_geoip_cache_capacity");
            metrics.remove("flowlens_enrich_geoip_asn_ranges");
        }
    }
}
