package org.flowlens.decoder.ipfix;

/**
 * What a template field means to the decoder: the information elements it maps onto the flow
 * record (data templates) or into sampling state (options templates). Everything else is skipped
 * by its length. Mapping happens once, when a template is compiled; a field whose length does not
 * suit its meaning (an IPv4 address of 2 bytes, a counter of 9) is skipped too.
 */
final class Fields {
    private Fields() {}

    static final byte SKIP = 0;
    // data record actions
    static final byte BYTES = 1, PACKETS = 2, BYTES_TOTAL = 3, PACKETS_TOTAL = 4, INIT_BYTES = 5, RESP_BYTES = 6,
            INIT_PACKETS = 7, RESP_PACKETS = 8, PROTOCOL = 9, TOS = 10, TCP_FLAGS = 11, SRC_PORT = 12, DST_PORT = 13,
            SRC4 = 14, DST4 = 15, SRC6 = 16, DST6 = 17, SRC_MASK = 18, DST_MASK = 19, IN_IF = 20, OUT_IF = 21,
            IN_PHYS = 22, OUT_PHYS = 23, NEXT_HOP4 = 24, NEXT_HOP6 = 25, BGP_NEXT_HOP4 = 26, BGP_NEXT_HOP6 = 27,
            SRC_AS = 28, DST_AS = 29, FIRST_UPTIME = 30, LAST_UPTIME = 31, START_S = 32, END_S = 33, START_MS = 34,
            END_MS = 35, START_US = 36, END_US = 37, START_NS = 38, END_NS = 39, START_DELTA_US = 40,
            END_DELTA_US = 41, SYSTEM_INIT = 42, ICMP_TYPE_CODE = 43, ICMP_TYPE = 44, ICMP_CODE = 45, VLAN = 46,
            DOT1Q_VLAN = 47, SRC_MAC = 48, DST_MAC = 49, POST_SRC_MAC = 50, POST_DST_MAC = 51, DIRECTION = 52,
            DSCP = 53, SAMPLING_INTERVAL = 54, SAMPLER_ID = 55, PACKET_INTERVAL = 56, PACKET_SPACE = 57;
    // options record actions (SAMPLING_INTERVAL, SAMPLER_ID, PACKET_INTERVAL, PACKET_SPACE and SYSTEM_INIT are shared)
    static final byte SCOPE_INTERFACE = 60;

    /** The action of information element {@code ie} (enterprise 0) of {@code length} bytes in a data template. */
    static byte data(int ie, int length) {
        byte a = dataAction(ie);
        return fits(a, length) ? a : SKIP;
    }

    /**
     * Keeps only the first field of each meaning in a data template: a tunnelled flow described by
     * outer and inner headers (Huawei sends outer IPv6 then inner IPv4 addresses, ports and
     * protocol) is reported with its outer header, the packet as the exporter forwarded it. IPv4 and
     * IPv6 variants of an address count as one meaning.
     */
    static void firstOccurrenceOnly(byte[] actions) {
        long seen = 0;
        for (int i = 0; i < actions.length; i++) {
            byte a = actions[i];
            if (a == SKIP) {
                continue;
            }
            long bit = 1L << group(a);
            if ((seen & bit) != 0) {
                actions[i] = SKIP;
            }
            seen |= bit;
        }
    }

    private static int group(byte action) {
        return switch (action) {
            case SRC6 -> SRC4;
            case DST6 -> DST4;
            case NEXT_HOP6 -> NEXT_HOP4;
            case BGP_NEXT_HOP6 -> BGP_NEXT_HOP4;
            default -> action;
        };
    }

    /** The action of an option field (not a scope) in an options template. */
    static byte option(int ie, int length) {
        byte a = switch (ie) {
            case 34, 50 -> SAMPLING_INTERVAL; // samplingInterval, samplerRandomInterval
            case 48, 302 -> SAMPLER_ID; // samplerId (v9 FLOW_SAMPLER_ID), selectorId
            case 305 -> PACKET_INTERVAL; // samplingPacketInterval
            case 306 -> PACKET_SPACE; // samplingPacketSpace
            case 160 -> SYSTEM_INIT; // systemInitTimeMilliseconds
            default -> SKIP;
        };
        return fits(a, length) ? a : SKIP;
    }

    /** The action of a scope field of an IPFIX options template (scopes are information elements). */
    static byte ipfixScope(int ie, int length) {
        byte a = switch (ie) {
            case 10 -> SCOPE_INTERFACE; // ingressInterface
            case 48, 302 -> SAMPLER_ID;
            default -> SKIP; // observationDomainId, meteringProcessId, ...: the whole domain
        };
        return fits(a, length) ? a : SKIP;
    }

    /** The action of a NetFlow v9 scope field: 1 system, 2 interface, 3 line card, 4 cache, 5 template. */
    static byte v9Scope(int type, int length) {
        byte a = type == 2 ? SCOPE_INTERFACE : SKIP;
        return fits(a, length) ? a : SKIP;
    }

    private static byte dataAction(int ie) {
        return switch (ie) {
            case 1 -> BYTES; // octetDeltaCount
            case 2 -> PACKETS; // packetDeltaCount
            case 85 -> BYTES_TOTAL; // octetTotalCount
            case 86 -> PACKETS_TOTAL; // packetTotalCount
            case 231 -> INIT_BYTES; // initiatorOctets (Cisco NSEL)
            case 232 -> RESP_BYTES; // responderOctets
            case 298 -> INIT_PACKETS; // initiatorPackets
            case 299 -> RESP_PACKETS; // responderPackets
            case 4 -> PROTOCOL;
            case 5 -> TOS;
            case 6 -> TCP_FLAGS;
            case 7 -> SRC_PORT;
            case 11 -> DST_PORT;
            case 8 -> SRC4;
            case 12 -> DST4;
            case 27 -> SRC6;
            case 28 -> DST6;
            case 9, 29 -> SRC_MASK;
            case 13, 30 -> DST_MASK;
            case 10 -> IN_IF;
            case 14 -> OUT_IF;
            case 252 -> IN_PHYS;
            case 253 -> OUT_PHYS;
            case 15 -> NEXT_HOP4;
            case 62 -> NEXT_HOP6;
            case 18 -> BGP_NEXT_HOP4;
            case 63 -> BGP_NEXT_HOP6;
            case 16 -> SRC_AS;
            case 17 -> DST_AS;
            case 22 -> FIRST_UPTIME; // flowStartSysUpTime / FIRST_SWITCHED
            case 21 -> LAST_UPTIME;
            case 150 -> START_S;
            case 151 -> END_S;
            case 152 -> START_MS;
            case 153 -> END_MS;
            case 154 -> START_US;
            case 155 -> END_US;
            case 156 -> START_NS;
            case 157 -> END_NS;
            case 158 -> START_DELTA_US;
            case 159 -> END_DELTA_US;
            case 160 -> SYSTEM_INIT;
            case 32, 139 -> ICMP_TYPE_CODE; // icmpTypeCodeIPv4, icmpTypeCodeIPv6
            case 176, 178 -> ICMP_TYPE;
            case 177, 179 -> ICMP_CODE;
            case 58 -> VLAN; // vlanId / SRC_VLAN
            case 243 -> DOT1Q_VLAN;
            case 56 -> SRC_MAC;
            case 80 -> DST_MAC;
            case 81 -> POST_SRC_MAC;
            case 57 -> POST_DST_MAC;
            case 61 -> DIRECTION;
            case 195 -> DSCP;
            case 34, 50 -> SAMPLING_INTERVAL;
            case 48, 302 -> SAMPLER_ID;
            case 305 -> PACKET_INTERVAL;
            case 306 -> PACKET_SPACE;
            default -> SKIP;
        };
    }

    /** Whether a field of {@code length} bytes can carry what {@code action} reads. */
    private static boolean fits(byte action, int length) {
        return switch (action) {
            case SKIP -> true;
            case SRC4, DST4, NEXT_HOP4, BGP_NEXT_HOP4 -> length == 4;
            case SRC6, DST6, NEXT_HOP6, BGP_NEXT_HOP6 -> length == 16;
            case SRC_MAC, DST_MAC, POST_SRC_MAC, POST_DST_MAC -> length == 6;
            case START_US, END_US, START_NS, END_NS -> length == 8;
            default -> length >= 1 && length <= 8; // unsigned integers, reduced-size encoding allowed
        };
    }
}
