package org.flowlens.detect.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void durations() {
        assertEquals(500, Units.millis("500ms", "x"));
        assertEquals(10_000, Units.millis("10s", "x"));
        assertEquals(10_000, Units.millis("10", "x"));
        assertEquals(300_000, Units.millis(" 5m ", "x"));
        assertEquals(3_600_000, Units.millis("1h", "x"));
        assertThrows(IllegalArgumentException.class, () -> Units.millis("5 parsecs", "x"));
        assertThrows(IllegalArgumentException.class, () -> Units.millis("0s", "x"));
        assertThrows(IllegalArgumentException.class, () -> Units.millis("", "x"));
    }

    @Test
    void amounts() {
        assertEquals(800e6, Units.amount("800M", "x"));
        assertEquals(1.5e9, Units.amount("1.5G", "x"));
        assertEquals(1.5e9, Units.amount("1.5 Gbit/s", "x"));
        assertEquals(20e3, Units.amount("20k", "x"));
        assertEquals(20e3, Units.amount("20kpps", "x"));
        assertEquals(100_000, Units.amount("100_000", "x"));
        assertEquals(0, Units.amount("0", "x"));
        assertThrows(IllegalArgumentException.class, () -> Units.amount("lots", "x"));
        assertThrows(IllegalArgumentException.class, () -> Units.amount("5 furlongs", "x"));
        assertEquals("1.50 Gbit/s", Units.bits(1.5e9));
        assertEquals("120 kpkt/s", Units.packets(120_000));
        assertEquals("60 s", Units.duration(60_000));
        assertEquals("5 min", Units.duration(300_000));
    }

    @Test
    void listsSplitOnCommasAndSpace() {
        assertEquals(List.of("a", "b", "c", "d"), Units.split("a, b", "c;d", null, " "));
    }

    @Test
    void networksAndPorts() {
        AddressSet s = AddressSet.parse("10.0.0.0/8, 192.0.2.7", "2001:db8::/32");
        long[] a = IpAddresses.parse("10.200.1.1");
        long[] b = IpAddresses.parse("192.0.2.7");
        long[] c = IpAddresses.parse("192.0.2.8");
        long[] d = IpAddresses.parse("2001:db8:ffff::1");
        long[] e = IpAddresses.parse("2001:db9::1");
        assertTrue(s.contains(a[0], a[1]));
        assertTrue(s.contains(b[0], b[1]));
        assertFalse(s.contains(c[0], c[1]));
        assertTrue(s.contains(d[0], d[1]));
        assertFalse(s.contains(e[0], e[1]));
        assertTrue(AddressSet.parse("0.0.0.0/0").contains(c[0], c[1]));
        assertFalse(AddressSet.parse("0.0.0.0/0").contains(d[0], d[1]), "IPv4 networks hold only IPv4 addresses");
        assertThrows(IllegalArgumentException.class, () -> AddressSet.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> AddressSet.parse("example.com"));
        assertTrue(AddressSet.parse().isEmpty());

        PortSet p = PortSet.parse("53, 8000-8100");
        assertTrue(p.contains(53));
        assertTrue(p.contains(8050));
        assertFalse(p.contains(8101));
        assertFalse(p.contains(-1));
        assertThrows(IllegalArgumentException.class, () -> PortSet.parse("70000"));
        assertThrows(IllegalArgumentException.class, () -> PortSet.parse("90-80"));
        assertTrue(PortSet.parse().isEmpty());
    }
}
