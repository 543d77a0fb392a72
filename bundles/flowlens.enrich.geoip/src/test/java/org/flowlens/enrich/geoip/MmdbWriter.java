package org.flowlens.enrich.geoip;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.flowlens.api.flow.IpAddresses;

/**
 * Writes small MaxMind DB files (format 2.0: binary search tree of 24-bit records, data section,
 * metadata) for tests: an IPv6 tree with IPv4 networks under ::/96, as MaxMind's own databases
 * are laid out. Values: String, Double, Boolean, {@link U16}, {@link U32}, {@link U64}, Map and
 * List of those.
 */
final class MmdbWriter {
    record U16(int value) {}

    record U32(long value) {}

    record U64(long value) {}

    private static final class Node {
        final Object[] child = new Object[2]; // Node, a data value, or null
        int id;
    }

    private final String databaseType;
    private final Node root = new Node();
    private final List<String> languages = List.of("en", "de");

    MmdbWriter(String databaseType) {
        this.databaseType = databaseType;
    }

    /** Adds a network given as text, e.g. {@code 81.2.69.0/24} or {@code 2001:218::/32}. */
    MmdbWriter add(String cidr, Object value) {
        int slash = cidr.indexOf('/');
        long[] a = IpAddresses.parse(cidr.substring(0, slash));
        int len = Integer.parseInt(cidr.substring(slash + 1));
        long hi = a[0], lo = a[1];
        if (IpAddresses.isV4(hi, lo)) {
            lo &= 0xFFFF_FFFFL; // IPv4 lives under ::/96 in an IPv6 tree
            len += 96;
        }
        Node n = root;
        for (int depth = 0; depth < len; depth++) {
            int bit = (int) (depth < 64 ? hi >>> (63 - depth) : lo >>> (127 - depth)) & 1;
            if (depth == len - 1) {
                n.child[bit] = value;
            } else {
                Object c = n.child[bit];
                if (!(c instanceof Node)) {
                    if (c != null) {
                        throw new IllegalArgumentException(cidr + " is inside a network already added");
                    }
                    c = new Node();
                    n.child[bit] = c;
                }
                n = (Node) c;
            }
        }
        return this;
    }

    byte[] toBytes() {
        // number the nodes breadth first
        List<Node> nodes = new ArrayList<>();
        ArrayDeque<Node> queue = new ArrayDeque<>();
        queue.add(root);
        while (!queue.isEmpty()) {
            Node n = queue.poll();
            n.id = nodes.size();
            nodes.add(n);
            for (Object c : n.child) {
                if (c instanceof Node child) {
                    queue.add(child);
                }
            }
        }
        int nodeCount = nodes.size();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Map<Object, Integer> offsets = new IdentityHashMap<>();
        ByteArrayOutputStream tree = new ByteArrayOutputStream();
        for (Node n : nodes) {
            for (Object c : n.child) {
                long record;
                if (c == null) {
                    record = nodeCount;
                } else if (c instanceof Node child) {
                    record = child.id;
                } else {
                    Integer off = offsets.get(c);
                    if (off == null) {
                        off = data.size();
                        offsets.put(c, off);
                        encode(c, data);
                    }
                    record = nodeCount + 16L + off;
                }
                tree.write((int) (record >>> 16));
                tree.write((int) (record >>> 8));
                tree.write((int) record);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(tree.toByteArray());
        out.writeBytes(new byte[16]);
        out.writeBytes(data.toByteArray());
        out.writeBytes(new byte[] {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF});
        out.writeBytes("MaxMind.com".getBytes(StandardCharsets.US_ASCII));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("binary_format_major_version", new U16(2));
        meta.put("binary_format_minor_version", new U16(0));
        meta.put("build_epoch", new U64(1_700_000_000L));
        meta.put("database_type", databaseType);
        meta.put("description", Map.of("en", "Flowlens test " + databaseType));
        meta.put("ip_version", new U16(6));
        meta.put("languages", new ArrayList<Object>(languages));
        meta.put("node_count", new U32(nodeCount));
        meta.put("record_size", new U16(24));
        encode(meta, out);
        return out.toByteArray();
    }

    /** Writes the database to a temporary file and renames it over {@code file}. */
    void writeTo(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, toBytes());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void encode(Object v, ByteArrayOutputStream out) {
        if (v instanceof String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            control(2, b.length, out);
            out.writeBytes(b);
        } else if (v instanceof Double d) {
            control(3, 8, out);
            long bits = Double.doubleToLongBits(d);
            for (int i = 7; i >= 0; i--) {
                out.write((int) (bits >>> (8 * i)));
            }
        } else if (v instanceof U16 u) {
            unsigned(5, u.value(), out);
        } else if (v instanceof U32 u) {
            unsigned(6, u.value(), out);
        } else if (v instanceof U64 u) {
            unsigned(9, u.value(), out);
        } else if (v instanceof Boolean b) {
            control(14, b ? 1 : 0, out);
        } else if (v instanceof Map<?, ?> m) {
            control(7, m.size(), out);
            for (Map.Entry<?, ?> e : m.entrySet()) {
                encode(e.getKey().toString(), out);
                encode(e.getValue(), out);
            }
        } else if (v instanceof List<?> l) {
            control(11, l.size(), out);
            for (Object o : l) {
                encode(o, out);
            }
        } else {
            throw new IllegalArgumentException("cannot encode " + v);
        }
    }

    private static void unsigned(int type, long value, ByteArrayOutputStream out) {
        int n = 0;
        for (long x = value; x != 0; x >>>= 8) {
            n++;
        }
        control(type, n, out);
        for (int i = n - 1; i >= 0; i--) {
            out.write((int) (value >>> (8 * i)));
        }
    }

    private static void control(int type, int size, ByteArrayOutputStream out) {
        int sizeBits;
        byte[] extra;
        if (size < 29) {
            sizeBits = size;
            extra = new byte[0];
        } else if (size < 285) {
            sizeBits = 29;
            extra = new byte[] {(byte) (size - 29)};
        } else if (size < 65_821) {
            sizeBits = 30;
            int s = size - 285;
            extra = new byte[] {(byte) (s >>> 8), (byte) s};
        } else {
            sizeBits = 31;
            int s = size - 65_821;
            extra = new byte[] {(byte) (s >>> 16), (byte) (s >>> 8), (byte) s};
        }
        if (type <= 7) {
            out.write((type << 5) | sizeBits);
        } else {
            out.write(sizeBits);
            out.write(type - 7);
        }
        out.writeBytes(extra);
    }

    // ---- shapes of the GeoIP2 databases --------------------------------------------------------

    static Map<String, Object> city(String countryCode, String countryName, String continent, String city, double lat,
            double lon) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("city", Map.of("geoname_id", new U32(2643743), "names", Map.of("en", city, "de", city + "-de")));
        m.put("continent", Map.of("code", continent, "geoname_id", new U32(6255148), "names", Map.of("en", continent + " continent")));
        m.put("country", country(countryCode, countryName));
        m.put("location", Map.of("accuracy_radius", new U16(100), "latitude", lat, "longitude", lon, "time_zone", "Europe/London"));
        m.put("registered_country", country(countryCode, countryName));
        return m;
    }

    static Map<String, Object> countryOnly(String countryCode, String countryName, String continent) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("continent", Map.of("code", continent, "geoname_id", new U32(6255148), "names", Map.of("en", continent + " continent")));
        m.put("country", country(countryCode, countryName));
        m.put("registered_country", country(countryCode, countryName));
        return m;
    }

    private static Map<String, Object> country(String code, String name) {
        return Map.of("geoname_id", new U32(2635167), "is_in_european_union", Boolean.FALSE, "iso_code", code, "names",
                Map.of("en", name, "de", name + "-de"));
    }

    static Map<String, Object> asn(long number, String organisation) {
        return Map.of("autonomous_system_number", new U32(number), "autonomous_system_organization", organisation);
    }
}
