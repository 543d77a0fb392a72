package org.flowlens.forward.spool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskSpoolTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keepsEntriesInOrderWithPutBackAtTheHead() throws IOException {
        try (DiskSpool spool = new DiskSpool(dir, 1 << 20)) {
            assertNull(spool.peek());
            assertTrue(spool.append(bytes("b"), 0, 1, 2));
            assertTrue(spool.append(bytes("xcx"), 1, 1, 3));
            assertTrue(spool.prepend(bytes("a"), 0, 1, 1));
            assertEquals(3, spool.entries());
            assertEquals(6, spool.records());
            StringBuilder order = new StringBuilder();
            DiskSpool.Entry e;
            while ((e = spool.peek()) != null) {
                order.append(new String(e.payload(), StandardCharsets.UTF_8)).append(e.records());
                spool.remove(e);
            }
            assertEquals("a1b2c3", order.toString());
            assertEquals(0, spool.bytes());
            assertEquals(0, spool.records());
            assertTrue(spool.isEmpty());
        }
    }

    @Test
    void refusesWhatWouldExceedTheCapAndKeepsTheRest() throws IOException {
        byte[] kb = new byte[1000];
        try (DiskSpool spool = new DiskSpool(dir, 3 * 1016)) {
            assertTrue(spool.append(kb, 0, kb.length, 10));
            assertTrue(spool.append(kb, 0, kb.length, 10));
            assertTrue(spool.append(kb, 0, kb.length, 10));
            assertFalse(spool.append(kb, 0, kb.length, 10));
            assertFalse(spool.prepend(kb, 0, kb.length, 10));
            assertEquals(30, spool.records());
            assertEquals(3 * 1016, spool.bytes());
            spool.remove(spool.peek());
            assertTrue(spool.append(kb, 0, 10, 1));
            spool.maxBytes(0);
            assertFalse(spool.append(kb, 0, 1, 1));
            assertEquals(21, spool.records());
        }
    }

    @Test
    void survivesARestartAndDiscardsHalfWrittenOrDamagedEntries() throws IOException {
        try (DiskSpool spool = new DiskSpool(dir, 1 << 20)) {
            for (int i = 0; i < 5; i++) {
                spool.append(bytes("entry" + i), 0, 6, i + 1);
            }
        }
        Files.write(dir.resolve("00000000000000000099.spool.tmp"), bytes("half written"));
        Path third = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.spool")) {
            int i = 0;
            for (Path f : sorted(files)) {
                if (i++ == 2) {
                    third = f;
                }
            }
        }
        byte[] damaged = Files.readAllBytes(third);
        damaged[damaged.length - 1] ^= 0x55;
        Files.write(third, damaged);
        try (DiskSpool spool = new DiskSpool(dir, 1 << 20)) {
            assertEquals(5, spool.entries());
            assertEquals(15, spool.records());
            assertFalse(Files.exists(dir.resolve("00000000000000000099.spool.tmp")));
            StringBuilder seen = new StringBuilder();
            DiskSpool.Entry e;
            while ((e = spool.peek()) != null) {
                seen.append(new String(e.payload(), StandardCharsets.UTF_8)).append(' ');
                spool.remove(e);
            }
            assertEquals("entry0 entry1 entry3 entry4 ", seen.toString());
            assertEquals(1, spool.corruptEntries());
            assertEquals(3, spool.corruptRecords());
            assertEquals(0, spool.records());
            assertTrue(spool.append(bytes("again"), 0, 5, 1));
            assertArrayEquals(bytes("again"), spool.peek().payload());
        }
    }

    @Test
    void removeOnlyTakesTheHead() throws IOException {
        try (DiskSpool spool = new DiskSpool(dir, 1 << 20)) {
            spool.append(bytes("a"), 0, 1, 1);
            spool.append(bytes("b"), 0, 1, 1);
            DiskSpool.Entry head = spool.peek();
            spool.remove(head);
            assertThrows(IllegalStateException.class, () -> spool.remove(head));
            spool.close();
            assertThrows(IOException.class, () -> spool.append(bytes("c"), 0, 1, 1));
        }
    }

    private static Iterable<Path> sorted(DirectoryStream<Path> files) {
        java.util.List<Path> list = new java.util.ArrayList<>();
        files.forEach(list::add);
        java.util.Collections.sort(list);
        return list;
    }
}
