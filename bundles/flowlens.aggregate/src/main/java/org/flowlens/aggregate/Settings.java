package org.flowlens.aggregate;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A validated aggregation configuration and what follows from it: how many slots the time
 * structure keeps and how many keys each summary may hold within the memory budget.
 *
 * <p>Memory model. Every summary of a dimension lives in one of a bounded number of places at
 * once: the panes being written (active, spare and up to {@link #MAX_PENDING} waiting ones), the
 * slots (at most {@link #SLOTS_PER_LEVEL} per level plus the open one), a merge in progress, the
 * window views (published and being built, with their merge accumulators of twice the capacity) and
 * the cumulative counters (live, published and being built). Each holds at most {@code capacity}
 * entries of at most {@link KeyTable#bytesPerEntry} bytes, so capacity is the budget, less fixed
 * costs, divided by the number of places times the sum of entry sizes. Fields with few possible
 * values (protocol, ports, countries, ...) are capped at that number instead. The panes also hold
 * the tables they share between the dimensions of a family ({@link Pane#FAMILIES}), and each table
 * written in place keeps the scratch of its purges; both are counted.
 */
public final class Settings {
    public enum TimeSource { RECEIVED, END, ARRIVAL }

    /** Slots kept per level of the time structure before the two oldest merge into the next level. */
    static final int SLOTS_PER_LEVEL = 12;
    /** Full panes the ingest thread may queue for the refresh thread before it keeps writing the current one. */
    static final int MAX_PENDING = 2;
    static final int MIN_CAPACITY = 256;
    /** Panes alive at once: the active one, a spare and the pending ones. */
    static final long PANES = 2 + MAX_PENDING;

    public static final List<String> DEFAULT_WINDOWS = List.of("1m", "5m", "15m", "1h");
    public static final List<String> DEFAULT_DIMENSIONS = List.of("session", "src_addr", "dst_addr", "dst_port+protocol",
            "protocol", "src_country", "dst_country", "src_asn+src_as_name", "dst_asn+dst_as_name", "dst_domain",
            "exporter", "exporter+in_if", "exporter+out_if");

    final List<Duration> windows;
    final long bucketMillis;
    final List<Dimension> dimensions;
    final int topN;
    final long budgetBytes;
    final long refreshMillis;
    final TimeSource timeSource;
    final long latenessMillis;
    final long trendMillis;

    final int levels;
    final int maxSlots;
    final int capacity;

    /** Keys each unbounded summary may hold. */
    public int capacity() {
        return capacity;
    }
    /** Capacity by canonical dimension spelling, in configuration order. */
    final Map<String, Integer> capacities;
    final int sourceCapacity;

    /** The defaults of the Metatype configuration. */
    public static Settings defaults() {
        return new Settings(DEFAULT_WINDOWS, "5s", DEFAULT_DIMENSIONS, 100, 256, "5s", "received", "60s", "6h");
    }

    /**
     * Validates a configuration.
     *
     * @throws IllegalArgumentException with a sentence naming what is wrong
     */
    public Settings(List<String> windows, String bucket, List<String> dimensions, int topN, int budgetMegabytes, String refresh,
            String timeSource, String lateness, String trend) {
        if (windows == null || windows.isEmpty()) {
            throw new IllegalArgumentException("no windows configured");
        }
        this.bucketMillis = millis("bucket size", bucket);
        if (bucketMillis < 100 || bucketMillis > 3_600_000) {
            throw new IllegalArgumentException("bucket size " + bucket + " is outside 100ms..1h");
        }
        List<Duration> ws = new ArrayList<>();
        for (String w : windows) {
            long ms = millis("window", w);
            if (ms < bucketMillis) {
                throw new IllegalArgumentException("window " + w + " is shorter than the bucket size " + bucket);
            }
            if (ms > 7L * 24 * 3_600_000) {
                throw new IllegalArgumentException("window " + w + " is longer than 7 days");
            }
            Duration d = Duration.ofMillis(ms);
            if (ws.contains(d)) {
                throw new IllegalArgumentException("window " + w + " is configured twice");
            }
            ws.add(d);
        }
        Collections.sort(ws);
        this.windows = List.copyOf(ws);
        if (dimensions == null) {
            throw new IllegalArgumentException("no dimensions configured");
        }
        List<Dimension> ds = new ArrayList<>();
        for (String text : dimensions) {
            Dimension d = Dimension.parse(text);
            for (Dimension other : ds) {
                if (other.spec.equals(d.spec)) {
                    throw new IllegalArgumentException("dimension " + text + " is configured twice (as " + d.spec + ")");
                }
            }
            ds.add(d);
        }
        this.dimensions = List.copyOf(ds);
        if (topN < 1 || topN > 100_000) {
            throw new IllegalArgumentException("top-N size " + topN + " is outside 1..100000");
        }
        this.topN = topN;
        if (budgetMegabytes < 1) {
            throw new IllegalArgumentException("memory budget " + budgetMegabytes + " MB must be positive");
        }
        this.budgetBytes = budgetMegabytes * 1024L * 1024L;
        this.refreshMillis = millis("refresh interval", refresh);
        if (refreshMillis < 100 || refreshMillis > bucketMillis) {
            throw new IllegalArgumentException("refresh interval " + refresh + " must be between 100ms and the bucket size " + bucket);
        }
        try {
            this.timeSource = TimeSource.valueOf(timeSource.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("time source '" + timeSource + "' is not one of received, end, arrival");
        }
        this.latenessMillis = millis("lateness", lateness);
        this.trendMillis = millis("trend retention", trend);
        if (trendMillis < bucketMillis || trendMillis > 7L * 24 * 3_600_000) {
            throw new IllegalArgumentException("trend retention " + trend + " is outside the bucket size..7 days");
        }

        long maxWindow = this.windows.get(this.windows.size() - 1).toMillis();
        int l = 1;
        while (SLOTS_PER_LEVEL * bucketMillis * ((1L << l) - 1) < maxWindow + bucketMillis) {
            l++;
        }
        this.levels = l;
        this.maxSlots = SLOTS_PER_LEVEL * l + 1;

        long places = places();
        // the purge scratch of each table written in place (panes, cumulative counters)
        long scratch = (PANES + 1) * (ds.size() + 4L) * (16 + 8L * KeyTable.SAMPLE);
        long fixed = places * (256 * 3 * 8 + 3 * (16 + (1 << Pane.GLOBAL_P)) + 512) + trendPoints() * 512L + scratch;
        long perSource = KeyTable.bytesPerEntry(2, 0, Pane.SOURCE_PAYLOAD);
        // tables the panes share between dimensions of a family: in the panes only, per unbounded key
        long perShared = 0;
        for (Dimension d : Pane.plan(ds).extraTables(ds)) {
            long e = KeyTable.bytesPerEntry(d.words, d.objects, 0);
            if (d.distinct > 0) {
                fixed += PANES * Math.min(d.distinct, 1L << 24) * e;
            } else {
                perShared += e;
            }
        }
        // find the capacity, capping fields with few values at their count
        boolean[] bounded = new boolean[ds.size()];
        long c = 0;
        for (int round = 0; round <= ds.size(); round++) {
            long free = budgetBytes - fixed;
            long perKey = perSource;
            for (int i = 0; i < ds.size(); i++) {
                Dimension d = ds.get(i);
                long e = KeyTable.bytesPerEntry(d.words, d.objects, 0);
                if (bounded[i]) {
                    free -= places * d.distinct * e;
                } else {
                    perKey += e;
                }
            }
            c = free <= 0 ? 0 : free / (places * perKey + PANES * perShared);
            boolean changed = false;
            for (int i = 0; i < ds.size(); i++) {
                Dimension d = ds.get(i);
                if (!bounded[i] && d.distinct > 0 && d.distinct < c) {
                    bounded[i] = true;
                    changed = true;
                }
            }
            if (!changed) {
                break;
            }
        }
        long need = Math.max(MIN_CAPACITY, 4L * topN);
        if (c < need) {
            long perKey = perSource;
            for (Dimension d : ds) {
                perKey += KeyTable.bytesPerEntry(d.words, d.objects, 0);
            }
            long mb = (fixed + (places * perKey + PANES * perShared) * need) / (1024 * 1024) + 1;
            throw new IllegalArgumentException("memory budget " + budgetMegabytes + " MB is too small for " + ds.size()
                    + " dimensions, windows up to " + this.windows.get(this.windows.size() - 1) + " and top-N " + topN
                    + ": it needs at least " + mb + " MB");
        }
        this.capacity = (int) Math.min(c, KeyTable.MAX_CAPACITY / 2);
        Map<String, Integer> caps = new LinkedHashMap<>();
        for (int i = 0; i < ds.size(); i++) {
            Dimension d = ds.get(i);
            caps.put(d.spec, bounded[i] ? (int) d.distinct : capacity);
        }
        this.capacities = Collections.unmodifiableMap(caps);
        this.sourceCapacity = capacity;
    }

    /** How many copies of each summary may be alive at once (see the class comment). */
    long places() {
        return PANES + maxSlots + 3 + 4L * windows.size() + 3;
    }

    long trendPoints() {
        return trendMillis / bucketMillis + 2;
    }

    long maxWindowMillis() {
        return windows.get(windows.size() - 1).toMillis();
    }

    Dimension dimension(String spec) {
        for (Dimension d : dimensions) {
            if (d.spec.equals(spec)) {
                return d;
            }
        }
        return null;
    }

    int[] capacityArray() {
        int[] a = new int[dimensions.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = capacities.get(dimensions.get(i).spec);
        }
        return a;
    }

    Map<String, Dimension> bySpec() {
        Map<String, Dimension> m = new HashMap<>();
        for (Dimension d : dimensions) {
            m.put(d.spec, d);
        }
        return m;
    }

    /** Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d} or ISO-8601 ({@code PT5M}). */
    static long millis(String what, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT)).toMillis();
            }
            long unit;
            String num;
            if (t.endsWith("ms")) {
                unit = 1;
                num = t.substring(0, t.length() - 2);
            } else if (t.endsWith("s")) {
                unit = 1000;
                num = t.substring(0, t.length() - 1);
            } else if (t.endsWith("m")) {
                unit = 60_000;
                num = t.substring(0, t.length() - 1);
            } else if (t.endsWith("h")) {
                unit = 3_600_000;
                num = t.substring(0, t.length() - 1);
            } else if (t.endsWith("d")) {
                unit = 86_400_000;
                num = t.substring(0, t.length() - 1);
            } else {
                throw new IllegalArgumentException(what + " '" + text + "' has no unit (ms, s, m, h, d)");
            }
            long v = Long.parseLong(num.trim());
            if (v <= 0) {
                throw new IllegalArgumentException(what + " '" + text + "' must be positive");
            }
            return Math.multiplyExact(v, unit);
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a duration like 30s, 5m or 1h");
        }
    }

    @Override
    public String toString() {
        return "windows " + windows + ", bucket " + bucketMillis + " ms, dimensions " + capacities.keySet() + ", top-N " + topN
                + ", budget " + budgetBytes / (1024 * 1024) + " MB (capacity " + capacity + " keys per summary), refresh "
                + refreshMillis + " ms, time " + timeSource.name().toLowerCase(Locale.ROOT) + ", lateness " + latenessMillis
                + " ms, trend " + trendMillis + " ms";
    }
}
