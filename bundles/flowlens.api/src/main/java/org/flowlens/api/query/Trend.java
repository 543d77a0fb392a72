package org.flowlens.api.query;

import java.util.List;
import java.util.Map;

/**
 * Throughput over the last hours in equal steps, in total and per protocol. Every value is exact.
 *
 * @param stepMillis width of each point (a multiple of the bucket size)
 * @param total one point per step, oldest first; steps without traffic are present with zeros
 * @param byProtocol the heaviest protocols by name (see {@link org.flowlens.api.flow.Protocols#name(int)}),
 *     each with points aligned to {@link #total()}; the remaining protocols summed under {@code OTHER}
 */
public record Trend(long fromMillis, long toMillis, long atMillis, long stepMillis, List<Point> total,
        Map<String, List<Point>> byProtocol) {}
