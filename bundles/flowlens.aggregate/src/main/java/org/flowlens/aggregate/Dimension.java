package org.flowlens.aggregate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;

import org.flowlens.api.flow.FlowRecord;

/**
 * A group-by key: one or more fields, packed into primitive key words (addresses take two, numbers
 * share words by bit width) and object slots (strings, compared by identity first). Immutable.
 */
final class Dimension {
    static final String SESSION_ALIAS = "session";

    /** Canonical spelling: field labels in declaration order joined by {@code +}. */
    final String spec;
    final Field[] fields;
    /** Key words and object slots per key. */
    final int words, objects;
    /** Per field: word or object index. */
    private final int[] slot;
    /** Per field: bit shift within its word (numbers only). */
    private final int[] shift;
    /** Per field: its ordinal, switched on when extracting. */
    private final int[] code;
    private final Field.Kind[] kinds;
    /** How many distinct keys the fields allow, 0 when unbounded. */
    final long distinct;
    /** Per object slot: the ordinal of its field. */
    private final int[] textCodes;

    private Dimension(Field[] fields) {
        this.fields = fields;
        this.slot = new int[fields.length];
        this.shift = new int[fields.length];
        this.code = new int[fields.length];
        this.kinds = new Field.Kind[fields.length];
        for (int i = 0; i < fields.length; i++) {
            code[i] = fields[i].ordinal();
            kinds[i] = fields[i].kind;
        }
        int w = 0;
        int o = 0;
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].kind == Field.Kind.ADDRESS) {
                slot[i] = w;
                w += 2;
            } else if (fields[i].kind == Field.Kind.TEXT) {
                slot[i] = o++;
            }
        }
        // numbers: first fit into 64-bit words after the addresses
        int used = 64;
        int current = -1;
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].kind == Field.Kind.NUMBER) {
                if (used + fields[i].bits > 64) {
                    current = w++;
                    used = 0;
                }
                slot[i] = current;
                shift[i] = used;
                used += fields[i].bits;
            }
        }
        this.words = Math.max(1, w);
        this.objects = o;
        this.textCodes = new int[o];
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].kind == Field.Kind.TEXT) {
                textCodes[slot[i]] = fields[i].ordinal();
            }
        }
        StringBuilder sb = new StringBuilder();
        long d = 1;
        for (Field f : fields) {
            if (sb.length() > 0) {
                sb.append('+');
            }
            sb.append(f.label);
            d = f.distinct == 0 || d == 0 ? 0 : Math.min(1L << 40, d * f.distinct);
        }
        this.spec = sb.toString();
        this.distinct = d;
    }

    /**
     * Parses {@code src_addr+dst_port} or {@code session}.
     *
     * @throws IllegalArgumentException naming the offending field
     */
    static Dimension parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty dimension");
        }
        EnumSet<Field> set = EnumSet.noneOf(Field.class);
        for (String part : text.split("\\+")) {
            String p = part.trim();
            if (p.equalsIgnoreCase(SESSION_ALIAS)) {
                Collections.addAll(set, Field.SRC_ADDR, Field.SRC_PORT, Field.DST_ADDR, Field.DST_PORT, Field.PROTOCOL);
                continue;
            }
            Field f = Field.byLabel(p);
            if (f == null) {
                throw new IllegalArgumentException("unknown field '" + p + "' in dimension '" + text + "'");
            }
            if (!set.add(f)) {
                throw new IllegalArgumentException("field '" + p + "' twice in dimension '" + text + "'");
            }
        }
        return new Dimension(set.toArray(new Field[0]));
    }

    /** The canonical spelling of a dimension text, or the exception {@link #parse} throws. */
    static String canonical(String text) {
        return parse(text).spec;
    }

    List<String> labels() {
        List<String> l = new ArrayList<>(fields.length);
        for (Field f : fields) {
            l.add(f.label);
        }
        return List.copyOf(l);
    }

    int indexOf(Field f) {
        for (int i = 0; i < fields.length; i++) {
            if (fields[i] == f) {
                return i;
            }
        }
        return -1;
    }

    /** Writes the key of a record into {@code k[0..words)} and {@code o[0..objects)}. */
    void extract(FlowRecord r, long[] k, Object[] o) {
        extract(r, k, 0, o, 0);
    }

    /** Writes the key of a record into {@code k[ko..ko + words)} and {@code o[oo..oo + objects)}. */
    void extract(FlowRecord r, long[] k, int ko, Object[] o, int oo) {
        int[] codes = code;
        int[] slots = slot;
        int[] shifts = shift;
        for (int i = 0; i < words; i++) {
            k[ko + i] = 0;
        }
        for (int i = 0; i < codes.length; i++) {
            int s = slots[i] + (kinds[i] == Field.Kind.TEXT ? oo : ko);
            switch (codes[i]) {
                case 0: k[s] = r.srcHi(); k[s + 1] = r.srcLo(); break;
                case 1: k[s] |= (long) (r.srcPort() & 0xFFFF) << shifts[i]; break;
                case 2: k[s] = r.dstHi(); k[s + 1] = r.dstLo(); break;
                case 3: k[s] |= (long) (r.dstPort() & 0xFFFF) << shifts[i]; break;
                case 4: k[s] |= (long) (r.protocol() & 0xFF) << shifts[i]; break;
                case 5: k[s] |= Field.servicePort(r) << shifts[i]; break;
                case 6: k[s] = r.exporterHi(); k[s + 1] = r.exporterLo(); break;
                case 7: k[s] |= (r.inIf() & 0xFFFF_FFFFL) << shifts[i]; break;
                case 8: k[s] |= (r.outIf() & 0xFFFF_FFFFL) << shifts[i]; break;
                case 9: o[s] = r.inIfName(); break;
                case 10: o[s] = r.outIfName(); break;
                case 11: k[s] |= (long) ((r.direction() + 1) & 3) << shifts[i]; break;
                case 12: k[s] |= (long) (r.vlan() & 0xFFFF) << shifts[i]; break;
                case 13: k[s] |= (long) (r.tcpFlags() & 0xFF) << shifts[i]; break;
                case 14: o[s] = r.srcCountry(); break;
                case 15: o[s] = r.dstCountry(); break;
                case 16: k[s] |= (r.srcAs() & 0xFFFF_FFFFL) << shifts[i]; break;
                case 17: o[s] = r.srcAsName(); break;
                case 18: k[s] |= (r.dstAs() & 0xFFFF_FFFFL) << shifts[i]; break;
                case 19: o[s] = r.dstAsName(); break;
                case 20: o[s] = r.srcDomain(); break;
                default: o[s] = r.dstDomain(); break;
            }
        }
    }

    /**
     * Writes the keys of a run, record {@code j} at {@code k[j * words..]} and {@code o[j * objects..]}:
     * one tight loop per field over the run's columns.
     */
    void keys(Run run, int n, long[] k, Object[] o) {
        int w = words, ob = objects;
        java.util.Arrays.fill(k, 0, n * w, 0L);
        for (int i = 0; i < code.length; i++) {
            int c = code[i];
            int s = slot[i];
            switch (kinds[i]) {
                case ADDRESS: {
                    long[] h = run.hi[c], l = run.lo[c];
                    for (int j = 0, p = s; j < n; j++, p += w) {
                        k[p] = h[j];
                        k[p + 1] = l[j];
                    }
                    break;
                }
                case NUMBER: {
                    long[] v = run.hi[c];
                    int sh = shift[i];
                    for (int j = 0, p = s; j < n; j++, p += w) {
                        k[p] |= v[j] << sh;
                    }
                    break;
                }
                default: {
                    Object[] v = run.text[c];
                    for (int j = 0, p = s; j < n; j++, p += ob) {
                        o[p] = v[j];
                    }
                }
            }
        }
    }

    /**
     * The {@link KeyTable#hash} of each key {@link #keys} wrote, computed from the key words and the
     * hash codes of the run's texts (read once per run); {@code hi} is scratch of the run's length.
     */
    void hashes(Run run, int n, long[] k, long[] hi, int[] out) {
        int w = words;
        long[] mul = KeyTable.MULTIPLIERS;
        long m0 = mul[0], m1 = mul[1], m2 = mul[2];
        switch (w) {
            case 1:
                for (int j = 0; j < n; j++) {
                    long x = k[j];
                    hi[j] = 1 + (x ^ (x >>> 29)) * m0;
                }
                break;
            case 2:
                for (int j = 0, p = 0; j < n; j++, p += 2) {
                    long x = k[p], y = k[p + 1];
                    hi[j] = 2 + (x ^ (x >>> 29)) * m0 + (y ^ (y >>> 29)) * m1;
                }
                break;
            case 3:
                for (int j = 0, p = 0; j < n; j++, p += 3) {
                    long x = k[p], y = k[p + 1], z = k[p + 2];
                    hi[j] = 3 + (x ^ (x >>> 29)) * m0 + (y ^ (y >>> 29)) * m1 + (z ^ (z >>> 29)) * m2;
                }
                break;
            default:
                for (int j = 0, p = 0; j < n; j++, p += w) {
                    long h = w;
                    for (int i = 0; i < w; i++) {
                        long x = k[p + i];
                        h += (x ^ (x >>> 29)) * mul[i & 7];
                    }
                    hi[j] = h;
                }
        }
        for (int s = 0; s < textCodes.length; s++) {
            int[] th = run.textHash[textCodes[s]];
            long m = mul[(w + s) & 7];
            for (int j = 0; j < n; j++) {
                hi[j] += th[j] * m;
            }
        }
        for (int j = 0; j < n; j++) {
            out[j] = KeyTable.finish(hi[j]);
        }
    }

    /** For each field of this dimension, its index among the fields of {@code from}, which must hold them all. */
    int[] projectionFrom(Dimension from) {
        int[] m = new int[fields.length];
        for (int i = 0; i < fields.length; i++) {
            m[i] = from.indexOf(fields[i]);
            if (m[i] < 0) {
                throw new IllegalArgumentException(spec + " is not a projection of " + from.spec);
            }
        }
        return m;
    }

    /** Writes into {@code out}, {@code oout} this dimension's key of the {@code from} key at {@code k[ko..]}, {@code o[oo..]}. */
    void project(Dimension from, int[] map, long[] k, int ko, Object[] o, int oo, long[] out, Object[] oout) {
        java.util.Arrays.fill(out, 0, words, 0L);
        for (int i = 0; i < fields.length; i++) {
            int f = map[i];
            int s = slot[i];
            switch (kinds[i]) {
                case ADDRESS: {
                    int fs = from.slot[f];
                    out[s] = k[ko + fs];
                    out[s + 1] = k[ko + fs + 1];
                    break;
                }
                case NUMBER:
                    out[s] |= from.number(f, k, ko) << shift[i];
                    break;
                default:
                    oout[s] = o[oo + from.slot[f]];
            }
        }
    }

    /** Whether this dimension is the protocol alone, which the per-protocol counters answer exactly. */
    boolean isProtocol() {
        return fields.length == 1 && fields[0] == Field.PROTOCOL;
    }

    /** The dimension grouping by the fields of both. */
    static Dimension union(Dimension a, Dimension b) {
        java.util.EnumSet<Field> set = java.util.EnumSet.noneOf(Field.class);
        Collections.addAll(set, a.fields);
        Collections.addAll(set, b.fields);
        return new Dimension(set.toArray(new Field[0]));
    }

    /** The value of field {@code i} of the key at {@code k[ko..]}, {@code o[oo..]}, as text. */
    String format(int i, long[] k, int ko, Object[] o, int oo) {
        Field f = fields[i];
        int s = slot[i];
        switch (f.kind) {
            case ADDRESS:
                return Field.address(k[ko + s], k[ko + s + 1]);
            case NUMBER: {
                long mask = f.bits == 64 ? -1L : (1L << f.bits) - 1;
                return f.format((k[ko + s] >>> shift[i]) & mask);
            }
            default: {
                Object v = o[oo + s];
                return v == null ? "" : v.toString();
            }
        }
    }

    /** The numeric value of a {@link Field.Kind#NUMBER} field {@code i}. */
    long number(int i, long[] k, int ko) {
        Field f = fields[i];
        long mask = (1L << f.bits) - 1;
        return (k[ko + slot[i]] >>> shift[i]) & mask;
    }

    /** The word index of address field {@code i} (its high half; the low half follows). */
    int wordOf(int i) {
        return slot[i];
    }

    List<String> key(long[] k, int ko, Object[] o, int oo) {
        String[] out = new String[fields.length];
        for (int i = 0; i < fields.length; i++) {
            out[i] = format(i, k, ko, o, oo);
        }
        return List.of(out);
    }

    @Override
    public String toString() {
        return spec;
    }
}
