package org.flowlens.api.store;

/**
 * A search of the alert history a {@link FlowStore} keeps: the alerts with an event (raised,
 * ongoing, resolved, acknowledged) in a time range, optionally of one detector and one key, one
 * page of them, most recently updated first. Build one with {@link #between(long, long)} and the
 * {@code with}-style methods, each of which returns a new search.
 *
 * @param fromMillis start of the range, inclusive, epoch milliseconds
 * @param toMillis end of the range, exclusive
 * @param detector only this detector's alerts, e.g. {@code portscan}; null for all
 * @param key only alerts about this key, e.g. a source address; null for all
 * @param offset alerts to skip before the page, from 0
 * @param limit the page size, 1 to {@link #MAX_LIMIT}
 */
public record AlertSearch(long fromMillis, long toMillis, String detector, String key, int offset, int limit) {
    /** The largest page. */
    public static final int MAX_LIMIT = 10_000;
    /** The page size of {@link #between(long, long)}. */
    public static final int DEFAULT_LIMIT = 100;

    public AlertSearch {
        if (fromMillis >= toMillis) {
            throw new IllegalArgumentException("the range must end after it starts: from " + fromMillis + " to " + toMillis);
        }
        if (detector != null && detector.isEmpty()) {
            detector = null;
        }
        if (key != null && key.isEmpty()) {
            key = null;
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative, got " + offset);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1-" + MAX_LIMIT + ", got " + limit);
        }
    }

    /** Every alert with an event in {@code [fromMillis, toMillis)}, the first {@link #DEFAULT_LIMIT}. */
    public static AlertSearch between(long fromMillis, long toMillis) {
        return new AlertSearch(fromMillis, toMillis, null, null, 0, DEFAULT_LIMIT);
    }

    public AlertSearch detector(String value) {
        return new AlertSearch(fromMillis, toMillis, value, key, offset, limit);
    }

    public AlertSearch key(String value) {
        return new AlertSearch(fromMillis, toMillis, detector, value, offset, limit);
    }

    /** The page of {@code limit} alerts after the first {@code offset}. */
    public AlertSearch page(int offsetValue, int limitValue) {
        return new AlertSearch(fromMillis, toMillis, detector, key, offsetValue, limitValue);
    }
}
