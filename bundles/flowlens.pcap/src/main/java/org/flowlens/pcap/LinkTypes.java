package org.flowlens.pcap;

/**
 * The tcpdump.org {@code LINKTYPE_*} values that Flowlens understands (the values written in pcap
 * and pcapng headers, not the platform {@code DLT_*} values, which differ for a few of them).
 */
public final class LinkTypes {
    /** BSD loopback: a 4-byte address family in the byte order of the capturing host. */
    public static final int NULL = 0;
    /** Ethernet II / 802.3. */
    public static final int ETHERNET = 1;
    /** Raw IPv4 or IPv6, version read from the first nibble (the value used in pcap files). */
    public static final int RAW = 101;
    /** OpenBSD loopback: a 4-byte address family in network byte order. */
    public static final int LOOP = 108;
    /** Linux cooked capture, version 1 (16-byte header). */
    public static final int LINUX_SLL = 113;
    /** Raw IPv4. */
    public static final int IPV4 = 228;
    /** Raw IPv6. */
    public static final int IPV6 = 229;
    /** Linux cooked capture, version 2 (20-byte header). */
    public static final int LINUX_SLL2 = 276;
    /** DLT_RAW as some platforms write it (12 or 14 instead of 101). */
    public static final int DLT_RAW_12 = 12;
    /** DLT_RAW as OpenBSD writes it. */
    public static final int DLT_RAW_14 = 14;

    private LinkTypes() {
    }
}
