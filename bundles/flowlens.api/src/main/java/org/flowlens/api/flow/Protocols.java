package org.flowlens.api.flow;

import java.util.Locale;

/** IANA protocol numbers and their names. */
public final class Protocols {
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int GRE = 47;
    public static final int ESP = 50;
    public static final int ICMPV6 = 58;
    public static final int SCTP = 132;

    private static final String[] NAMES = new String[256];

    static {
        NAMES[ICMP] = "ICMP";
        NAMES[2] = "IGMP";
        NAMES[TCP] = "TCP";
        NAMES[UDP] = "UDP";
        NAMES[GRE] = "GRE";
        NAMES[ESP] = "ESP";
        NAMES[51] = "AH";
        NAMES[ICMPV6] = "ICMPV6";
        NAMES[89] = "OSPF";
        NAMES[103] = "PIM";
        NAMES[112] = "VRRP";
        NAMES[SCTP] = "SCTP";
    }

    private Protocols() {}

    /** The upper-case name, or the number as text for protocols without one. */
    public static String name(int protocol) {
        if (protocol >= 0 && protocol < 256 && NAMES[protocol] != null) {
            return NAMES[protocol];
        }
        return Integer.toString(protocol);
    }

    /** A protocol name (any case) or number; -1 when neither. */
    public static int number(String text) {
        if (text == null) {
            return -1;
        }
        String t = text.trim().toUpperCase(Locale.ROOT);
        for (int i = 0; i < NAMES.length; i++) {
            if (t.equals(NAMES[i])) {
                return i;
            }
        }
        if (t.equals("IPV6-ICMP")) {
            return ICMPV6;
        }
        try {
            int n = Integer.parseInt(t);
            return n >= 0 && n < 256 ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
