package org.flowlens.api.store;

import java.util.List;

import org.flowlens.api.query.Metric;
import org.flowlens.api.query.Point;

/**
 * Traffic over a range in equal steps, in total and per group (protocol, or port and protocol).
 *
 * @param dimension what the lines are grouped by
 * @param fromMillis start of the first step (the range asked for, widened to whole steps)
 * @param toMillis end of the last step
 * @param stepMillis width of each point, whole minutes
 * @param order the metric the lines are ranked by
 * @param total one point per step, oldest first; steps without traffic are present with zeros
 * @param lines the heaviest groups over the range, heaviest first, each with points aligned to
 *     {@link #total()}; when more groups had traffic, a last line {@link Line#OTHER} sums the rest
 * @param atMillis when the answer was made
 */
public record Series(Dimension dimension, long fromMillis, long toMillis, long stepMillis, Metric order,
        List<Point> total, List<Line> lines, long atMillis) {
    public Series {
        total = List.copyOf(total);
        lines = List.copyOf(lines);
    }

    /** What a series is grouped by. */
    public enum Dimension { PROTOCOL, PORT }

    /**
     * One group.
     *
     * @param key {@code TCP} for a protocol, {@code 443/TCP} for a port, {@link #OTHER} for the rest
     * @param protocol IANA protocol number, -1 for {@link #OTHER}
     * @param port the service port ({@link Dimension#PORT} only), otherwise -1
     * @param bytes bytes over the whole range
     * @param packets packets over the whole range
     * @param flows records over the whole range
     */
    public record Line(String key, int protocol, int port, long bytes, long packets, long flows, List<Point> points) {
        public static final String OTHER = "OTHER";

        public Line {
            points = List.copyOf(points);
        }
    }
}
