package org.flowlens.decoder.packet;

import org.flowlens.api.flow.IpAddresses;

/**
 * What {@link PacketParser} found in one packet. One instance is reused for every packet (the
 * parser resets it first), so nothing is allocated per packet. Addresses are two longs each, as in
 * {@link org.flowlens.api.flow.FlowRecord} (IPv4 as IPv4-mapped IPv6). Offsets are absolute
 * indexes into the buffer that was parsed.
 *
 * <p>After a {@link PacketParser#TRUNCATED} or {@link PacketParser#MALFORMED} result, the fields
 * of the headers parsed before the problem are still valid: {@link #ipVersion()} non-zero means
 * the addresses, protocol and IP length are.
 */
public final class PacketInfo {

    /** {@link #tunnel()}: not decapsulated. */
    public static final int TUNNEL_NONE = 0;
    /** {@link #tunnel()}: the fields describe the packet inside a GRE tunnel. */
    public static final int TUNNEL_GRE = 1;
    /** {@link #tunnel()}: the fields describe the packet inside a VXLAN tunnel. */
    public static final int TUNNEL_VXLAN = 2;
    /** {@link #tunnel()}: the fields describe the packet inside an MPLS pseudowire (Ethernet over MPLS). */
    public static final int TUNNEL_MPLS_PW = 3;
    /** {@link #tunnel()}: the fields describe the packet inside an IP-in-IP tunnel (protocol 4 or 41). */
    public static final int TUNNEL_IP = 4;

    int linkType;
    long srcMac;
    long dstMac;
    int vlan;
    int innerVlan;
    int mplsLabels;
    int etherType;
    int tunnel;

    int ipVersion;
    int ipOffset;
    int ipLength;
    int ipHeaderLength;
    long srcHi;
    long srcLo;
    long dstHi;
    long dstLo;
    int protocol;
    int tos;
    int ttl;
    int fragmentOffset;
    boolean moreFragments;

    int l4Offset;
    int srcPort;
    int dstPort;
    int tcpFlags;
    long tcpSeq;
    long tcpAck;
    int icmpType;
    int icmpCode;
    int payloadOffset;
    int payloadLength;

    /** Clears every field. */
    public void reset() {
        linkType = 0;
        srcMac = 0;
        dstMac = 0;
        vlan = 0;
        innerVlan = 0;
        mplsLabels = 0;
        etherType = 0;
        tunnel = TUNNEL_NONE;
        ipVersion = 0;
        ipOffset = 0;
        ipLength = 0;
        ipHeaderLength = 0;
        srcHi = 0;
        srcLo = 0;
        dstHi = 0;
        dstLo = 0;
        protocol = 0;
        tos = 0;
        ttl = 0;
        fragmentOffset = 0;
        moreFragments = false;
        l4Offset = 0;
        srcPort = 0;
        dstPort = 0;
        tcpFlags = 0;
        tcpSeq = 0;
        tcpAck = 0;
        icmpType = -1;
        icmpCode = -1;
        payloadOffset = 0;
        payloadLength = 0;
    }

    /** The link type the packet was parsed with ({@code LINKTYPE_*}). */
    public int linkType() { return linkType; }

    /** Source MAC address in the low 48 bits, 0 when the link layer has none. */
    public long srcMac() { return srcMac; }

    /** Destination MAC address in the low 48 bits, 0 when the link layer has none. */
    public long dstMac() { return dstMac; }

    /** The outer 802.1Q / 802.1ad VLAN id, 0 when untagged. */
    public int vlan() { return vlan; }

    /** The inner VLAN id of a QinQ frame, 0 when there is none. */
    public int innerVlan() { return innerVlan; }

    /** MPLS labels skipped before the IP header. */
    public int mplsLabels() { return mplsLabels; }

    /** The EtherType of the network layer (after VLAN tags), 0 when the link layer has none. */
    public int etherType() { return etherType; }

    /** {@link #TUNNEL_NONE} or the tunnel whose inner packet the IP fields describe. */
    public int tunnel() { return tunnel; }

    /** 4, 6, or 0 when no IP header was found. */
    public int ipVersion() { return ipVersion; }

    /** Offset of the IP header. */
    public int ipOffset() { return ipOffset; }

    /**
     * The IP packet length announced by the IP header (IPv4 total length, IPv6 payload length + 40):
     * the layer-3 byte count of the packet even when the capture holds fewer bytes. When the header
     * announces 0 (segmentation offload, jumbograms) it is the captured length from the IP header on.
     */
    public int ipLength() { return ipLength; }

    /** Length of the IP header including IPv4 options and IPv6 extension headers. */
    public int ipHeaderLength() { return ipHeaderLength; }

    public long srcHi() { return srcHi; }

    public long srcLo() { return srcLo; }

    public long dstHi() { return dstHi; }

    public long dstLo() { return dstLo; }

    /** The IPv4 source address (valid when {@link #ipVersion()} is 4). */
    public int srcV4() { return (int) srcLo; }

    /** The IPv4 destination address (valid when {@link #ipVersion()} is 4). */
    public int dstV4() { return (int) dstLo; }

    /** The transport protocol: IPv4 protocol, or the IPv6 header after the extension headers. */
    public int protocol() { return protocol; }

    /** IPv4 type of service or IPv6 traffic class. */
    public int tos() { return tos; }

    /** IPv4 time to live or IPv6 hop limit. */
    public int ttl() { return ttl; }

    /** Fragment offset in bytes; non-zero for all fragments but the first, which alone has ports. */
    public int fragmentOffset() { return fragmentOffset; }

    /** The more-fragments flag. */
    public boolean moreFragments() { return moreFragments; }

    /** True for any fragment of a fragmented packet, the first included. */
    public boolean isFragment() { return fragmentOffset != 0 || moreFragments; }

    /** Offset of the transport header (valid when the packet is not a non-first fragment). */
    public int l4Offset() { return l4Offset; }

    /** TCP/UDP/SCTP source port, 0 for other protocols and non-first fragments. */
    public int srcPort() { return srcPort; }

    /** TCP/UDP/SCTP destination port, 0 for other protocols and non-first fragments. */
    public int dstPort() { return dstPort; }

    /** TCP flags (FIN 0x01 ... CWR 0x80), 0 when not TCP. */
    public int tcpFlags() { return tcpFlags; }

    /** TCP sequence number. */
    public long tcpSeq() { return tcpSeq; }

    /** TCP acknowledgement number. */
    public long tcpAck() { return tcpAck; }

    /** ICMP or ICMPv6 type, -1 when not ICMP. */
    public int icmpType() { return icmpType; }

    /** ICMP or ICMPv6 code, -1 when not ICMP. */
    public int icmpCode() { return icmpCode; }

    /** Offset of the transport payload (after the TCP/UDP header). */
    public int payloadOffset() { return payloadOffset; }

    /**
     * Captured payload bytes: from {@link #payloadOffset()} to the end of the captured bytes or the
     * end announced by the IP header, whichever comes first (Ethernet padding is not payload).
     */
    public int payloadLength() { return payloadLength; }

    @Override
    public String toString() {
        if (ipVersion == 0) {
            return "non-IP etherType 0x" + Integer.toHexString(etherType);
        }
        return "IPv" + ipVersion + " " + IpAddresses.format(srcHi, srcLo) + ":" + srcPort + " > "
                + IpAddresses.format(dstHi, dstLo) + ":" + dstPort + " proto " + protocol + " len " + ipLength
                + (tcpFlags != 0 ? " flags 0x" + Integer.toHexString(tcpFlags) : "")
                + (vlan != 0 ? " vlan " + vlan : "");
    }
}
