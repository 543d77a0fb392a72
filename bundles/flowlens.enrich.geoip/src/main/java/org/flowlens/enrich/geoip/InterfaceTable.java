package org.flowlens.enrich.geoip;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.flowlens.api.enrich.InterfaceInfo;
import org.flowlens.api.flow.IpAddresses;

/**
 * Exporter address + ifIndex → interface name and speed, in an immutable open-addressing table
 * of primitive keys (no allocation per lookup). An entry for exporter {@code *} applies to every
 * exporter that has no entry of its own for that index.
 */
final class InterfaceTable {
    /** The exporter key of entries for every exporter (ffff:...:ffff is never an exporter). */
    private static final long ANY = -1L;
    static final InterfaceTable EMPTY = new InterfaceTable(new LinkedHashMap<>());

    private record Key(long hi, long lo, int ifIndex) {}

    private final long[] hi, lo;
    private final int[] index;
    private final InterfaceInfo[] values;
    private final int mask;
    private final int size;
    private final boolean anyWildcard;

    private InterfaceTable(Map<Key, InterfaceInfo> entries) {
        int cap = Integer.highestOneBit(Math.max(4, entries.size() * 2 + 1)) << 1;
        hi = new long[cap];
        lo = new long[cap];
        index = new int[cap];
        values = new InterfaceInfo[cap];
        mask = cap - 1;
        size = entries.size();
        boolean wildcard = false;
        for (Map.Entry<Key, InterfaceInfo> e : entries.entrySet()) {
            Key k = e.getKey();
            wildcard |= k.hi() == ANY && k.lo() == ANY;
            int i = slot(k.hi(), k.lo(), k.ifIndex());
            while (values[i] != null) {
                i = (i + 1) & mask;
            }
            hi[i] = k.hi();
            lo[i] = k.lo();
            index[i] = k.ifIndex();
            values[i] = e.getValue();
        }
        anyWildcard = wildcard;
    }

    int size() {
        return size;
    }

    private int slot(long h, long l, int ifIndex) {
        long x = (l * 0x9E37_79B9_7F4A_7C15L) ^ (h * 0xC2B2_AE3D_27D4_EB4FL) ^ (ifIndex * 0x1656_67B1_9E37_79F9L);
        x ^= x >>> 31;
        return (int) x & mask;
    }

    private InterfaceInfo get(long h, long l, int ifIndex) {
        int i = slot(h, l, ifIndex);
        InterfaceInfo v;
        while ((v = values[i]) != null) {
            if (index[i] == ifIndex && lo[i] == l && hi[i] == h) {
                return v;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /** The interface of that exporter and index, or of any exporter with that index, or null. */
    InterfaceInfo find(long exporterHi, long exporterLo, int ifIndex) {
        if (size == 0) {
            return null;
        }
        InterfaceInfo v = get(exporterHi, exporterLo, ifIndex);
        return v != null || !anyWildcard ? v : get(ANY, ANY, ifIndex);
    }

    /**
     * Parses entries {@code exporter,ifIndex,name[,speed]}; values may hold several entries
     * separated by {@code ;} or line breaks.
     *
     * @throws IllegalArgumentException naming the first bad entry
     */
    static InterfaceTable parse(List<String> values) {
        Map<Key, InterfaceInfo> entries = new LinkedHashMap<>();
        for (String value : values) {
            if (value == null) {
                continue;
            }
            for (String entry : value.split("[;\\n]")) {
                String e = entry.trim();
                if (e.isEmpty() || e.startsWith("#")) {
                    continue;
                }
                String[] f = e.split(",", -1);
                if (f.length < 3 || f.length > 4) {
                    throw new IllegalArgumentException("'" + e + "' is not exporter,ifIndex,name[,speed]");
                }
                String exporter = f[0].trim();
                long h, l;
                if (exporter.equals("*")) {
                    h = ANY;
                    l = ANY;
                } else {
                    long[] a;
                    try {
                        a = IpAddresses.parse(exporter);
                    } catch (IllegalArgumentException ex) {
                        throw new IllegalArgumentException("'" + e + "': exporter '" + exporter + "' is not an IP address or *");
                    }
                    h = a[0];
                    l = a[1];
                }
                int ifIndex;
                try {
                    ifIndex = Integer.parseInt(f[1].trim());
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("'" + e + "': ifIndex '" + f[1].trim() + "' is not a number");
                }
                if (ifIndex < 0) {
                    throw new IllegalArgumentException("'" + e + "': ifIndex must not be negative");
                }
                String name = f[2].trim();
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("'" + e + "': the name is empty");
                }
                long speed = f.length == 4 ? speed(f[3].trim(), e) : 0;
                Key k = new Key(h, l, ifIndex);
                if (entries.containsKey(k)) {
                    throw new IllegalArgumentException("'" + e + "': that exporter and ifIndex are named twice");
                }
                entries.put(k, new InterfaceInfo(name.intern(), speed));
            }
        }
        return entries.isEmpty() ? EMPTY : new InterfaceTable(entries);
    }

    /** Bits per second from {@code 1000000}, {@code 100M}, {@code 10G}, {@code 2.5G}, {@code 400Gbps}, ... */
    static long speed(String s, String entry) {
        String t = s;
        if (t.isEmpty()) {
            return 0;
        }
        if (t.endsWith("bps") || t.endsWith("bit")) {
            t = t.substring(0, t.length() - 3).trim();
        }
        double unit = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        switch (last) {
            case 'k', 'K' -> unit = 1e3;
            case 'm', 'M' -> unit = 1e6;
            case 'g', 'G' -> unit = 1e9;
            case 't', 'T' -> unit = 1e12;
            default -> unit = 1;
        }
        if (unit != 1) {
            t = t.substring(0, t.length() - 1).trim();
        }
        double v;
        try {
            v = Double.parseDouble(t);
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("'" + entry + "': speed '" + s + "' is not a number of bit/s such as 1000000, 100M or 10G");
        }
        if (!(v >= 0) || v * unit > 1e15) {
            throw new IllegalArgumentException("'" + entry + "': speed '" + s + "' is out of range");
        }
        return Math.round(v * unit);
    }
}
