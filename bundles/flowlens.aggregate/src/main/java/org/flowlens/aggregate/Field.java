package org.flowlens.aggregate;

import java.util.Locale;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;

/**
 * A field of a flow record a dimension can group by. The declaration order is the canonical
 * order of fields within a dimension's spelling.
 */
enum Field {
    SRC_ADDR("src_addr", Kind.ADDRESS, 0, 0),
    SRC_PORT("src_port", Kind.NUMBER, 16, 65_536),
    DST_ADDR("dst_addr", Kind.ADDRESS, 0, 0),
    DST_PORT("dst_port", Kind.NUMBER, 16, 65_536),
    PROTOCOL("protocol", Kind.NUMBER, 8, 256),
    /** The lower of the two ports of a TCP, UDP or SCTP flow: the usual guess at the server side. */
    SERVICE_PORT("service_port", Kind.NUMBER, 16, 65_536),
    EXPORTER("exporter", Kind.ADDRESS, 0, 0),
    IN_IF("in_if", Kind.NUMBER, 32, 0),
    OUT_IF("out_if", Kind.NUMBER, 32, 0),
    IN_IF_NAME("in_if_name", Kind.TEXT, 0, 0),
    OUT_IF_NAME("out_if_name", Kind.TEXT, 0, 0),
    DIRECTION("direction", Kind.NUMBER, 2, 3),
    VLAN("vlan", Kind.NUMBER, 16, 65_536),
    TCP_FLAGS("tcp_flags", Kind.NUMBER, 8, 256),
    SRC_COUNTRY("src_country", Kind.TEXT, 0, 1024),
    DST_COUNTRY("dst_country", Kind.TEXT, 0, 1024),
    SRC_ASN("src_asn", Kind.NUMBER, 32, 0),
    SRC_AS_NAME("src_as_name", Kind.TEXT, 0, 0),
    DST_ASN("dst_asn", Kind.NUMBER, 32, 0),
    DST_AS_NAME("dst_as_name", Kind.TEXT, 0, 0),
    SRC_DOMAIN("src_domain", Kind.TEXT, 0, 0),
    DST_DOMAIN("dst_domain", Kind.TEXT, 0, 0);

    enum Kind {
        /** Two key words: the high and low halves of the address. */
        ADDRESS,
        /** Packed with other numbers into key words. */
        NUMBER,
        /** An object slot holding the (interned) string; null when unknown. */
        TEXT
    }

    static final Field[] ALL = values();

    final String label;
    final Kind kind;
    final int bits;
    /** How many distinct values the field can take, 0 when unbounded for our purposes. */
    final long distinct;

    Field(String label, Kind kind, int bits, long distinct) {
        this.label = label;
        this.kind = kind;
        this.bits = bits;
        this.distinct = distinct;
    }

    static Field byLabel(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (Field f : ALL) {
            if (f.label.equals(t)) {
                return f;
            }
        }
        return null;
    }

    static long servicePort(FlowRecord r) {
        int p = r.protocol();
        if (p != Protocols.TCP && p != Protocols.UDP && p != Protocols.SCTP) {
            return 0;
        }
        int s = r.srcPort() & 0xFFFF;
        int d = r.dstPort() & 0xFFFF;
        return s != 0 && s < d ? s : d;
    }

    /** A packed number as text, for answers. */
    String format(long value) {
        switch (this) {
            case PROTOCOL: return Protocols.name((int) value);
            case DIRECTION:
                return value == 1 ? "ingress" : value == 2 ? "egress" : "unknown";
            case TCP_FLAGS: return tcpFlags((int) value);
            default: return Long.toString(value);
        }
    }

    static String address(long hi, long lo) {
        return IpAddresses.format(hi, lo);
    }

    /** nfdump's notation: one letter per flag, a dot when unset, e.g. {@code .A..SF}. */
    static String tcpFlags(int flags) {
        char[] c = {'U', 'A', 'P', 'R', 'S', 'F'};
        for (int i = 0; i < 6; i++) {
            if ((flags & (1 << (5 - i))) == 0) {
                c[i] = '.';
            }
        }
        return new String(c);
    }
}
