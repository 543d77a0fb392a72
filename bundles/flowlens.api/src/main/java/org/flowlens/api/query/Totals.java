package org.flowlens.api.query;

/**
 * Totals over a span of time.
 *
 * @param sinceMillis start of the span, epoch milliseconds
 * @param atMillis when the answer was computed, epoch milliseconds
 */
public record Totals(long flows, long bytes, long packets, long sinceMillis, long atMillis) {}
