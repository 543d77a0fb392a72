package org.flowlens.api.flow;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CidrTest {
    private static boolean in(String cidr, String addr) {
        long[] a = IpAddresses.parse(addr);
        return Cidr.parse(cidr).contains(a[0], a[1]);
    }

    @Test
    void ipv4Blocks() {
        assertTrue(in("10.0.0.0/8", "10.200.3.4"));
        assertFalse(in("10.0.0.0/8", "11.0.0.1"));
        assertTrue(in("192.168.1.0/24", "192.168.1.255"));
        assertFalse(in("192.168.1.0/24", "192.168.2.0"));
        assertTrue(in("0.0.0.0/0", "8.8.8.8"));
        assertFalse(in("0.0.0.0/0", "2001:db8::1"), "an IPv4 block never holds IPv6 addresses");
        assertTrue(in("8.8.8.8", "8.8.8.8"));
        assertFalse(in("8.8.8.8", "8.8.8.9"));
    }

    @Test
    void ipv6Blocks() {
        assertTrue(in("2001:db8::/32", "2001:db8:ffff::1"));
        assertFalse(in("2001:db8::/32", "2001:db9::1"));
        assertTrue(in("fc00::/7", "fd12:3456::1"));
        assertTrue(in("::/0", "10.0.0.1"));
        assertTrue(in("2001:db8::1/128", "2001:db8::1"));
        assertTrue(in("2001:db8:0:0:8000::/65", "2001:db8::8000:0:0:1"));
        assertFalse(in("2001:db8:0:0:8000::/65", "2001:db8::1"));
    }

    @Test
    void badBlocksAreRefusedWithAMessage() {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0/8"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("2001:db8::/129"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/x"));
    }
}
