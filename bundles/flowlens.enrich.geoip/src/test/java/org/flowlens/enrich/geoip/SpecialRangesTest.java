package org.flowlens.enrich.geoip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.flowlens.api.enrich.AddressInfo;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpecialRangesTest {
    private static String label(String address) {
        long[] a = IpAddresses.parse(address);
        AddressInfo info = SpecialRanges.of(a[0], a[1]);
        return info == null ? null : info.countryCode();
    }

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0,PRIVATE", "10.255.255.255,PRIVATE", "172.16.0.1,PRIVATE", "172.31.255.255,PRIVATE",
        "192.168.0.1,PRIVATE", "100.64.0.1,PRIVATE", "100.127.255.255,PRIVATE", "fc00::1,PRIVATE", "fdff:ffff::1,PRIVATE",
        "127.0.0.1,LOOPBACK", "127.255.255.254,LOOPBACK", "::1,LOOPBACK",
        "169.254.1.1,LINK_LOCAL", "fe80::1,LINK_LOCAL", "febf:ffff::1,LINK_LOCAL",
        "224.0.0.1,MULTICAST", "239.255.255.250,MULTICAST", "255.255.255.255,MULTICAST", "ff02::fb,MULTICAST",
        "192.0.2.1,DOCUMENTATION", "198.51.100.7,DOCUMENTATION", "203.0.113.255,DOCUMENTATION", "2001:db8::1,DOCUMENTATION",
        "3fff:fff::1,DOCUMENTATION",
        "0.0.0.0,RESERVED", "0.1.2.3,RESERVED", "240.0.0.1,RESERVED", "254.255.255.255,RESERVED", "198.18.0.1,RESERVED",
        "198.19.255.255,RESERVED", "192.0.0.8,RESERVED", "::,RESERVED"
    })
    void labelsSpecialAddresses(String address, String expected) {
        assertEquals(expected, label(address));
        long[] a = IpAddresses.parse(address);
        assertTrue(SpecialRanges.of(a[0], a[1]).special());
    }

    @ParameterizedTest
    @ValueSource(strings = {"9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
        "192.167.255.255", "192.169.0.0", "169.253.255.255", "126.255.255.255", "128.0.0.0", "223.255.255.255", "8.8.8.8",
        "192.0.3.1", "198.51.101.1", "203.0.114.1", "198.17.255.255", "198.20.0.0", "1.1.1.1",
        "2001:4860:4860::8888", "2001:db9::1", "fbff::1", "fec0::1", "3fff:1000::1", "2606:4700::1111", "::2", "64:ff9b::808:808"})
    void leavesOtherAddressesToTheDatabases(String address) {
        assertNull(label(address));
    }
}
