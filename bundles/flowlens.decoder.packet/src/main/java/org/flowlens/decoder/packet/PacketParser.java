package org.flowlens.decoder.packet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.flowlens.api.flow.IpAddresses;

/**
 * Parses the headers of one captured packet into a reusable {@link PacketInfo}, without allocating
 * and without throwing: every outcome is a result code.
 *
 * <p>Link types ({@code LINKTYPE_*} values as written in pcap files): Ethernet (with 802.1Q,
 * 802.1ad/QinQ tags, 802.3 LLC/SNAP, PPPoE sessions and MPLS label stacks), Linux cooked capture v1
 * and v2, raw IP (101, 12, 14, 228, 229), BSD loopback (0, host byte order) and OpenBSD loopback
 * (108). Network and transport: IPv4 (options, fragments: only the first fragment has ports),
 * IPv6 (hop-by-hop, routing, fragment, destination options and AH extension headers), TCP, UDP,
 * SCTP, ICMP, ICMPv6.
 *
 * <p>With tunnel decapsulation enabled, GRE (IP or transparent Ethernet), VXLAN (UDP 4789),
 * IP-in-IP and Ethernet-over-MPLS pseudowires with a control word are opened and the fields
 * describe the inner packet ({@link PacketInfo#tunnel()} says which); an inner packet that cannot
 * be parsed leaves the outer one described instead. Without it (the default, as softflowd and
 * pmacct do) tunnels are flows of their own protocol.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class PacketParser {

    /** The packet is IP and every header needed for the flow key was parsed. */
    public static final int OK = 0;
    /** The link layer carries something other than IPv4 or IPv6 (ARP, LLDP, STP, ...). */
    public static final int NOT_IP = 1;
    /** The captured bytes end inside a header that is needed (snap length, sampled header). */
    public static final int TRUNCATED = 2;
    /** A header is impossible: wrong version, lengths that contradict each other. */
    public static final int MALFORMED = 3;
    /** The link type is not one this parser understands. */
    public static final int UNKNOWN_LINK_TYPE = 4;

    /** IANA-assigned VXLAN port. */
    public static final int VXLAN_PORT = 4789;

    private static final int MAX_VLAN_TAGS = 4;
    private static final int MAX_MPLS_LABELS = 16;
    private static final int MAX_IPV6_EXTENSIONS = 16;
    private static final int MAX_TUNNEL_DEPTH = 2;

    private static final String[] RESULT_NAMES = {"ok", "not_ip", "truncated", "malformed", "unknown_link_type"};

    private final boolean decapsulate;

    /** A parser that does not open tunnels. */
    public PacketParser() {
        this(false);
    }

    /** A parser that opens GRE, VXLAN, IP-in-IP and MPLS pseudowire tunnels when asked to. */
    public PacketParser(boolean decapsulateTunnels) {
        this.decapsulate = decapsulateTunnels;
    }

    public boolean decapsulatesTunnels() {
        return decapsulate;
    }

    /** A short name of a result code for counters: {@code ok}, {@code not_ip}, {@code truncated}, ... */
    public static String resultName(int result) {
        return result >= 0 && result < RESULT_NAMES.length ? RESULT_NAMES[result] : "unknown";
    }

    /**
     * Parses the packet in {@code buf[offset, offset+length)} (absolute indexes; the buffer's
     * position and limit are not changed, bytes past the limit are never read).
     *
     * @param length the captured bytes, which may be fewer than the frame had on the wire
     * @param linkType the {@code LINKTYPE_*} of the first header
     * @param out reset and filled
     * @return {@link #OK}, {@link #NOT_IP}, {@link #TRUNCATED}, {@link #MALFORMED} or {@link
     *     #UNKNOWN_LINK_TYPE}
     */
    public int parse(ByteBuffer buf, int offset, int length, int linkType, PacketInfo out) {
        out.reset();
        out.linkType = linkType;
        if (offset < 0 || length < 0 || offset > buf.limit()) {
            return MALFORMED;
        }
        int end = (int) Math.min((long) offset + length, buf.limit());
        ByteBuffer b = buf.order() == ByteOrder.BIG_ENDIAN ? buf : buf.duplicate().order(ByteOrder.BIG_ENDIAN);
        try {
            int r = link(b, offset, end, linkType, out, decapsulate);
            if (r != OK && out.tunnel != PacketInfo.TUNNEL_NONE) {
                // the inner packet could not be parsed: describe the outer one
                out.reset();
                out.linkType = linkType;
                r = link(b, offset, end, linkType, out, false);
            }
            return r;
        } catch (IndexOutOfBoundsException e) {
            // every read is bounds-checked above; this is the last line of defence
            return MALFORMED;
        }
    }

    private int link(ByteBuffer b, int p, int end, int linkType, PacketInfo out, boolean decap) {
        switch (linkType) {
            case 1: // ETHERNET
                return ethernet(b, p, end, out, 0, decap);
            case 0: { // NULL: address family in the capturing host's byte order
                if (end - p < 4) {
                    return TRUNCATED;
                }
                int af = b.getInt(p);
                if ((af & 0xFFFF) == 0 && af != 0) {
                    af = Integer.reverseBytes(af);
                }
                return family(b, p + 4, end, af, out, decap);
            }
            case 108: // LOOP: address family in network byte order
                if (end - p < 4) {
                    return TRUNCATED;
                }
                return family(b, p + 4, end, b.getInt(p), out, decap);
            case 101: // RAW
            case 12:
            case 14:
                return rawIp(b, p, end, out, 0, decap);
            case 228:
                return ip4(b, p, end, out, 0, decap);
            case 229:
                return ip6(b, p, end, out, 0, decap);
            case 113: { // LINUX_SLL
                if (end - p < 16) {
                    return TRUNCATED;
                }
                int hatype = u16(b, p + 2);
                int alen = u16(b, p + 4);
                if (hatype == 1 && alen == 6) {
                    out.srcMac = u48(b, p + 6);
                }
                return etherType(b, p + 16, end, u16(b, p + 14), out, 0, decap);
            }
            case 276: { // LINUX_SLL2
                if (end - p < 20) {
                    return TRUNCATED;
                }
                int hatype = u16(b, p + 8);
                int alen = u8(b, p + 11);
                if (hatype == 1 && alen == 6) {
                    out.srcMac = u48(b, p + 12);
                }
                return etherType(b, p + 20, end, u16(b, p), out, 0, decap);
            }
            default:
                return UNKNOWN_LINK_TYPE;
        }
    }

    private int family(ByteBuffer b, int p, int end, int af, PacketInfo out, boolean decap) {
        switch (af) {
            case 2: // AF_INET everywhere
                out.etherType = 0x0800;
                return ip4(b, p, end, out, 0, decap);
            case 10: // AF_INET6: Linux
            case 24: // NetBSD, OpenBSD, BSD/OS
            case 28: // FreeBSD, DragonFly
            case 30: // macOS
                out.etherType = 0x86DD;
                return ip6(b, p, end, out, 0, decap);
            default:
                return NOT_IP;
        }
    }

    private int rawIp(ByteBuffer b, int p, int end, PacketInfo out, int depth, boolean decap) {
        if (p >= end) {
            return TRUNCATED;
        }
        int version = u8(b, p) >>> 4;
        if (version == 4) {
            return ip4(b, p, end, out, depth, decap);
        }
        if (version == 6) {
            return ip6(b, p, end, out, depth, decap);
        }
        return MALFORMED;
    }

    private int ethernet(ByteBuffer b, int p, int end, PacketInfo out, int depth, boolean decap) {
        if (end - p < 14) {
            return TRUNCATED;
        }
        if (depth == 0) {
            out.dstMac = u48(b, p);
            out.srcMac = u48(b, p + 6);
        }
        int type = u16(b, p + 12);
        p += 14;
        if (type <= 1500) {
            // 802.3 length: only LLC/SNAP carries an EtherType
            if (end - p >= 8 && u8(b, p) == 0xAA && u8(b, p + 1) == 0xAA && u8(b, p + 2) == 0x03) {
                type = u16(b, p + 6);
                p += 8;
            } else {
                return NOT_IP;
            }
        }
        return etherType(b, p, end, type, out, depth, decap);
    }

    private int etherType(ByteBuffer b, int p, int end, int type, PacketInfo out, int depth, boolean decap) {
        int tags = 0;
        while (type == 0x8100 || type == 0x88A8 || type == 0x9100) {
            if (++tags > MAX_VLAN_TAGS) {
                return MALFORMED;
            }
            if (end - p < 4) {
                return TRUNCATED;
            }
            int vid = u16(b, p) & 0x0FFF;
            if (out.vlan == 0 && tags == 1) {
                out.vlan = vid;
            } else if (out.innerVlan == 0) {
                out.innerVlan = vid;
            }
            type = u16(b, p + 2);
            p += 4;
        }
        out.etherType = type;
        switch (type) {
            case 0x0800:
                return ip4(b, p, end, out, depth, decap);
            case 0x86DD:
                return ip6(b, p, end, out, depth, decap);
            case 0x8847:
            case 0x8848:
                return mpls(b, p, end, out, depth, decap);
            case 0x8864: { // PPPoE session
                if (end - p < 8) {
                    return TRUNCATED;
                }
                int ppp = u16(b, p + 6);
                if (ppp == 0x0021) {
                    return ip4(b, p + 8, end, out, depth, decap);
                }
                if (ppp == 0x0057) {
                    return ip6(b, p + 8, end, out, depth, decap);
                }
                return NOT_IP;
            }
            default:
                return NOT_IP;
        }
    }

    private int mpls(ByteBuffer b, int p, int end, PacketInfo out, int depth, boolean decap) {
        for (int n = 0; ; n++) {
            if (n >= MAX_MPLS_LABELS) {
                return MALFORMED;
            }
            if (end - p < 4) {
                return TRUNCATED;
            }
            int entry = b.getInt(p);
            p += 4;
            out.mplsLabels++;
            if ((entry & 0x100) != 0) {
                break;
            }
        }
        if (p >= end) {
            return TRUNCATED;
        }
        int nibble = u8(b, p) >>> 4;
        if (nibble == 4) {
            return ip4(b, p, end, out, depth, decap);
        }
        if (nibble == 6) {
            return ip6(b, p, end, out, depth, decap);
        }
        if (nibble == 0 && decap && depth < MAX_TUNNEL_DEPTH) {
            // pseudowire control word, then the customer's Ethernet frame
            out.tunnel = PacketInfo.TUNNEL_MPLS_PW;
            return ethernet(b, p + 4, end, out, depth + 1, decap);
        }
        return NOT_IP;
    }

    private static void clearNetwork(PacketInfo out) {
        out.ipHeaderLength = 0;
        out.fragmentOffset = 0;
        out.moreFragments = false;
        out.l4Offset = 0;
        out.srcPort = 0;
        out.dstPort = 0;
        out.tcpFlags = 0;
        out.tcpSeq = 0;
        out.tcpAck = 0;
        out.icmpType = -1;
        out.icmpCode = -1;
        out.payloadOffset = 0;
        out.payloadLength = 0;
    }

    private int ip4(ByteBuffer b, int p, int end, PacketInfo out, int depth, boolean decap) {
        if (end - p < 20) {
            return TRUNCATED;
        }
        int vihl = u8(b, p);
        if ((vihl >>> 4) != 4) {
            return MALFORMED;
        }
        int ihl = (vihl & 0x0F) * 4;
        if (ihl < 20) {
            return MALFORMED;
        }
        int total = u16(b, p + 2);
        if (total == 0) {
            total = end - p; // segmentation offload leaves the length to the NIC
        } else if (total < ihl) {
            return MALFORMED;
        }
        if (depth > 0) {
            clearNetwork(out);
        }
        out.ipVersion = 4;
        out.ipOffset = p;
        out.ipLength = total;
        out.tos = u8(b, p + 1);
        out.ttl = u8(b, p + 8);
        out.protocol = u8(b, p + 9);
        int fo = u16(b, p + 6);
        out.fragmentOffset = (fo & 0x1FFF) * 8;
        out.moreFragments = (fo & 0x2000) != 0;
        out.srcHi = 0;
        out.srcLo = IpAddresses.V4_MAPPED | (b.getInt(p + 12) & 0xFFFFFFFFL);
        out.dstHi = 0;
        out.dstLo = IpAddresses.V4_MAPPED | (b.getInt(p + 16) & 0xFFFFFFFFL);
        if (end - p < ihl) {
            return TRUNCATED;
        }
        out.ipHeaderLength = ihl;
        return transport(b, p + ihl, end, p + total, out, depth, decap);
    }

    private int ip6(ByteBuffer b, int p, int end, PacketInfo out, int depth, boolean decap) {
        if (end - p < 40) {
            return TRUNCATED;
        }
        int first = b.getInt(p);
        if ((first >>> 28) != 6) {
            return MALFORMED;
        }
        int payload = u16(b, p + 4);
        int total = payload == 0 ? end - p : payload + 40;
        if (depth > 0) {
            clearNetwork(out);
        }
        out.ipVersion = 6;
        out.ipOffset = p;
        out.ipLength = total;
        out.tos = (first >>> 20) & 0xFF;
        out.ttl = u8(b, p + 7);
        out.srcHi = b.getLong(p + 8);
        out.srcLo = b.getLong(p + 16);
        out.dstHi = b.getLong(p + 24);
        out.dstLo = b.getLong(p + 32);
        int declaredEnd = p + total;
        int next = u8(b, p + 6);
        int q = p + 40;
        for (int n = 0; ; n++) {
            if (n > MAX_IPV6_EXTENSIONS) {
                return MALFORMED;
            }
            int length;
            int following;
            if (next == 0 || next == 43 || next == 60) { // hop-by-hop, routing, destination options
                if (q + 8 > end || q + 8 > declaredEnd) {
                    out.protocol = next;
                    return short8(end, declaredEnd);
                }
                following = u8(b, q);
                length = (u8(b, q + 1) + 1) * 8;
            } else if (next == 44) { // fragment
                if (q + 8 > end || q + 8 > declaredEnd) {
                    out.protocol = next;
                    return short8(end, declaredEnd);
                }
                following = u8(b, q);
                int fo = u16(b, q + 2);
                out.fragmentOffset = fo & 0xFFF8;
                out.moreFragments = (fo & 1) != 0;
                length = 8;
            } else if (next == 51) { // authentication header
                if (q + 8 > end || q + 8 > declaredEnd) {
                    out.protocol = next;
                    return short8(end, declaredEnd);
                }
                following = u8(b, q);
                length = (u8(b, q + 1) + 2) * 4;
            } else {
                break;
            }
            q += length;
            next = following;
        }
        out.protocol = next;
        if (q > end) {
            return short8(end, declaredEnd);
        }
        out.ipHeaderLength = q - p;
        if (q > declaredEnd) {
            return MALFORMED;
        }
        return transport(b, q, end, declaredEnd, out, depth, decap);
    }

    /** TRUNCATED when the capture stopped before the IP packet's end, MALFORMED when the packet itself is too short. */
    private static int short8(int capturedEnd, int declaredEnd) {
        return capturedEnd < declaredEnd ? TRUNCATED : MALFORMED;
    }

    private int transport(ByteBuffer b, int q, int capturedEnd, int declaredEnd, PacketInfo out, int depth,
            boolean decap) {
        int avail = Math.min(capturedEnd, declaredEnd);
        out.l4Offset = q;
        if (out.fragmentOffset != 0) {
            // not the first fragment: no transport header here
            out.payloadOffset = q;
            out.payloadLength = Math.max(0, avail - q);
            return OK;
        }
        switch (out.protocol) {
            case 6: { // TCP
                if (q + 20 > avail) {
                    return short8(capturedEnd, declaredEnd);
                }
                out.srcPort = u16(b, q);
                out.dstPort = u16(b, q + 2);
                out.tcpSeq = b.getInt(q + 4) & 0xFFFFFFFFL;
                out.tcpAck = b.getInt(q + 8) & 0xFFFFFFFFL;
                int dataOffset = (u8(b, q + 12) >>> 4) * 4;
                out.tcpFlags = u8(b, q + 13);
                if (dataOffset < 20) {
                    return MALFORMED;
                }
                setPayload(out, q + dataOffset, avail);
                return OK;
            }
            case 17: { // UDP
                if (q + 8 > avail) {
                    return short8(capturedEnd, declaredEnd);
                }
                out.srcPort = u16(b, q);
                out.dstPort = u16(b, q + 2);
                setPayload(out, q + 8, avail);
                if (decap && depth < MAX_TUNNEL_DEPTH && out.dstPort == VXLAN_PORT && avail - (q + 8) >= 8
                        && (u8(b, q + 8) & 0x08) != 0) {
                    out.tunnel = PacketInfo.TUNNEL_VXLAN;
                    return ethernet(b, q + 16, avail, out, depth + 1, decap);
                }
                return OK;
            }
            case 132: { // SCTP
                if (q + 12 > avail) {
                    return short8(capturedEnd, declaredEnd);
                }
                out.srcPort = u16(b, q);
                out.dstPort = u16(b, q + 2);
                setPayload(out, q + 12, avail);
                return OK;
            }
            case 1: // ICMP
            case 58: { // ICMPv6
                if (q + 4 > avail) {
                    return short8(capturedEnd, declaredEnd);
                }
                out.icmpType = u8(b, q);
                out.icmpCode = u8(b, q + 1);
                setPayload(out, q + 8, avail);
                return OK;
            }
            case 47: { // GRE
                setPayload(out, q, avail);
                if (!decap || depth >= MAX_TUNNEL_DEPTH || q + 4 > avail) {
                    return OK;
                }
                int flags = u16(b, q);
                if ((flags & 0x7) != 0) {
                    return OK; // version 1 (PPTP) carries PPP: not opened
                }
                int header = 4 + ((flags & 0x8000) != 0 ? 4 : 0) + ((flags & 0x2000) != 0 ? 4 : 0)
                        + ((flags & 0x1000) != 0 ? 4 : 0);
                int inner = u16(b, q + 2);
                if (q + header > avail) {
                    return OK;
                }
                if (inner == 0x0800 || inner == 0x86DD) {
                    out.tunnel = PacketInfo.TUNNEL_GRE;
                    return rawIp(b, q + header, avail, out, depth + 1, decap);
                }
                if (inner == 0x6558) {
                    out.tunnel = PacketInfo.TUNNEL_GRE;
                    return ethernet(b, q + header, avail, out, depth + 1, decap);
                }
                return OK;
            }
            case 4: // IPv4 in IP
            case 41: // IPv6 in IP
                setPayload(out, q, avail);
                if (decap && depth < MAX_TUNNEL_DEPTH) {
                    out.tunnel = PacketInfo.TUNNEL_IP;
                    return rawIp(b, q, avail, out, depth + 1, decap);
                }
                return OK;
            default:
                setPayload(out, q, avail);
                return OK;
        }
    }

    private static void setPayload(PacketInfo out, int start, int avail) {
        int s = Math.min(start, avail);
        out.payloadOffset = s;
        out.payloadLength = avail - s;
    }

    private static int u8(ByteBuffer b, int i) {
        return b.get(i) & 0xFF;
    }

    private static int u16(ByteBuffer b, int i) {
        return b.getShort(i) & 0xFFFF;
    }

    private static long u48(ByteBuffer b, int i) {
        return ((long) u16(b, i) << 32) | (b.getInt(i + 2) & 0xFFFFFFFFL);
    }
}
