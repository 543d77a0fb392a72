package org.flowlens.enrich.geoip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;

class AsnTableTest {
    private static long v4(int a) {
        return IpAddresses.v4Lo(a);
    }

    private static long asnAt(AsnTable t, long hi, long lo) {
        int r = t.find(hi, lo);
        return r < 0 ? -1 : t.asn(r);
    }

    @Test
    void findsRangesByTheirBoundariesAndNothingInGaps() {
        AsnTable.Builder b = new AsnTable.Builder();
        b.add(0, v4(0x0100_0000), 0, v4(0x0100_00FF), 13335, "Cloudflare, Inc.");
        b.add(0, v4(0x0808_0800), 0, v4(0x0808_08FF), 15169, "Google LLC");
        b.add(0, v4(0xDF00_0000), 0, v4(0xDFFF_FFFF), 4_200_000_001L, "a 4-byte AS above 2^31");
        b.add(0x2001_4860_0000_0000L, 0, 0x2001_4860_FFFF_FFFFL, -1L, 15169, "Google LLC");
        AsnTable t = b.build();
        assertEquals(13335, asnAt(t, 0, v4(0x0100_0000)));
        assertEquals(13335, asnAt(t, 0, v4(0x0100_00FF)));
        assertEquals(-1, asnAt(t, 0, v4(0x0100_0100)));
        assertEquals(-1, asnAt(t, 0, v4(0x00FF_FFFF)));
        assertEquals(15169, asnAt(t, 0, v4(0x0808_0808)));
        assertEquals(4_200_000_001L, asnAt(t, 0, v4(0xDF12_3456)), "unsigned order above 128.0.0.0");
        assertEquals(-1, asnAt(t, 0, v4(0xFFFF_FFFF)));
        assertEquals(15169, asnAt(t, 0x2001_4860_4860_0000L, 0x8888));
        assertEquals(-1, asnAt(t, 0x2001_4861_0000_0000L, 0));
        assertEquals(-1, asnAt(t, 0x2001_485F_FFFF_FFFFL, -1L));
        assertEquals("Google LLC", t.nameOf(15169));
        assertEquals("a 4-byte AS above 2^31", t.nameOf(4_200_000_001L));
        assertNull(t.nameOf(64512));
        assertNull(t.nameOf(0));
        // the two Google ranges share one String
        assertEquals(t.name(t.find(0, v4(0x0808_0808))), t.name(t.find(0x2001_4860_0000_0000L, 1)));
    }

    @Test
    void theLaterStartingRangeWinsWhereRangesOverlap() {
        // as in the published IPv4 file: AS749 214.0.0.0-214.255.255.255 then AS721 214.10.0.0-215.0.255.255
        AsnTable.Builder b = new AsnTable.Builder();
        b.add(0, v4(0xD600_0000), 0, v4(0xD6FF_FFFF), 749, "DoD");
        b.add(0, v4(0xD60A_0000), 0, v4(0xD700_FFFF), 721, "DoD NIC");
        // nested: a /24 inside a /16, and the /16 resumes after it
        b.add(0, v4(0x0A0B_0000), 0, v4(0x0A0B_FFFF), 1, "outer");
        b.add(0, v4(0x0A0B_0500), 0, v4(0x0A0B_05FF), 2, "inner");
        AsnTable t = b.build();
        assertEquals(749, asnAt(t, 0, v4(0xD609_FFFF)));
        assertEquals(721, asnAt(t, 0, v4(0xD60A_0000)));
        assertEquals(721, asnAt(t, 0, v4(0xD6FF_FFFF)));
        assertEquals(721, asnAt(t, 0, v4(0xD700_FFFF)));
        assertEquals(1, asnAt(t, 0, v4(0x0A0B_04FF)));
        assertEquals(2, asnAt(t, 0, v4(0x0A0B_0500)));
        assertEquals(2, asnAt(t, 0, v4(0x0A0B_05FF)));
        assertEquals(1, asnAt(t, 0, v4(0x0A0B_0600)));
        assertEquals(1, asnAt(t, 0, v4(0x0A0B_FFFF)));
    }

    @Test
    void anIpv6RangeOverTheIpv4MappedBlockAnswersForIpv4Too() {
        AsnTable.Builder b = new AsnTable.Builder();
        b.add(0, 0, 1, 0, 7, "wide"); // ::/64 and one more address
        b.add(0, v4(0x0808_0800), 0, v4(0x0808_08FF), 15169, "Google LLC");
        AsnTable t = b.build();
        assertEquals(7, asnAt(t, 0, v4(0x0102_0304)));
        assertEquals(15169, asnAt(t, 0, v4(0x0808_0808)));
        assertEquals(7, asnAt(t, 0, 1));
        assertEquals(7, asnAt(t, 0, -1L));
        assertEquals(7, asnAt(t, 1, 0));
        assertEquals(-1, asnAt(t, 1, 1));
    }

    @Test
    void adjacentRangesOfOneAsAreMerged() {
        AsnTable.Builder b = new AsnTable.Builder();
        b.add(0, v4(0x0100_0000), 0, v4(0x0100_00FF), 1, "A");
        b.add(0, v4(0x0100_0100), 0, v4(0x0100_01FF), 1, "A");
        b.add(0, v4(0x0100_0200), 0, v4(0x0100_02FF), 2, "B");
        assertEquals(2, b.build().v4Ranges());
    }

    /** The answer the table must give: of the ranges holding the point, the latest start, then the shortest, then the last added. */
    private static long reference(List<long[]> ranges, long point) {
        long[] best = null;
        for (long[] r : ranges) {
            if (r[0] <= point && point <= r[1]) {
                if (best == null || r[0] > best[0] || r[0] == best[0] && (r[1] < best[1] || r[1] == best[1] && r[3] > best[3])) {
                    best = r;
                }
            }
        }
        return best == null ? -1 : best[2];
    }

    @Test
    void agreesWithABruteForceReferenceOnRandomOverlappingRanges() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int round = 0; round < 200; round++) {
            int n = 1 + rnd.nextInt(40);
            List<long[]> ranges = new ArrayList<>();
            AsnTable.Builder b4 = new AsnTable.Builder(), b6 = new AsnTable.Builder();
            for (int i = 0; i < n; i++) {
                long start = rnd.nextInt(1000);
                long end = start + (rnd.nextInt(4) == 0 ? rnd.nextInt(600) : rnd.nextInt(30));
                long as = 1 + rnd.nextInt(5); // few numbers: merges of equal neighbours happen
                ranges.add(new long[] {start, end, as, i});
                b4.add(0, v4(0x0B00_0000 + (int) start), 0, v4(0x0B00_0000 + (int) end), as, "AS" + as);
                // the same ranges in IPv6, straddling the boundary between the low and high words
                long base = -500L;
                b6.add(0x2001_0000_0000_0000L + (Long.compareUnsigned(base + start, base) < 0 ? 1 : 0), base + start,
                        0x2001_0000_0000_0000L + (Long.compareUnsigned(base + end, base) < 0 ? 1 : 0), base + end, as, "AS" + as);
            }
            AsnTable t4 = b4.build(), t6 = b6.build();
            for (long p = 0; p < 1700; p++) {
                long expected = reference(ranges, p);
                assertEquals(expected, asnAt(t4, 0, v4(0x0B00_0000 + (int) p)), "IPv4 round " + round + " point " + p);
                long lo = -500L + p;
                long hi = 0x2001_0000_0000_0000L + (Long.compareUnsigned(lo, -500L) < 0 ? 1 : 0);
                assertEquals(expected, asnAt(t6, hi, lo), "IPv6 round " + round + " point " + p);
                if (expected > 0) {
                    assertEquals("AS" + expected, t4.name(t4.find(0, v4(0x0B00_0000 + (int) p))));
                }
            }
        }
    }
}
