package org.flowlens.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapReaderTest {

    @TempDir
    Path dir;

    static byte[] payload(int index, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (index * 31 + i);
        }
        return b;
    }

    static byte[] bytes(ByteBuffer packet) {
        byte[] b = new byte[packet.remaining()];
        packet.duplicate().get(b);
        return b;
    }

    /** Reads every packet: [captured bytes], with timestamps, link types and lengths in the lists. */
    static List<byte[]> readAll(PcapReader r, List<long[]> meta) {
        List<byte[]> out = new ArrayList<>();
        while (r.next()) {
            ByteBuffer p = r.packet();
            assertEquals(r.capturedLength(), p.remaining());
            assertTrue(p.isReadOnly());
            assertEquals(ByteOrder.BIG_ENDIAN, p.order());
            out.add(bytes(p));
            if (meta != null) {
                meta.add(new long[] {r.timestampNanos(), r.linkType(), r.capturedLength(), r.originalLength()});
            }
        }
        return out;
    }

    private Path writeClassic(boolean nanos, int count) throws IOException {
        Path f = dir.resolve(nanos ? "ns.pcap" : "us.pcap");
        try (PcapWriter w = PcapWriter.create(f, LinkTypes.ETHERNET, 65535, nanos)) {
            for (int i = 0; i < count; i++) {
                w.write(1_600_000_000_123_456_789L + i * 1_000_000_007L, payload(i, 40 + i), 0, 40 + i, 60 + i);
            }
        }
        return f;
    }

    @Test
    void readsMicrosecondAndNanosecondPcap() throws IOException {
        for (boolean nanos : new boolean[] {false, true}) {
            Path f = writeClassic(nanos, 50);
            try (PcapReader r = PcapReader.open(f)) {
                assertFalse(r.isPcapng());
                List<long[]> meta = new ArrayList<>();
                List<byte[]> pkts = readAll(r, meta);
                assertEquals(50, pkts.size());
                assertEquals(50, r.packets());
                assertEquals(0, r.truncated());
                assertEquals(r.size(), r.position());
                for (int i = 0; i < 50; i++) {
                    assertArrayEquals(payload(i, 40 + i), pkts.get(i));
                    long ts = 1_600_000_000_123_456_789L + i * 1_000_000_007L;
                    assertEquals(nanos ? ts : ts / 1000 * 1000, meta.get(i)[0], "timestamp of " + i);
                    assertEquals(LinkTypes.ETHERNET, meta.get(i)[1]);
                    assertEquals(60 + i, meta.get(i)[3]);
                }
                assertFalse(r.next(), "stays at the end");
            }
        }
    }

    @Test
    void readsBigEndianPcap() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(24 + 2 * (16 + 10)).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(96).putInt(LinkTypes.RAW);
        for (int i = 0; i < 2; i++) {
            b.putInt(1000 + i).putInt(500_000).putInt(10).putInt(1500).put(payload(i, 10));
        }
        Path f = dir.resolve("be.pcap");
        Files.write(f, b.array());
        try (PcapReader r = PcapReader.open(f)) {
            assertTrue(r.next());
            assertEquals(1000_500_000_000L, r.timestampNanos());
            assertEquals(LinkTypes.RAW, r.linkType());
            assertEquals(10, r.capturedLength());
            assertEquals(1500, r.originalLength());
            assertArrayEquals(payload(0, 10), bytes(r.packet()));
            assertTrue(r.next());
            assertEquals(1001_500_000_000L, r.timestampNanos());
            assertFalse(r.next());
            assertEquals(0, r.truncated());
        }
    }

    @Test
    void readsPcapngInBothByteOrdersWithPerInterfaceLinkTypes() throws IOException {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            PcapNgBuilder b = new PcapNgBuilder(order)
                    .iface(LinkTypes.ETHERNET, 65535, -1, 0)             // microseconds
                    .iface(LinkTypes.LINUX_SLL, 262144, 9, 0)            // nanoseconds
                    .iface(LinkTypes.RAW, 0, 0x80 | 20, 0)               // 2^-20 s units
                    .iface(LinkTypes.LINUX_SLL2, 0, 3, 100)              // milliseconds, +100 s offset
                    .otherBlocks()
                    .epb(0, 1_700_000_000_123_456L, payload(0, 61), 61, 61, true)
                    .epb(1, 1_700_000_000_987_654_321L, payload(1, 30), 30, 1514, false)
                    .epb(2, (1_700_000_000L << 20) | (1 << 19), payload(2, 20), 20, 20, false)
                    .epb(3, 1_700_000_000_250L, payload(3, 3), 3, 3, false)
                    .spb(payload(4, 17), 17)
                    .obsoletePacket(1, 5_000_000_001L, payload(5, 12));
            Path f = dir.resolve("ng-" + order + ".pcapng");
            Files.write(f, b.bytes());
            try (PcapReader r = PcapReader.open(f)) {
                assertTrue(r.isPcapng());
                List<long[]> meta = new ArrayList<>();
                List<byte[]> pkts = readAll(r, meta);
                assertEquals(6, pkts.size(), order.toString());
                assertEquals(0, r.truncated());
                assertArrayEquals(payload(0, 61), pkts.get(0));
                assertArrayEquals(new long[] {1_700_000_000_123_456_000L, LinkTypes.ETHERNET, 61, 61}, meta.get(0));
                assertArrayEquals(new long[] {1_700_000_000_987_654_321L, LinkTypes.LINUX_SLL, 30, 1514}, meta.get(1));
                assertArrayEquals(new long[] {1_700_000_000_500_000_000L, LinkTypes.RAW, 20, 20}, meta.get(2));
                assertArrayEquals(new long[] {1_700_000_100_250_000_000L, LinkTypes.LINUX_SLL2, 3, 3}, meta.get(3));
                assertArrayEquals(payload(3, 3), pkts.get(3));
                // the simple packet block belongs to interface 0 and keeps the previous timestamp
                assertArrayEquals(new long[] {1_700_000_100_250_000_000L, LinkTypes.ETHERNET, 17, 17}, meta.get(4));
                assertArrayEquals(payload(4, 17), pkts.get(4));
                assertArrayEquals(new long[] {5_000_000_001L, LinkTypes.LINUX_SLL, 12, 12}, meta.get(5));
            }
        }
    }

    @Test
    void pcapngSectionsMayChangeByteOrderAndResetInterfaces() throws IOException {
        PcapNgBuilder b = new PcapNgBuilder(ByteOrder.LITTLE_ENDIAN)
                .iface(LinkTypes.ETHERNET, 0, -1, 0)
                .epb(0, 1_000_000L, payload(0, 8), 8, 8, false)
                .section(ByteOrder.BIG_ENDIAN)
                .epb(0, 2_000_000L, payload(9, 8), 8, 8, false)  // no interface in this section: damaged
                .iface(LinkTypes.RAW, 0, 9, 0)
                .epb(0, 3_000_000_000L, payload(1, 9), 9, 9, false);
        Path f = dir.resolve("sections.pcapng");
        Files.write(f, b.bytes());
        try (PcapReader r = PcapReader.open(f)) {
            List<long[]> meta = new ArrayList<>();
            List<byte[]> pkts = readAll(r, meta);
            assertEquals(2, pkts.size());
            assertEquals(1, r.truncated());
            assertArrayEquals(new long[] {1_000_000_000L, LinkTypes.ETHERNET, 8, 8}, meta.get(0));
            assertArrayEquals(new long[] {3_000_000_000L, LinkTypes.RAW, 9, 9}, meta.get(1));
            assertArrayEquals(payload(1, 9), pkts.get(1));
        }
    }

    @Test
    void truncatedTailIsCountedNotFatal() throws IOException {
        Path whole = writeClassic(false, 5);
        byte[] all = Files.readAllBytes(whole);
        // every cut point: the complete records before it are read, a partial record is counted
        int[] recordEnds = new int[6];
        recordEnds[0] = 24;
        for (int i = 0; i < 5; i++) {
            recordEnds[i + 1] = recordEnds[i] + 16 + 40 + i;
        }
        for (int cut = 24; cut < all.length; cut++) {
            Path f = dir.resolve("cut.pcap");
            Files.write(f, Arrays.copyOf(all, cut));
            int complete = 0;
            while (complete < 5 && recordEnds[complete + 1] <= cut) {
                complete++;
            }
            try (PcapReader r = PcapReader.open(f)) {
                List<byte[]> pkts = readAll(r, null);
                assertEquals(complete, pkts.size(), "cut at " + cut);
                assertEquals(recordEnds[complete] == cut ? 0 : 1, r.truncated(), "cut at " + cut);
                assertEquals(cut, r.position());
            }
        }
    }

    @Test
    void truncatedPcapngTailIsCounted() throws IOException {
        byte[] all = new PcapNgBuilder(ByteOrder.LITTLE_ENDIAN).iface(1, 0, -1, 0)
                .epb(0, 1, payload(0, 50), 50, 50, false).epb(0, 2, payload(1, 50), 50, 50, false).bytes();
        Path f = dir.resolve("cut.pcapng");
        Files.write(f, Arrays.copyOf(all, all.length - 10));
        try (PcapReader r = PcapReader.open(f)) {
            assertEquals(1, readAll(r, null).size());
            assertEquals(1, r.truncated());
        }
    }

    @Test
    void garbageBetweenRecordsIsSkippedAndCounted() throws IOException {
        Path whole = writeClassic(true, 6);
        byte[] all = Files.readAllBytes(whole);
        int third = 24 + (16 + 40) + (16 + 41);
        byte[] garbage = new byte[333];
        new Random(7).nextBytes(garbage);
        Arrays.fill(garbage, 0, 16, (byte) 0xff); // an impossible record header
        byte[] damaged = new byte[all.length + garbage.length];
        System.arraycopy(all, 0, damaged, 0, third);
        System.arraycopy(garbage, 0, damaged, third, garbage.length);
        System.arraycopy(all, third, damaged, third + garbage.length, all.length - third);
        Path f = dir.resolve("garbage.pcap");
        Files.write(f, damaged);
        try (PcapReader r = PcapReader.open(f)) {
            List<byte[]> pkts = readAll(r, null);
            assertEquals(6, pkts.size());
            assertEquals(1, r.truncated());
            for (int i = 0; i < 6; i++) {
                assertArrayEquals(payload(i, 40 + i), pkts.get(i));
            }
        }
    }

    @Test
    void damagedPcapngBlockIsSkippedAndCounted() throws IOException {
        PcapNgBuilder b = new PcapNgBuilder(ByteOrder.LITTLE_ENDIAN).iface(1, 0, -1, 0)
                .epb(0, 1, payload(0, 20), 20, 20, false)
                .raw(new byte[] {6, 0, 0, 0, 7, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7}) // length 7: impossible
                .epb(0, 2, payload(1, 20), 20, 20, false)
                .epb(7, 3, payload(2, 20), 20, 20, false) // unknown interface
                .epb(0, 4, payload(3, 20), 20, 20, false);
        Path f = dir.resolve("damaged.pcapng");
        Files.write(f, b.bytes());
        try (PcapReader r = PcapReader.open(f)) {
            List<byte[]> pkts = readAll(r, null);
            assertEquals(3, pkts.size());
            assertEquals(2, r.truncated());
            assertArrayEquals(payload(1, 20), pkts.get(1));
            assertArrayEquals(payload(3, 20), pkts.get(2));
        }
    }

    @Test
    void notACaptureFileGivesAClearMessage() throws IOException {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "this is not a capture file at all");
        IOException e = assertThrows(IOException.class, () -> PcapReader.open(text));
        assertTrue(e.getMessage().contains("not a pcap or pcapng file"), e.getMessage());
        assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());

        Path gz = dir.resolve("x.pcap.gz");
        Files.write(gz, new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0});
        e = assertThrows(IOException.class, () -> PcapReader.open(gz));
        assertTrue(e.getMessage().contains("gzip"), e.getMessage());

        Path empty = dir.resolve("empty.pcap");
        Files.write(empty, new byte[0]);
        assertThrows(IOException.class, () -> PcapReader.open(empty));

        Path shortHeader = dir.resolve("short.pcap");
        Files.write(shortHeader, new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1, 2, 0});
        e = assertThrows(IOException.class, () -> PcapReader.open(shortHeader));
        assertTrue(e.getMessage().contains("too short"), e.getMessage());

        Path badNg = dir.resolve("bad.pcapng");
        Files.write(badNg, new byte[] {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0});
        e = assertThrows(IOException.class, () -> PcapReader.open(badNg));
        assertTrue(e.getMessage().contains("byte-order"), e.getMessage());
    }

    @Test
    void smallWindowsGiveTheSameResultAsOneMapping() throws IOException {
        Path pcap = writeClassic(false, 200);
        PcapNgBuilder ng = new PcapNgBuilder(ByteOrder.BIG_ENDIAN).iface(1, 0, 9, 0);
        for (int i = 0; i < 200; i++) {
            ng.epb(0, i * 1000L, payload(i, 10 + i), 10 + i, 10 + i, i % 3 == 0);
            if (i % 50 == 0) {
                ng.otherBlocks();
            }
        }
        Path pcapng = dir.resolve("many.pcapng");
        Files.write(pcapng, ng.bytes());
        for (Path f : new Path[] {pcap, pcapng}) {
            List<long[]> expectedMeta = new ArrayList<>();
            List<byte[]> expected;
            try (PcapReader r = PcapReader.open(f)) {
                expected = readAll(r, expectedMeta);
            }
            for (int window : new int[] {64, 100, 4096}) {
                try (PcapReader r = PcapReader.open(f, window)) {
                    List<long[]> meta = new ArrayList<>();
                    List<byte[]> pkts = readAll(r, meta);
                    assertEquals(expected.size(), pkts.size(), f + " window " + window);
                    assertEquals(0, r.truncated());
                    for (int i = 0; i < pkts.size(); i++) {
                        assertArrayEquals(expected.get(i), pkts.get(i));
                        assertArrayEquals(expectedMeta.get(i), meta.get(i));
                    }
                }
            }
        }
    }

    @Test
    void randomDamageNeverThrowsOrHangs() throws IOException {
        Path pcap = writeClassic(false, 40);
        byte[] pcapBytes = Files.readAllBytes(pcap);
        PcapNgBuilder ng = new PcapNgBuilder(ByteOrder.LITTLE_ENDIAN).iface(1, 0, -1, 0);
        for (int i = 0; i < 40; i++) {
            ng.epb(0, i, payload(i, 30 + i), 30 + i, 30 + i, false);
        }
        byte[] ngBytes = ng.bytes();
        Random rnd = new Random(42);
        Path f = dir.resolve("fuzz");
        for (int round = 0; round < 400; round++) {
            byte[] src = round % 2 == 0 ? pcapBytes : ngBytes;
            byte[] b = src.clone();
            int flips = 1 + rnd.nextInt(20);
            for (int k = 0; k < flips; k++) {
                int at = 28 + rnd.nextInt(b.length - 28); // keep the file magic
                b[at] = (byte) rnd.nextInt(256);
            }
            Files.write(f, b);
            try (PcapReader r = PcapReader.open(f)) {
                long n = 0;
                while (r.next()) {
                    assertTrue(r.capturedLength() >= 0);
                    assertEquals(r.capturedLength(), r.packet().remaining());
                    n++;
                    assertTrue(n <= b.length / 16, "more packets than the file can hold");
                }
                assertTrue(r.position() <= r.size());
            } catch (IOException e) {
                // a damaged section header in pcapng is refused at open: acceptable
                assertTrue(e.getMessage().contains("pcapng") || e.getMessage().contains("pcap"), e.getMessage());
            }
        }
    }

    @Test
    void packetBeforeNextIsRefused() throws IOException {
        Path f = writeClassic(false, 1);
        try (PcapReader r = PcapReader.open(f)) {
            assertThrows(IllegalStateException.class, r::packet);
            assertTrue(r.next());
            r.packet();
            assertFalse(r.next());
            assertThrows(IllegalStateException.class, r::packet);
        }
    }
}
