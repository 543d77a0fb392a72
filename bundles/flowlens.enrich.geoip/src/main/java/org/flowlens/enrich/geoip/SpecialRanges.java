package org.flowlens.enrich.geoip;

import org.flowlens.api.enrich.AddressInfo;
import org.flowlens.api.flow.IpAddresses;

/**
 * Addresses that no database should be asked about: private, loopback, link-local, multicast,
 * documentation and reserved ranges, recognised by a few bit tests.
 */
final class SpecialRanges {
    static final AddressInfo PRIVATE = labelled(AddressInfo.PRIVATE);
    static final AddressInfo LOOPBACK = labelled(AddressInfo.LOOPBACK);
    static final AddressInfo LINK_LOCAL = labelled(AddressInfo.LINK_LOCAL);
    static final AddressInfo MULTICAST = labelled(AddressInfo.MULTICAST);
    static final AddressInfo DOCUMENTATION = labelled(AddressInfo.DOCUMENTATION);
    static final AddressInfo RESERVED = labelled(AddressInfo.RESERVED);

    private SpecialRanges() {}

    private static AddressInfo labelled(String label) {
        return new AddressInfo(label, null, null, null, Float.NaN, Float.NaN, 0, null);
    }

    /** The label of a special address, or null for an address to look up. */
    static AddressInfo of(long hi, long lo) {
        if (IpAddresses.isV4(hi, lo)) {
            return ofV4((int) lo);
        }
        return ofV6(hi, lo);
    }

    static AddressInfo ofV4(int v) {
        int a = v >>> 24;
        switch (a) {
            case 0: return RESERVED;                                                      // 0.0.0.0/8
            case 10: return PRIVATE;                                                      // 10.0.0.0/8
            case 100: return (v & 0xFFC0_0000) == 0x6440_0000 ? PRIVATE : null;           // 100.64.0.0/10
            case 127: return LOOPBACK;                                                    // 127.0.0.0/8
            case 169: return (v & 0xFFFF_0000) == 0xA9FE_0000 ? LINK_LOCAL : null;        // 169.254.0.0/16
            case 172: return (v & 0xFFF0_0000) == 0xAC10_0000 ? PRIVATE : null;           // 172.16.0.0/12
            case 192:
                if ((v & 0xFFFF_0000) == 0xC0A8_0000) {
                    return PRIVATE;                                                       // 192.168.0.0/16
                }
                if ((v & 0xFFFF_FF00) == 0xC000_0200) {
                    return DOCUMENTATION;                                                 // 192.0.2.0/24
                }
                return (v & 0xFFFF_FF00) == 0xC000_0000 ? RESERVED : null;                // 192.0.0.0/24
            case 198:
                if ((v & 0xFFFE_0000) == 0xC612_0000) {
                    return RESERVED;                                                      // 198.18.0.0/15
                }
                return (v & 0xFFFF_FF00) == 0xC633_6400 ? DOCUMENTATION : null;           // 198.51.100.0/24
            case 203: return (v & 0xFFFF_FF00) == 0xCB00_7100 ? DOCUMENTATION : null;     // 203.0.113.0/24
            default:
                if (v == -1) {
                    return MULTICAST;                                                     // broadcast
                }
                if (a >= 240) {
                    return RESERVED;                                                      // 240.0.0.0/4
                }
                return a >= 224 ? MULTICAST : null;                                       // 224.0.0.0/4
        }
    }

    static AddressInfo ofV6(long hi, long lo) {
        int top = (int) (hi >>> 48);
        if (hi == 0) {
            if (lo == 1) {
                return LOOPBACK;                                                          // ::1
            }
            return lo == 0 ? RESERVED : null;                                             // ::
        }
        if ((top & 0xFE00) == 0xFC00) {
            return PRIVATE;                                                               // fc00::/7
        }
        if ((top & 0xFFC0) == 0xFE80) {
            return LINK_LOCAL;                                                            // fe80::/10
        }
        if ((top & 0xFF00) == 0xFF00) {
            return MULTICAST;                                                             // ff00::/8
        }
        if ((hi >>> 32) == 0x2001_0DB8L) {
            return DOCUMENTATION;                                                         // 2001:db8::/32
        }
        if ((top & 0xFFFF) == 0x3FFF && ((hi >>> 44) & 0xF) == 0) {
            return DOCUMENTATION;                                                         // 3fff::/20
        }
        return null;
    }
}
