package org.flowlens.store.sql;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

import org.flowlens.api.flow.IpAddresses;

/** SQL pieces and time arithmetic the engines and the queries share. */
public final class StoreSql {
    public static final long MINUTE = 60_000;
    public static final long DAY = 86_400_000;

    /**
     * The service port of a raw row: for TCP, UDP and SCTP the lower of the two ports unless the
     * source port is 0, otherwise the destination port; 0 for other protocols.
     */
    public static final String SERVICE_PORT = "CASE WHEN protocol IN (6, 17, 132) THEN "
            + "(CASE WHEN src_port <> 0 AND src_port < dst_port THEN src_port ELSE dst_port END) ELSE 0 END";

    private StoreSql() {}

    /** A 64-bit integer literal every engine reads as such, including {@link Long#MIN_VALUE}. */
    public static String literal(long v) {
        return v == Long.MIN_VALUE ? "(-9223372036854775807 - 1)" : Long.toString(v);
    }

    /**
     * A condition that a pair of address columns ({@code <column>_hi}, {@code <column>_lo}) lies
     * in an address or block ({@code 192.0.2.7}, {@code 10.0.0.0/8}, {@code 2001:db8::/32}). The
     * halves are signed, and a block never spans the sign boundary of a half, so ranges are
     * plain signed BETWEENs that engines can prune with.
     *
     * @throws IllegalArgumentException when the text is not an address or block
     */
    public static String addressCondition(String column, String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash).trim();
        long[] a = IpAddresses.parse(addr);
        boolean v4 = IpAddresses.isV4(a[0], a[1]) && addr.indexOf(':') < 0;
        int max = v4 ? 32 : 128;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in " + text);
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("prefix length must be 0-" + max + " in " + text);
            }
        }
        if (v4) {
            prefix += 96;
        }
        String hi = column + "_hi";
        String lo = column + "_lo";
        if (prefix == 0) {
            return "1 = 1";
        }
        if (prefix < 64) {
            long mask = -1L << (64 - prefix);
            long min = a[0] & mask;
            return "(" + hi + " BETWEEN " + literal(min) + " AND " + literal(min | ~mask) + ")";
        }
        if (prefix == 64) {
            return "(" + hi + " = " + literal(a[0]) + ")";
        }
        if (prefix == 128) {
            return "(" + hi + " = " + literal(a[0]) + " AND " + lo + " = " + literal(a[1]) + ")";
        }
        long mask = -1L << (128 - prefix);
        long min = a[1] & mask;
        return "(" + hi + " = " + literal(a[0]) + " AND " + lo + " BETWEEN " + literal(min) + " AND " + literal(min | ~mask) + ")";
    }

    public static long floorMinute(long millis) {
        return Math.floorDiv(millis, MINUTE) * MINUTE;
    }

    public static long ceilMinute(long millis) {
        return -Math.floorDiv(-millis, MINUTE) * MINUTE;
    }

    public static long floorTo(long millis, long step) {
        return Math.floorDiv(millis, step) * step;
    }

    public static long ceilTo(long millis, long step) {
        return -Math.floorDiv(-millis, step) * step;
    }

    /** Start of the oldest UTC day of raw records kept: {@code days} whole days before today. */
    public static long rawCutoff(long nowMillis, int days) {
        return Math.floorDiv(nowMillis, DAY) * DAY - days * DAY;
    }

    /** Start of the oldest UTC month of rollups kept: {@code months} whole months before this one. */
    public static long rollupCutoff(long nowMillis, int months) {
        LocalDate first = Instant.ofEpochMilli(nowMillis).atOffset(ZoneOffset.UTC).toLocalDate().withDayOfMonth(1).minusMonths(months);
        return first.toEpochDay() * DAY;
    }
}
