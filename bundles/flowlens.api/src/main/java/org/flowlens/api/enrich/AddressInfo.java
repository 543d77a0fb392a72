package org.flowlens.api.enrich;

/**
 * Everything known about one address. Strings are shared instances (interned), so comparing them
 * is cheap; a field is null (or NaN, or 0 for the AS) when unknown.
 *
 * @param countryCode ISO 3166 country code, or one of the labels of special ranges below
 * @param countryName country name in the configured language
 * @param continentCode two-letter continent code (AF, AN, AS, EU, NA, OC, SA)
 * @param city city name in the configured language
 * @param latitude approximate latitude, NaN when unknown
 * @param longitude approximate longitude, NaN when unknown
 * @param asn autonomous system number, 0 when unknown
 * @param asName organisation of the autonomous system
 */
public record AddressInfo(String countryCode, String countryName, String continentCode, String city, float latitude,
        float longitude, long asn, String asName) {

    /** RFC 1918 and RFC 6598 (carrier-grade NAT) IPv4, unique local IPv6 (fc00::/7). */
    public static final String PRIVATE = "PRIVATE";
    /** 127.0.0.0/8 and ::1. */
    public static final String LOOPBACK = "LOOPBACK";
    /** 169.254.0.0/16 and fe80::/10. */
    public static final String LINK_LOCAL = "LINK_LOCAL";
    /** 224.0.0.0/4, the IPv4 broadcast address and ff00::/8. */
    public static final String MULTICAST = "MULTICAST";
    /** 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32. */
    public static final String DOCUMENTATION = "DOCUMENTATION";
    /** 0.0.0.0/8, 240.0.0.0/4, 198.18.0.0/15 (benchmarking), :: and other addresses never routed. */
    public static final String RESERVED = "RESERVED";

    /** Nothing known. */
    public static final AddressInfo UNKNOWN = new AddressInfo(null, null, null, null, Float.NaN, Float.NaN, 0, null);

    /** True when the address is in one of the special ranges (labelled without any database lookup). */
    public boolean special() {
        return countryCode != null && switch (countryCode) {
            case PRIVATE, LOOPBACK, LINK_LOCAL, MULTICAST, DOCUMENTATION, RESERVED -> true;
            default -> false;
        };
    }
}
