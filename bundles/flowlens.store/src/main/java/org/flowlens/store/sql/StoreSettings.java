package org.flowlens.store.sql;

import java.util.List;
import java.util.Locale;

import org.flowlens.api.flow.Cidr;

/**
 * The validated settings every store engine shares. {@link #parse} refuses invalid values with an
 * {@link IllegalArgumentException} whose message names the setting and the problem.
 *
 * @param flushMillis how often staged records are committed: at most this much accepted data is
 *     lost in a crash
 * @param queueRecords records that may wait for the writer before new ones are dropped and counted
 * @param rawRetentionDays whole days of raw records kept before the current UTC day
 * @param rollupRetentionMonths whole months of rollups kept before the current UTC month
 * @param storeCidrs when not empty, only records with a source or destination in one of these
 *     blocks are stored
 * @param timeSource which time a record is filed under
 */
public record StoreSettings(long flushMillis, int queueRecords, int rawRetentionDays, int rollupRetentionMonths,
        List<Cidr> storeCidrs, TimeSource timeSource) {

    /** Which time a record is filed under. */
    public enum TimeSource {
        /** The collector's receive time. */
        RECEIVED,
        /** The flow's end time from the exporter's clock, or the receive time when it has none. */
        END
    }

    public static final long MIN_FLUSH_MILLIS = 50;
    public static final long MAX_FLUSH_MILLIS = 60_000;
    public static final int MIN_QUEUE = 1_000;
    public static final int MAX_QUEUE = 100_000_000;
    public static final int MAX_RAW_DAYS = 3_650;
    public static final int MAX_ROLLUP_MONTHS = 1_200;

    public StoreSettings {
        storeCidrs = List.copyOf(storeCidrs);
    }

    /** The defaults: flush every second, a million records queued, 7 days raw, 13 months of rollups. */
    public static StoreSettings defaults() {
        return new StoreSettings(1_000, 1_000_000, 7, 13, List.of(), TimeSource.RECEIVED);
    }

    /**
     * Parses and checks configuration values.
     *
     * @param flushInterval a duration such as {@code 1s}, {@code 500ms}, {@code 2m}
     * @param storeCidrs address blocks; blank entries are ignored
     * @param timeSource {@code received} or {@code end}
     */
    public static StoreSettings parse(String flushInterval, int queueRecords, int rawRetentionDays,
            int rollupRetentionMonths, String[] storeCidrs, String timeSource) {
        long flush = durationMillis("flush interval", flushInterval);
        if (flush < MIN_FLUSH_MILLIS || flush > MAX_FLUSH_MILLIS) {
            throw new IllegalArgumentException("flush interval must be " + MIN_FLUSH_MILLIS + " ms to " + MAX_FLUSH_MILLIS / 1000
                    + " s, got " + flushInterval);
        }
        if (queueRecords < MIN_QUEUE || queueRecords > MAX_QUEUE) {
            throw new IllegalArgumentException("queue size must be " + MIN_QUEUE + "-" + MAX_QUEUE + " records, got " + queueRecords);
        }
        if (rawRetentionDays < 1 || rawRetentionDays > MAX_RAW_DAYS) {
            throw new IllegalArgumentException("raw retention must be 1-" + MAX_RAW_DAYS + " days, got " + rawRetentionDays);
        }
        if (rollupRetentionMonths < 1 || rollupRetentionMonths > MAX_ROLLUP_MONTHS) {
            throw new IllegalArgumentException("rollup retention must be 1-" + MAX_ROLLUP_MONTHS + " months, got " + rollupRetentionMonths);
        }
        List<Cidr> cidrs;
        try {
            cidrs = List.of(Cidr.parseAll(storeCidrs == null ? new String[0] : storeCidrs));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("address filter: " + e.getMessage());
        }
        TimeSource source;
        try {
            source = TimeSource.valueOf(timeSource == null ? "" : timeSource.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("time source must be received or end, got " + timeSource);
        }
        return new StoreSettings(flush, queueRecords, rawRetentionDays, rollupRetentionMonths, cidrs, source);
    }

    /**
     * A duration such as {@code 250ms}, {@code 1s}, {@code 1.5s}, {@code 2m}, {@code 1h}; a bare
     * number is seconds.
     */
    public static long durationMillis(String what, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < t.length() && (Character.isDigit(t.charAt(end)) || t.charAt(end) == '.')) {
            end++;
        }
        String unit = t.substring(end).trim();
        double factor = switch (unit) {
            case "ms" -> 1;
            case "", "s" -> 1_000;
            case "m", "min" -> 60_000;
            case "h" -> 3_600_000;
            default -> -1;
        };
        if (end == 0 || factor < 0) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a duration such as 500ms, 1s, 2m or 1h");
        }
        double value;
        try {
            value = Double.parseDouble(t.substring(0, end));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a duration such as 500ms, 1s, 2m or 1h");
        }
        return Math.round(value * factor);
    }

    /** The time a record is filed under. */
    public long timeOf(org.flowlens.api.flow.FlowRecord r, long nowMillis) {
        long t = timeSource == TimeSource.END && r.endMillis() > 0 ? r.endMillis() : r.receivedMillis();
        return t > 0 ? t : nowMillis;
    }

    /** True when the record is to be stored under the address filter. */
    public boolean admits(org.flowlens.api.flow.FlowRecord r) {
        if (storeCidrs.isEmpty()) {
            return true;
        }
        for (int i = 0, n = storeCidrs.size(); i < n; i++) {
            Cidr c = storeCidrs.get(i);
            if (c.contains(r.srcHi(), r.srcLo()) || c.contains(r.dstHi(), r.dstLo())) {
                return true;
            }
        }
        return false;
    }

    /** What the log says of these settings: flush interval, retention and the address filter. */
    public String describe() {
        return "flush every " + flushMillis + " ms, raw records " + rawRetentionDays + " days, rollups " + rollupRetentionMonths + " months"
                + (storeCidrs.isEmpty() ? "" : ", only " + storeCidrs);
    }
}
