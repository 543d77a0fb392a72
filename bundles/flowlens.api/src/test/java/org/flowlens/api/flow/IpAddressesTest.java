package org.flowlens.api.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class IpAddressesTest {
    @Test
    void ipv4RoundTrips() {
        long[] a = IpAddresses.parse("192.168.1.20");
        assertTrue(IpAddresses.isV4(a[0], a[1]));
        assertEquals("192.168.1.20", IpAddresses.format(a[0], a[1]));
        assertEquals(0xC0A80114, IpAddresses.v4(a[1]));
    }

    @Test
    void ipv6RoundTripsInCanonicalForm() throws Exception {
        for (String s : new String[] {"2001:db8::1", "::1", "fe80::1:2:3:4", "2001:db8:0:1:1:1:1:1", "::"}) {
            long[] a = IpAddresses.parse(s);
            assertFalse(IpAddresses.isV4(a[0], a[1]), s);
            assertEquals(s, IpAddresses.format(a[0], a[1]));
            assertEquals(InetAddress.getByName(s), IpAddresses.toInetAddress(a[0], a[1]));
        }
    }

    @Test
    void mappedIpv6IsIpv4() {
        long[] a = IpAddresses.parse("::ffff:10.0.0.1");
        assertTrue(IpAddresses.isV4(a[0], a[1]));
        assertEquals("10.0.0.1", IpAddresses.format(a[0], a[1]));
    }

    @Test
    void rejectsHostNamesAndGarbage() {
        for (String s : new String[] {"example.com", "1.2.3", "1.2.3.256", "1.2.3.4.5", "", "12:zz::1", "1..2.3"}) {
            assertThrows(IllegalArgumentException.class, () -> IpAddresses.parse(s), s);
        }
    }

    @Test
    void protocolNamesAndNumbers() {
        assertEquals(6, Protocols.number("tcp"));
        assertEquals(17, Protocols.number("17"));
        assertEquals(-1, Protocols.number("nope"));
        assertEquals("ICMPV6", Protocols.name(58));
        assertEquals("253", Protocols.name(253));
    }
}
