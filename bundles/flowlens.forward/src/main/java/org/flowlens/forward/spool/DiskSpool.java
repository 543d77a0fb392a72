package org.flowlens.forward.spool;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.zip.CRC32;

/**
 * An ordered queue of byte entries on disk with a cap on its total size. Each entry is one file
 * named by its sequence number, written to a temporary name and renamed into place, so a crash
 * never leaves half an entry; entries left by a previous run are found again on open, oldest
 * first. Entries carry a record count so callers can count what they spool, deliver or lose.
 *
 * <p>{@link #append} adds at the tail, {@link #prepend} puts an entry back at the head (for a
 * delivery that failed after it was taken from memory), {@link #peek} reads the head and
 * {@link #remove} deletes it once delivered. An entry whose file is damaged is deleted and counted
 * by {@link #corruptEntries()}. Thread-safe.
 */
public final class DiskSpool implements Closeable {
    /** One spooled entry. */
    public record Entry(long sequence, byte[] payload, int records) {}

    private static final int MAGIC = 0x464C5350; // "FLSP"
    private static final int HEADER = 16;
    private static final String SUFFIX = ".spool";
    /** First sequence of a new spool; room below it for entries put back at the head. */
    private static final long FIRST = 1L << 40;

    private final Path dir;
    private final Deque<long[]> index = new ArrayDeque<>(); // {sequence, file bytes, records}
    private volatile long maxBytes;
    private long bytes;
    private long records;
    private long corrupt;
    private long corruptRecords;
    private boolean closed;

    /**
     * Opens (creating if needed) the spool in {@code dir} and indexes the entries already there.
     *
     * @param maxBytes the most the entries may take on disk, headers included; 0 spools nothing
     */
    public DiskSpool(Path dir, long maxBytes) throws IOException {
        this.dir = dir;
        this.maxBytes = Math.max(0, maxBytes);
        Files.createDirectories(dir);
        List<long[]> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(f);
                    continue;
                }
                if (!name.endsWith(SUFFIX)) {
                    continue;
                }
                long seq;
                try {
                    seq = Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
                } catch (NumberFormatException e) {
                    continue;
                }
                long size = Files.size(f);
                found.add(new long[] {seq, size, headerRecords(f)});
            }
        }
        Collections.sort(found, (a, b) -> Long.compare(a[0], b[0]));
        for (long[] e : found) {
            index.addLast(e);
            bytes += e[1];
            records += e[2];
        }
    }

    /** The directory the entries live in. */
    public Path directory() {
        return dir;
    }

    /** Changes the cap; entries already spooled stay even when they exceed a lower cap. */
    public void maxBytes(long max) {
        maxBytes = Math.max(0, max);
    }

    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Adds an entry at the tail.
     *
     * @param records how many records the payload holds (for the caller's counters)
     * @return false, writing nothing, when the entry would take the spool over its cap
     */
    public boolean append(byte[] payload, int offset, int length, int records) throws IOException {
        synchronized (this) {
            long seq = index.isEmpty() ? FIRST : index.peekLast()[0] + 1;
            return write(seq, payload, offset, length, records, false);
        }
    }

    /**
     * Puts an entry back at the head, before every other entry, e.g. one that failed delivery
     * after it had been taken from memory.
     *
     * @return false, writing nothing, when it would take the spool over its cap
     */
    public boolean prepend(byte[] payload, int offset, int length, int records) throws IOException {
        synchronized (this) {
            long seq = index.isEmpty() ? FIRST : index.peekFirst()[0] - 1;
            if (seq < 0) {
                throw new IOException("spool sequence exhausted at the head");
            }
            return write(seq, payload, offset, length, records, true);
        }
    }

    private boolean write(long seq, byte[] payload, int offset, int length, int n, boolean head) throws IOException {
        if (closed) {
            throw new IOException("spool closed");
        }
        long size = HEADER + (long) length;
        if (bytes + size > maxBytes) {
            return false;
        }
        CRC32 crc = new CRC32();
        crc.update(payload, offset, length);
        ByteBuffer header = ByteBuffer.allocate(HEADER).putInt(MAGIC).putInt(n).putInt(length).putInt((int) crc.getValue()).flip();
        Path tmp = dir.resolve(name(seq) + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer body = ByteBuffer.wrap(payload, offset, length);
            while (header.hasRemaining() || body.hasRemaining()) {
                ch.write(new ByteBuffer[] {header, body});
            }
        }
        Files.move(tmp, dir.resolve(name(seq)), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        long[] e = {seq, size, n};
        if (head) {
            index.addFirst(e);
        } else {
            index.addLast(e);
        }
        bytes += size;
        records += n;
        return true;
    }

    /**
     * The oldest entry, or null when the spool is empty. Damaged entries on the way are deleted
     * and counted.
     */
    public synchronized Entry peek() throws IOException {
        while (!index.isEmpty()) {
            long[] e = index.peekFirst();
            Path f = dir.resolve(name(e[0]));
            byte[] data;
            try {
                data = Files.readAllBytes(f);
            } catch (java.nio.file.NoSuchFileException gone) {
                dropHead(e);
                continue;
            }
            ByteBuffer b = ByteBuffer.wrap(data);
            if (data.length >= HEADER && b.getInt() == MAGIC) {
                int n = b.getInt();
                int len = b.getInt();
                int sum = b.getInt();
                if (n >= 0 && len == data.length - HEADER) {
                    CRC32 crc = new CRC32();
                    crc.update(data, HEADER, len);
                    if ((int) crc.getValue() == sum) {
                        byte[] payload = new byte[len];
                        System.arraycopy(data, HEADER, payload, 0, len);
                        return new Entry(e[0], payload, n);
                    }
                }
            }
            dropHead(e);
        }
        return null;
    }

    /** Deletes the entry {@link #peek()} returned, once it has been delivered or given up. */
    public synchronized void remove(Entry entry) throws IOException {
        long[] e = index.peekFirst();
        if (e == null || e[0] != entry.sequence()) {
            throw new IllegalStateException("entry " + entry.sequence() + " is not the head of the spool");
        }
        Files.deleteIfExists(dir.resolve(name(e[0])));
        index.pollFirst();
        bytes -= e[1];
        records -= e[2];
    }

    private void dropHead(long[] e) throws IOException {
        Files.deleteIfExists(dir.resolve(name(e[0])));
        index.pollFirst();
        bytes -= e[1];
        records -= e[2];
        corrupt++;
        corruptRecords += e[2];
    }

    public synchronized boolean isEmpty() {
        return index.isEmpty();
    }

    /** Entries waiting. */
    public synchronized int entries() {
        return index.size();
    }

    /** Bytes the entries take on disk. */
    public synchronized long bytes() {
        return bytes;
    }

    /** Records the entries hold, as their writers declared them. */
    public synchronized long records() {
        return records;
    }

    /** Damaged or vanished entries deleted since open. */
    public synchronized long corruptEntries() {
        return corrupt;
    }

    /** Records in the damaged entries (as far as their headers could tell). */
    public synchronized long corruptRecords() {
        return corruptRecords;
    }

    /** Stops accepting entries; what is spooled stays on disk for the next open. */
    @Override
    public synchronized void close() {
        closed = true;
    }

    private static String name(long seq) {
        String s = Long.toString(seq);
        return "0".repeat(Math.max(0, 20 - s.length())) + s + SUFFIX;
    }

    private static long headerRecords(Path f) {
        try (InputStream in = Files.newInputStream(f)) {
            byte[] h = in.readNBytes(8);
            if (h.length == 8) {
                ByteBuffer b = ByteBuffer.wrap(h);
                if (b.getInt() == MAGIC) {
                    return Math.max(0, b.getInt());
                }
            }
        } catch (IOException e) {
            // counted as damaged when it is read
        }
        return 0;
    }
}
