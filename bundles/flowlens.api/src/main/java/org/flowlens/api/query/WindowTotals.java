package org.flowlens.api.query;

import java.time.Duration;

/**
 * Exact totals and rates over one sliding window, with estimates of distinct counts.
 *
 * @param window the configured window asked for
 * @param fromMillis start of the span actually covered, epoch milliseconds
 * @param toMillis end of the span covered
 * @param atMillis when the snapshot was taken
 * @param distinctSources estimated distinct source addresses (HyperLogLog)
 * @param distinctDestinations estimated distinct destination addresses
 * @param distinctSessions estimated distinct 5-tuples
 * @param distinctRelativeError the relative standard error of the three estimates
 */
public record WindowTotals(Duration window, long fromMillis, long toMillis, long atMillis, long bytes, long packets,
        long flows, double bitsPerSecond, double packetsPerSecond, double flowsPerSecond, long distinctSources,
        long distinctDestinations, long distinctSessions, double distinctRelativeError) {}
