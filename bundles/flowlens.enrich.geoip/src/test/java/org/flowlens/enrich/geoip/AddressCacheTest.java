package org.flowlens.enrich.geoip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.flowlens.api.enrich.AddressInfo;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;

class AddressCacheTest {
    private static AddressInfo info(long asn) {
        return new AddressInfo("US", null, null, null, Float.NaN, Float.NaN, asn, null);
    }

    @Test
    void returnsWhatWasPut() {
        AddressCache c = new AddressCache(1000);
        AddressInfo a = info(1);
        c.put(0, IpAddresses.v4Lo(0x0808_0808), a);
        assertSame(a, c.get(0, IpAddresses.v4Lo(0x0808_0808)));
        assertNull(c.get(0, IpAddresses.v4Lo(0x0808_0404)));
        assertNull(c.get(1, IpAddresses.v4Lo(0x0808_0808)), "the high word is part of the key");
    }

    @Test
    void neverHoldsMoreThanItsCapacity() {
        AddressCache c = new AddressCache(100);
        for (int i = 0; i < 100_000; i++) {
            c.put(i * 31L, IpAddresses.v4Lo(i), info(i));
        }
        assertEquals(100, c.capacity());
        assertEquals(100, c.size());
        // the most recent entry is always found: it sits in the first way of its set
        assertEquals(99_999, c.get(99_999 * 31L, IpAddresses.v4Lo(99_999)).asn());
    }

    @Test
    void keepsFourAddressesOfOneSetAndEvictsTheOldest() {
        AddressCache c = new AddressCache(4); // one set of four ways: every address maps to it
        for (int i = 1; i <= 4; i++) {
            c.put(0, i, info(i));
        }
        for (int i = 1; i <= 4; i++) {
            assertEquals(i, c.get(0, i).asn());
        }
        c.put(0, 5, info(5)); // evicts the oldest
        assertNull(c.get(0, 1));
        for (int i = 2; i <= 5; i++) {
            assertEquals(i, c.get(0, i).asn());
        }
        c.put(0, 3, info(33)); // an address already held moves to the first way, the others stay
        assertEquals(33, c.get(0, 3).asn());
        for (int i : new int[] {2, 4, 5}) {
            assertEquals(i, c.get(0, i).asn());
        }
        assertEquals(4, c.size());
    }

    @Test
    void capacityZeroCachesNothing() {
        for (int capacity : new int[] {0, 3}) {
            AddressCache c = new AddressCache(capacity);
            c.put(0, 1, info(1));
            assertNull(c.get(0, 1));
            assertEquals(0, c.capacity());
        }
    }

    @Test
    void spreadsSequentialAddressesOverTheSets() {
        AddressCache c = new AddressCache(100_000);
        for (int i = 0; i < 50_000; i++) {
            c.put(0, IpAddresses.v4Lo(0x0A00_0000 + i), info(i));
        }
        int found = 0;
        for (int i = 0; i < 50_000; i++) {
            if (c.get(0, IpAddresses.v4Lo(0x0A00_0000 + i)) != null) {
                found++;
            }
        }
        assertTrue(found > 49_000, "a half-full four-way cache keeps nearly all of them, kept " + found);
    }
}
