package org.flowlens.api.query;

/**
 * Health of the aggregator, for the console and internal metrics.
 *
 * @param capacity keys each bounded summary may hold, derived from the memory budget
 * @param retainedBytes bytes held by the aggregates (arrays of the summaries, sketches and series)
 * @param budgetBytes the configured memory budget
 * @param trackedKeys keys held by all summaries together
 * @param late records older than their time bucket that were counted in the current bucket
 * @param stale records older than the allowed lateness, left out of the windows (still in {@link Totals})
 * @param future records stamped ahead of the clock, counted in the current bucket
 * @param lastRefreshMillis when the windows were last recomputed
 * @param refreshMicros how long that took
 */
public record AggregateStatus(int capacity, long retainedBytes, long budgetBytes, long trackedKeys, long late,
        long stale, long future, long lastRefreshMillis, long refreshMicros) {}
