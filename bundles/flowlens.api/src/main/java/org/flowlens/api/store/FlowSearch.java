package org.flowlens.api.store;

import org.flowlens.api.flow.Cidr;

/**
 * A log search: a time range, optional filters (all of which must match) and the page to return.
 * Build one with {@link #between(long, long)} and the {@code with}-style methods, each of which
 * returns a new search:
 *
 * <pre>{@code
 * FlowSearch.between(from, to).address("192.0.2.7").port(443).protocol(6).page(0, 50)
 * }</pre>
 *
 * <p>Address filters take a numeric IPv4 or IPv6 address or a block such as {@code 10.0.0.0/8};
 * they are checked when the search is built and throw {@link IllegalArgumentException} when
 * malformed. A port or protocol of {@link #ANY} and a null address do not filter.
 *
 * @param fromMillis start of the range, inclusive, epoch milliseconds
 * @param toMillis end of the range, exclusive
 * @param srcAddress the source address or block
 * @param dstAddress the destination address or block
 * @param address an address or block matched as source or destination
 * @param srcPort the source port, 0-65535
 * @param dstPort the destination port
 * @param port a port matched as source or destination port
 * @param protocol the IANA protocol number, 0-255
 * @param exporter the exporter (router, agent) address or block
 * @param order the order of the page
 * @param offset matches to skip before the page, from 0
 * @param limit the page size, 1 to {@link #MAX_LIMIT}
 */
public record FlowSearch(long fromMillis, long toMillis, String srcAddress, String dstAddress, String address,
        int srcPort, int dstPort, int port, int protocol, String exporter, Order order, int offset, int limit) {

    /** No filter on this port or protocol. */
    public static final int ANY = -1;
    /** The largest page. */
    public static final int MAX_LIMIT = 10_000;
    /** The page size of {@link #between(long, long)}. */
    public static final int DEFAULT_LIMIT = 100;

    /** The order of a page. Equal keys are ordered by the remaining fields, so pages do not overlap. */
    public enum Order {
        /** Most recent first. */
        NEWEST_FIRST,
        /** Oldest first. */
        OLDEST_FIRST,
        /** Most bytes first. */
        BYTES
    }

    public FlowSearch {
        if (fromMillis >= toMillis) {
            throw new IllegalArgumentException("the range must end after it starts: from " + fromMillis + " to " + toMillis);
        }
        checkAddress("source address", srcAddress);
        checkAddress("destination address", dstAddress);
        checkAddress("address", address);
        checkAddress("exporter", exporter);
        checkRange("source port", srcPort, 65_535);
        checkRange("destination port", dstPort, 65_535);
        checkRange("port", port, 65_535);
        checkRange("protocol", protocol, 255);
        if (order == null) {
            throw new IllegalArgumentException("order is required");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative, got " + offset);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1-" + MAX_LIMIT + ", got " + limit);
        }
    }

    private static void checkAddress(String what, String value) {
        if (value != null) {
            try {
                Cidr.parse(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + " '" + value + "' is not an address or block: " + e.getMessage());
            }
        }
    }

    private static void checkRange(String what, int value, int max) {
        if (value != ANY && (value < 0 || value > max)) {
            throw new IllegalArgumentException(what + " must be 0-" + max + " (or " + ANY + " for any), got " + value);
        }
    }

    /** Every record in {@code [fromMillis, toMillis)}, newest first, the first {@link #DEFAULT_LIMIT}. */
    public static FlowSearch between(long fromMillis, long toMillis) {
        return new FlowSearch(fromMillis, toMillis, null, null, null, ANY, ANY, ANY, ANY, null, Order.NEWEST_FIRST, 0,
                DEFAULT_LIMIT);
    }

    public FlowSearch srcAddress(String value) {
        return new FlowSearch(fromMillis, toMillis, value, dstAddress, address, srcPort, dstPort, port, protocol, exporter, order, offset, limit);
    }

    public FlowSearch dstAddress(String value) {
        return new FlowSearch(fromMillis, toMillis, srcAddress, value, address, srcPort, dstPort, port, protocol, exporter, order, offset, limit);
    }

    /** Matches the address (or block) as source or destination. */
    public FlowSearch address(String value) {
        return new FlowSearch(fromMillis, toMillis, srcAddress, dstAddress, value, srcPort, dstPort, port, protocol, exporter, order, offset, limit);
    }

    public FlowSearch srcPort(int value) {
        return new FlowSearch(fromMillis, toMillis, srcAddress, dstAddress, address, value, dstPort, port, protocol, exporter, order, offset, limit);
    }

    public FlowSearch dstPort(int value) {
        return new FlowSearch(fromMillis, toMillis, srcAddress, dstAddress, address, srcPort, value, port, protocol, exporter, order, offset, limit);
    }

    /** Matches the port as source or destination port. */
    public FlowSearch port(int value) {
        return new FlowSearch(fromMillis, toMillis, srcAddress, dstAddress, address, srcPort, dstPort, value, protocol, exporter, order, offset, limit);
    }

    public FlowSearch protocol(int value) {
        return new FlowSearch(fromMillis, toMillis, srcAddress, dstAddress, address, srcPort, dstPort, port, value, exporter, order, offset, limit);
    }

    public FlowSearch exporter(String value) {
        return new FlowSearch(fromMillis, toMillis, srcAddress, dstAddress, address, srcPort, dstPort, port, protocol, value, order, offset, limit);
    }

    public FlowSearch order(Order value) {
        return new FlowSearch(fromMillis, toMillis, srcAddress, dstAddress, address, srcPort, dstPort, port, protocol, exporter, value, offset, limit);
    }

    /** The page of {@code limit} matches after the first {@code offset}. */
    public FlowSearch page(int offsetValue, int limitValue) {
        return new FlowSearch(fromMillis, toMillis, srcAddress, dstAddress, address, srcPort, dstPort, port, protocol, exporter, order, offsetValue, limitValue);
    }
}
