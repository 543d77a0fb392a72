package org.flowlens.api.query;

import java.util.List;

/**
 * Cumulative counters per group of one dimension, for exporters that publish monotonic counters
 * (Prometheus {@code _total} series). A group's counters only grow while it is tracked; a group
 * evicted from the bounded summary disappears and, if it comes back, starts again from zero, which
 * rate functions read as a counter reset.
 *
 * @param dimension canonical dimension spelling
 * @param fields the order of {@link Row#key()}
 * @param sinceMillis when the aggregator started counting this dimension
 * @param atMillis when the snapshot was taken
 * @param error how much any group may have lost to evictions before it was tracked again
 * @param rows heaviest groups by bytes first
 */
public record Counters(String dimension, List<String> fields, long sinceMillis, long atMillis, ErrorBound error,
        List<Row> rows) {

    /** Totals of one group since it has been tracked. */
    public record Row(List<String> key, long bytes, long packets, long flows) {}
}
