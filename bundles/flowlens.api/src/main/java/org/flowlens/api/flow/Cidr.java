package org.flowlens.api.flow;

/**
 * An address block such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}, matched against the
 * two-long addresses of {@link FlowRecord} without allocation. IPv4 blocks are kept as
 * IPv4-mapped IPv6 blocks, so one comparison serves both families.
 */
public final class Cidr {
    private final long hi, lo, maskHi, maskLo;
    private final String text;

    private Cidr(long hi, long lo, int prefix, String text) {
        this.maskHi = prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
        this.maskLo = prefix <= 64 ? 0 : prefix >= 128 ? -1L : -1L << (128 - prefix);
        this.hi = hi & maskHi;
        this.lo = lo & maskLo;
        this.text = text;
    }

    /**
     * Parses {@code address/prefix}, or a bare address as a single host.
     *
     * @throws IllegalArgumentException with a message naming the problem
     */
    public static Cidr parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        long[] a = IpAddresses.parse(addr);
        boolean v4 = IpAddresses.isV4(a[0], a[1]) && addr.indexOf(':') < 0;
        int max = v4 ? 32 : 128;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in " + text);
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("prefix length must be 0-" + max + " in " + text);
            }
        }
        return new Cidr(a[0], a[1], v4 ? prefix + 96 : prefix, t);
    }

    public boolean contains(long addrHi, long addrLo) {
        return (addrHi & maskHi) == hi && (addrLo & maskLo) == lo;
    }

    /** True when any block of the list contains the address. */
    public static boolean any(Cidr[] blocks, long addrHi, long addrLo) {
        for (Cidr c : blocks) {
            if (c.contains(addrHi, addrLo)) {
                return true;
            }
        }
        return false;
    }

    /** Parses every entry; blank entries are skipped. */
    public static Cidr[] parseAll(String[] texts) {
        java.util.List<Cidr> out = new java.util.ArrayList<>();
        for (String t : texts) {
            if (t != null && !t.isBlank()) {
                out.add(parse(t));
            }
        }
        return out.toArray(new Cidr[0]);
    }

    @Override
    public String toString() {
        return text;
    }
}
