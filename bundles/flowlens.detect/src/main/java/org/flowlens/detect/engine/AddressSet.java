package org.flowlens.detect.engine;

import java.util.List;

import org.flowlens.api.flow.IpAddresses;

/**
 * A set of networks (CIDR prefixes, IPv4 or IPv6) tested without allocation. IPv4 prefixes apply to
 * IPv4-mapped addresses, as records hold them.
 */
public final class AddressSet {
    public static final AddressSet EMPTY = new AddressSet(new long[0], new long[0], new long[0], new long[0], List.of());

    private final long[] netHi;
    private final long[] netLo;
    private final long[] maskHi;
    private final long[] maskLo;
    private final List<String> text;

    private AddressSet(long[] netHi, long[] netLo, long[] maskHi, long[] maskLo, List<String> text) {
        this.netHi = netHi;
        this.netLo = netLo;
        this.maskHi = maskHi;
        this.maskLo = maskLo;
        this.text = text;
    }

    /**
     * Parses entries such as {@code 10.0.0.0/8}, {@code 192.0.2.7}, {@code 2001:db8::/32}; each value
     * may itself hold several entries separated by commas, semicolons or white space.
     *
     * @throws IllegalArgumentException naming the first entry that is not a network
     */
    public static AddressSet parse(String... values) {
        List<String> entries = Units.split(values);
        if (entries.isEmpty()) {
            return EMPTY;
        }
        int n = entries.size();
        long[] nh = new long[n], nl = new long[n], mh = new long[n], ml = new long[n];
        for (int i = 0; i < n; i++) {
            String e = entries.get(i);
            int slash = e.indexOf('/');
            String addr = slash < 0 ? e : e.substring(0, slash);
            long[] a;
            try {
                a = IpAddresses.parse(addr);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("not a network: " + e);
            }
            boolean v4 = IpAddresses.isV4(a[0], a[1]);
            int max = v4 ? 32 : 128;
            int len = max;
            if (slash >= 0) {
                try {
                    len = Integer.parseInt(e.substring(slash + 1).trim());
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("not a network: " + e);
                }
                if (len < 0 || len > max) {
                    throw new IllegalArgumentException("prefix length out of range in " + e);
                }
            }
            int bits = v4 ? 96 + len : len;
            long[] m = mask(bits);
            mh[i] = m[0];
            ml[i] = m[1];
            nh[i] = a[0] & m[0];
            nl[i] = a[1] & m[1];
        }
        return new AddressSet(nh, nl, mh, ml, List.copyOf(entries));
    }

    /** The mask of a 128-bit prefix of the given length, as {high, low}. */
    public static long[] mask(int bits) {
        long h = bits >= 64 ? -1L : bits == 0 ? 0L : -1L << (64 - bits);
        long l = bits <= 64 ? 0L : bits >= 128 ? -1L : -1L << (128 - bits);
        return new long[] {h, l};
    }

    public boolean isEmpty() {
        return netHi.length == 0;
    }

    public boolean contains(long hi, long lo) {
        for (int i = 0; i < netHi.length; i++) {
            if ((hi & maskHi[i]) == netHi[i] && (lo & maskLo[i]) == netLo[i]) {
                return true;
            }
        }
        return false;
    }

    public List<String> entries() {
        return text;
    }

    @Override
    public String toString() {
        return String.join(",", text);
    }
}
