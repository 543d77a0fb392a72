package org.flowlens.aggregate;

import java.util.Set;

import org.flowlens.api.flow.FlowRecord;

/**
 * The fields of a run of records, read once and laid out by column, so that every dimension builds
 * its keys from a few small primitive arrays instead of going back to the records. Numbers are
 * stored already masked to their width, as keys hold them.
 */
final class Run {
    /** Records a run holds at most. */
    static final int MAX = 64;

    final long[] bytes = new long[MAX];
    final long[] packets = new long[MAX];
    /** Per field ordinal: the number, or the high half of the address. */
    final long[][] hi = new long[Field.ALL.length][];
    /** Per field ordinal: the low half of the address. */
    final long[][] lo = new long[Field.ALL.length][];
    /** Per field ordinal: the text. */
    final Object[][] text = new Object[Field.ALL.length][];
    /** Per field ordinal: the hash code of the text, as keys hash it. */
    final int[][] textHash = new int[Field.ALL.length][];
    /** Ordinals of the fields loaded besides those the fixed part reads. */
    private final int[] extra;
    int size;

    Run(Set<Field> fields) {
        for (Field f : new Field[] {Field.SRC_ADDR, Field.DST_ADDR, Field.SRC_PORT, Field.DST_PORT, Field.PROTOCOL}) {
            column(f);
        }
        int[] x = new int[Field.ALL.length];
        int n = 0;
        for (Field f : fields) {
            if (f != Field.SRC_ADDR && f != Field.DST_ADDR && f != Field.SRC_PORT && f != Field.DST_PORT
                    && f != Field.PROTOCOL) {
                column(f);
                x[n++] = f.ordinal();
            }
        }
        extra = java.util.Arrays.copyOf(x, n);
    }

    private void column(Field f) {
        int i = f.ordinal();
        if (f.kind == Field.Kind.TEXT) {
            text[i] = new Object[MAX];
            textHash[i] = new int[MAX];
        } else {
            hi[i] = new long[MAX];
            if (f.kind == Field.Kind.ADDRESS) {
                lo[i] = new long[MAX];
            }
        }
    }

    /** Reads the records {@code rs[0..n)}. */
    void load(FlowRecord[] rs, int n) {
        size = n;
        long[] sh = hi[Field.SRC_ADDR.ordinal()], sl = lo[Field.SRC_ADDR.ordinal()];
        long[] dh = hi[Field.DST_ADDR.ordinal()], dl = lo[Field.DST_ADDR.ordinal()];
        long[] sp = hi[Field.SRC_PORT.ordinal()], dp = hi[Field.DST_PORT.ordinal()], pr = hi[Field.PROTOCOL.ordinal()];
        for (int j = 0; j < n; j++) {
            FlowRecord r = rs[j];
            bytes[j] = Math.max(0, r.bytes());
            packets[j] = Math.max(0, r.packets());
            sh[j] = r.srcHi();
            sl[j] = r.srcLo();
            dh[j] = r.dstHi();
            dl[j] = r.dstLo();
            sp[j] = r.srcPort() & 0xFFFF;
            dp[j] = r.dstPort() & 0xFFFF;
            pr[j] = r.protocol() & 0xFF;
        }
        for (int code : extra) {
            load(code, rs, n);
            Object[] t = text[code];
            if (t != null) {
                int[] th = textHash[code];
                for (int j = 0; j < n; j++) {
                    th[j] = KeyTable.objectHash(t[j]);
                }
            }
        }
    }

    private void load(int code, FlowRecord[] rs, int n) {
        long[] h = hi[code], l = lo[code];
        Object[] t = text[code];
        switch (Field.ALL[code]) {
            case SERVICE_PORT:
                for (int j = 0; j < n; j++) {
                    h[j] = Field.servicePort(rs[j]);
                }
                break;
            case EXPORTER:
                for (int j = 0; j < n; j++) {
                    h[j] = rs[j].exporterHi();
                    l[j] = rs[j].exporterLo();
                }
                break;
            case IN_IF:
                for (int j = 0; j < n; j++) {
                    h[j] = rs[j].inIf() & 0xFFFF_FFFFL;
                }
                break;
            case OUT_IF:
                for (int j = 0; j < n; j++) {
                    h[j] = rs[j].outIf() & 0xFFFF_FFFFL;
                }
                break;
            case IN_IF_NAME:
                for (int j = 0; j < n; j++) {
                    t[j] = rs[j].inIfName();
                }
                break;
            case OUT_IF_NAME:
                for (int j = 0; j < n; j++) {
                    t[j] = rs[j].outIfName();
                }
                break;
            case DIRECTION:
                for (int j = 0; j < n; j++) {
                    h[j] = (rs[j].direction() + 1) & 3;
                }
                break;
            case VLAN:
                for (int j = 0; j < n; j++) {
                    h[j] = rs[j].vlan() & 0xFFFF;
                }
                break;
            case TCP_FLAGS:
                for (int j = 0; j < n; j++) {
                    h[j] = rs[j].tcpFlags() & 0xFF;
                }
                break;
            case SRC_COUNTRY:
                for (int j = 0; j < n; j++) {
                    t[j] = rs[j].srcCountry();
                }
                break;
            case DST_COUNTRY:
                for (int j = 0; j < n; j++) {
                    t[j] = rs[j].dstCountry();
                }
                break;
            case SRC_ASN:
                for (int j = 0; j < n; j++) {
                    h[j] = rs[j].srcAs() & 0xFFFF_FFFFL;
                }
                break;
            case SRC_AS_NAME:
                for (int j = 0; j < n; j++) {
                    t[j] = rs[j].srcAsName();
                }
                break;
            case DST_ASN:
                for (int j = 0; j < n; j++) {
                    h[j] = rs[j].dstAs() & 0xFFFF_FFFFL;
                }
                break;
            case DST_AS_NAME:
                for (int j = 0; j < n; j++) {
                    t[j] = rs[j].dstAsName();
                }
                break;
            case SRC_DOMAIN:
                for (int j = 0; j < n; j++) {
                    t[j] = rs[j].srcDomain();
                }
                break;
            case DST_DOMAIN:
                for (int j = 0; j < n; j++) {
                    t[j] = rs[j].dstDomain();
                }
                break;
            default:
                throw new IllegalStateException("field " + Field.ALL[code] + " is read with the fixed part");
        }
    }

    /** Drops the references to strings, so that a cleared run holds no garbage alive. */
    void release() {
        for (int code : extra) {
            if (text[code] != null) {
                java.util.Arrays.fill(text[code], 0, size, null);
            }
        }
    }
}
