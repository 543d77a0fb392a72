package org.flowlens.api.query;

import java.util.List;

/**
 * One row of a group-by answer.
 *
 * @param key the values of the dimension's fields, in the order of {@link TopN#fields()}, as text:
 *     addresses in their usual notation, ports, protocol names, interface indexes, ASNs as numbers,
 *     countries, AS names and domains as enriched ({@code ""} when unknown)
 * @param bytes bytes in the window (a lower bound, see {@link ErrorBound})
 * @param packets packets in the window
 * @param flows flow records in the window (connections)
 * @param bitsPerSecond bytes × 8 over the span the answer covers
 * @param packetsPerSecond packets over the span the answer covers
 */
public record Group(List<String> key, long bytes, long packets, long flows, double bitsPerSecond,
        double packetsPerSecond) {

    /** The value of one field by its name, e.g. {@code dst_port}, or null when the group has no such field. */
    public String field(List<String> fields, String name) {
        int i = fields.indexOf(name);
        return i < 0 ? null : key.get(i);
    }
}
