package org.flowlens.enrich.geoip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AsnCsvTest {
    @TempDir
    Path dir;

    private static AsnTable table(String text) {
        AsnTable.Builder b = new AsnTable.Builder();
        AsnCsv.parse(text.getBytes(StandardCharsets.UTF_8), b);
        return b.build();
    }

    private static String nameAt(AsnTable t, String address) {
        long[] a = IpAddresses.parse(address);
        int r = t.find(a[0], a[1]);
        return r < 0 ? null : t.asn(r) + " " + t.name(r);
    }

    @Test
    void readsQuotedOrganisationsWithCommasAndQuotes() {
        AsnTable t = table(String.join("\n",
                "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"",
                "2.26.200.0,2.26.215.255,201907,\"LLC \"\"SPUTNIK\"\"\"",
                "8.8.8.0,8.8.8.255,15169,Google LLC",
                "9.9.9.0,9.9.9.255,19281,\"Quad9, \"\"DNS\"\", Foundation\""));
        assertEquals("13335 Cloudflare, Inc.", nameAt(t, "1.0.0.1"));
        assertEquals("201907 LLC \"SPUTNIK\"", nameAt(t, "2.26.201.1"));
        assertEquals("15169 Google LLC", nameAt(t, "8.8.8.8"));
        assertEquals("19281 Quad9, \"DNS\", Foundation", nameAt(t, "9.9.9.9"));
    }

    @Test
    void readsNumericAndIpv6FilesCrLfAndAByteOrderMark() {
        AsnTable t = table("\uFEFF16777216,16777471,13335,\"Cloudflare, Inc.\"\r\n"
                + "42540488161975842760550356425300246528,42540488241204005274814694018844196863,6939,Hurricane Electric LLC\r\n"
                + "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\r\n"
                + "\r\n# a comment\n");
        assertEquals("13335 Cloudflare, Inc.", nameAt(t, "1.0.0.200"));
        assertEquals("6939 Hurricane Electric LLC", nameAt(t, "2001::1"));
        assertEquals("6939 Hurricane Electric LLC", nameAt(t, "2001:0:ffff:ffff:ffff:ffff:ffff:ffff"));
        assertEquals("15169 Google LLC", nameAt(t, "2001:4860:4860::8888"));
        assertEquals(1, t.v4Ranges());
        assertEquals(2, t.v6Ranges());
    }

    @Test
    void countsBadLinesAndKeepsTheRest() {
        AsnTable.Builder b = new AsnTable.Builder();
        AsnCsv.Result r = AsnCsv.parse("""
                1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."
                1.0.1.0,1.0.1.255,notanumber,X
                1.0.2.0,1.0.2,1,Y
                1.0.3.255,1.0.3.0,2,end before start
                1.0.4.0,1.0.4.255,3,"unterminated
                1.0.5.0,2001::,4,mixed families
                300.0.0.0,300.0.0.1,5,bad octet
                1.0.6.0
                1.0.7.0,1.0.7.255,7
                99999999999999999999999999999999999999999,0,1,too big
                """.getBytes(StandardCharsets.UTF_8), b);
        assertEquals(10, r.lines());
        assertEquals(2, r.added()); // the first line, and the last good one without an organisation
        assertEquals(8, r.bad());
        AsnTable t = b.build();
        assertEquals("7 null", nameAt(t, "1.0.7.1"));
    }

    @Test
    void refusesAFileThatIsNotARangeFile() throws IOException {
        Path garbage = dir.resolve("garbage.csv");
        Files.write(garbage, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\n', 0, 1, 2, '\n', 'x', ',', 'y', '\n'});
        IOException e = assertThrows(IOException.class, () -> AsnCsv.read(garbage, new AsnTable.Builder()));
        assertTrue(e.getMessage().contains("garbage.csv"), e.getMessage());
        Path mostlyBad = dir.resolve("bad.csv");
        Files.writeString(mostlyBad, "1.0.0.0,1.0.0.255,1,A\nfoo\nbar\nbaz\n");
        assertThrows(IOException.class, () -> AsnCsv.read(mostlyBad, new AsnTable.Builder()));
        Path empty = dir.resolve("empty.csv");
        Files.writeString(empty, "");
        assertThrows(IOException.class, () -> AsnCsv.read(empty, new AsnTable.Builder()));
    }

    @Test
    void parsesAddressFields() {
        long[] out = new long[2];
        assertTrue(AsnCsv.address("255.255.255.255".getBytes(), 0, 15, out));
        assertArrayEquals(new long[] {0, IpAddresses.v4Lo(-1)}, out);
        assertTrue(AsnCsv.address("340282366920938463463374607431768211455".getBytes(), 0, 39, out));
        assertArrayEquals(new long[] {-1L, -1L}, out);
        assertTrue(AsnCsv.address("4294967296".getBytes(), 0, 10, out));
        assertArrayEquals(new long[] {0, 0x1_0000_0000L}, out);
        assertFalse(AsnCsv.address("340282366920938463463374607431768211456".getBytes(), 0, 39, out));
        assertFalse(AsnCsv.address("1.2.3".getBytes(), 0, 5, out));
        assertFalse(AsnCsv.address("1.2.3.4.5".getBytes(), 0, 9, out));
        assertFalse(AsnCsv.address("12a".getBytes(), 0, 3, out));
        assertFalse(AsnCsv.address("2001:::1".getBytes(), 0, 8, out));
        assertTrue(AsnCsv.address("::ffff:1.2.3.4".getBytes(), 0, 14, out));
        assertArrayEquals(new long[] {0, IpAddresses.v4Lo(0x0102_0304)}, out);
    }
}
