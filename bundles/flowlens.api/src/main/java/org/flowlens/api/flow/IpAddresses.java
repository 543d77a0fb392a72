package org.flowlens.api.flow;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Addresses as two longs: the high and low 64 bits of an IPv6 address, IPv4 as IPv4-mapped
 * ({@code ::ffff:a.b.c.d}). No allocation on the hot path; helpers here convert at the edges.
 */
public final class IpAddresses {
    /** The low word of an IPv4-mapped address, without the IPv4 bits. */
    public static final long V4_MAPPED = 0x0000_FFFF_0000_0000L;

    private IpAddresses() {}

    public static boolean isV4(long hi, long lo) {
        return hi == 0 && (lo & 0xFFFF_FFFF_0000_0000L) == V4_MAPPED;
    }

    /** The IPv4 address of an IPv4-mapped pair. */
    public static int v4(long lo) {
        return (int) lo;
    }

    public static long v4Lo(int v4) {
        return V4_MAPPED | (v4 & 0xFFFFFFFFL);
    }

    /** Reads 16 bytes as an address pair into {@code out[0]} (high) and {@code out[1]} (low). */
    public static long[] of(byte[] address) {
        long[] out = new long[2];
        if (address.length == 4) {
            out[1] = v4Lo(((address[0] & 0xFF) << 24) | ((address[1] & 0xFF) << 16) | ((address[2] & 0xFF) << 8) | (address[3] & 0xFF));
        } else if (address.length == 16) {
            for (int i = 0; i < 8; i++) {
                out[0] = (out[0] << 8) | (address[i] & 0xFF);
                out[1] = (out[1] << 8) | (address[i + 8] & 0xFF);
            }
            if (isV4(out[0], out[1])) {
                out[1] = v4Lo((int) out[1]);
            }
        } else {
            throw new IllegalArgumentException("address of " + address.length + " bytes");
        }
        return out;
    }

    public static long[] of(InetAddress address) {
        return of(address.getAddress());
    }

    /** Parses a numeric IPv4 or IPv6 literal (never a host name: no DNS lookup). */
    public static long[] parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty address");
        }
        String t = text.trim();
        boolean v6 = t.indexOf(':') >= 0;
        if (!v6) {
            return new long[] {0, v4Lo(parseV4(t))};
        }
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                throw new IllegalArgumentException("not an IP address: " + text);
            }
        }
        try {
            return of(InetAddress.getByName(t));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + text);
        }
    }

    private static int parseV4(String t) {
        int value = 0;
        int parts = 0;
        int i = 0;
        int n = t.length();
        while (i <= n && parts < 4) {
            int start = i;
            int octet = 0;
            while (i < n && t.charAt(i) >= '0' && t.charAt(i) <= '9' && i - start < 3) {
                octet = octet * 10 + (t.charAt(i) - '0');
                i++;
            }
            if (i == start || octet > 255) {
                throw new IllegalArgumentException("not an IP address: " + t);
            }
            value = (value << 8) | octet;
            parts++;
            if (i == n) {
                break;
            }
            if (t.charAt(i) != '.') {
                throw new IllegalArgumentException("not an IP address: " + t);
            }
            i++;
        }
        if (parts != 4 || i != n) {
            throw new IllegalArgumentException("not an IP address: " + t);
        }
        return value;
    }

    public static InetAddress toInetAddress(long hi, long lo) {
        byte[] b;
        if (isV4(hi, lo)) {
            int v = (int) lo;
            b = new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        } else {
            b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[i + 8] = (byte) (lo >>> (56 - 8 * i));
            }
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Dotted quad for IPv4, RFC 5952 text for IPv6. */
    public static String format(long hi, long lo) {
        if (isV4(hi, lo)) {
            int v = (int) lo;
            return ((v >>> 24) & 0xFF) + "." + ((v >>> 16) & 0xFF) + "." + ((v >>> 8) & 0xFF) + "." + (v & 0xFF);
        }
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xFFFF;
            g[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xFFFF;
        }
        int bestStart = -1, bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] == 0) {
                int j = i;
                while (j < 8 && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLen && j - i > 1) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
