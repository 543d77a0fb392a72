package org.flowlens.detect.engine;

import java.util.List;

/** A set of port numbers (0-65535) as a bit map. */
public final class PortSet {
    public static final PortSet EMPTY = new PortSet(new long[1024], "");

    private final long[] bits;
    private final String text;
    private final boolean empty;

    private PortSet(long[] bits, String text) {
        this.bits = bits;
        this.text = text;
        boolean e = true;
        for (long b : bits) {
            if (b != 0) {
                e = false;
                break;
            }
        }
        this.empty = e;
    }

    /**
     * Parses ports and ranges such as {@code 53}, {@code 8000-8100}; each value may hold several
     * separated by commas, semicolons or white space.
     *
     * @throws IllegalArgumentException naming the first entry that is not a port or range
     */
    public static PortSet parse(String... values) {
        List<String> entries = Units.split(values);
        long[] bits = new long[1024];
        for (String e : entries) {
            int dash = e.indexOf('-', 1);
            int from, to;
            try {
                if (dash < 0) {
                    from = to = Integer.parseInt(e);
                } else {
                    from = Integer.parseInt(e.substring(0, dash).trim());
                    to = Integer.parseInt(e.substring(dash + 1).trim());
                }
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("not a port or port range: " + e);
            }
            if (from < 0 || to > 65535 || from > to) {
                throw new IllegalArgumentException("not a port or port range: " + e);
            }
            for (int p = from; p <= to; p++) {
                bits[p >>> 6] |= 1L << p;
            }
        }
        return new PortSet(bits, String.join(",", entries));
    }

    public boolean isEmpty() {
        return empty;
    }

    public boolean contains(int port) {
        return port >= 0 && port <= 65535 && (bits[port >>> 6] & (1L << port)) != 0;
    }

    @Override
    public String toString() {
        return text;
    }
}
