package org.flowlens.api.query;

import java.time.Duration;
import java.util.List;

/**
 * The heaviest groups of one dimension over one sliding window.
 *
 * @param dimension the dimension in its canonical spelling, e.g. {@code src_addr+dst_port}
 * @param fields its field names, the order of {@link Group#key()}
 * @param window the configured window asked for
 * @param order the metric the groups are ranked by, heaviest first
 * @param fromMillis start of the span actually covered, epoch milliseconds (windows slide by whole
 *     time buckets, so the span is close to, not exactly, the window)
 * @param toMillis end of the span covered
 * @param atMillis when the snapshot was taken
 * @param totalBytes exact bytes of every record in the span, listed or not
 * @param totalPackets exact packets in the span
 * @param totalFlows exact flow records in the span
 * @param trackedKeys how many keys the summary held
 * @param error the error bound of every value in {@link #groups()}
 * @param groups at most the limit asked for (and at most the configured top-N size)
 */
public record TopN(String dimension, List<String> fields, Duration window, Metric order, long fromMillis, long toMillis,
        long atMillis, long totalBytes, long totalPackets, long totalFlows, long trackedKeys, ErrorBound error,
        List<Group> groups) {}
