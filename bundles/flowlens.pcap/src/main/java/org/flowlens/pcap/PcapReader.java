package org.flowlens.pcap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads pcap (microsecond, nanosecond, both byte orders) and pcapng capture files (section
 * header, interface description, enhanced, simple and obsolete packet blocks; other blocks are
 * skipped by their length) through a memory-mapped window over the file.
 *
 * <p>Files up to 2 GiB are mapped at once; larger ones are mapped in windows of 512 MiB that move
 * with the read position. When the file cannot be mapped, the reader falls back to reading windows
 * through the channel into a heap buffer.
 *
 * <p>Bad input is never fatal: a record whose header is impossible is counted in {@link
 * #truncated()} and the reader looks for the next plausible record a bounded distance ahead; a
 * record cut by the end of the file is counted and ends the reading.
 *
 * <p>The reader allocates nothing per packet: {@link #packet()} returns the same read-only buffer
 * each time, with its position on the first captured byte and its limit after the last one. Its
 * indexes are offsets into the mapped window, not into the packet, so use {@code
 * buf.position()} as the packet's start. Not thread-safe.
 */
public final class PcapReader implements AutoCloseable {

    private static final int PCAP_US_MAGIC = 0xa1b2c3d4;
    private static final int PCAP_NS_MAGIC = 0xa1b23c4d;
    private static final int PCAP_KUZNETZOV_MAGIC = 0xa1b2cd34;
    private static final int PCAPNG_SHB = 0x0A0D0D0A;
    private static final int PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D;

    private static final int BLOCK_IDB = 1;
    private static final int BLOCK_PB = 2;
    private static final int BLOCK_SPB = 3;
    private static final int BLOCK_NRB = 4;
    private static final int BLOCK_ISB = 5;
    private static final int BLOCK_EPB = 6;
    private static final int BLOCK_DSB = 0x0000000A;

    /** Captured lengths above this are damage, whatever the snap length says. */
    private static final int MAX_RECORD = 64 << 20;
    /** Below this no captured length is treated as damage (libpcap accepts up to 256 KiB). */
    private static final int MIN_MAX_CAPLEN = 262144;
    /** How far past a damaged record the reader looks for the next plausible one. */
    private static final int RESYNC_LIMIT = 1 << 20;
    /** Original lengths beyond this are implausible while resynchronising. */
    private static final long MAX_PLAUSIBLE_ORIG = 1L << 20;
    /** Interfaces a pcapng section may declare; more are counted as damage and ignored. */
    private static final int MAX_INTERFACES = 65536;

    static final int DEFAULT_WINDOW = 512 << 20;
    private static final int HEAP_WINDOW = 8 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final int windowLimit;

    private boolean mapped = true;
    private ByteBuffer window;
    private ByteBuffer view;
    private long windowStart;
    private int windowLength;

    private final boolean pcapng;
    private ByteOrder order;
    private long pos;

    // classic pcap
    private int recordHeader;
    private int fileLinkType;
    private long fracToNanos;
    private long fracLimit;
    private int maxCaplen;

    // pcapng interfaces of the current section
    private int interfaces;
    private int[] ifLinkType = new int[4];
    private int[] ifSnaplen = new int[4];
    private long[] ifUnitsPerSecond = new long[4];
    private long[] ifOffsetNanos = new long[4];

    // current packet
    private long timestamp;
    private int linkType;
    private int capturedLength;
    private int originalLength;
    private boolean current;
    private long lastSeconds = -1;

    private long packets;
    private long truncated;

    private PcapReader(Path path, FileChannel channel, int windowLimit) throws IOException {
        this.path = path;
        this.channel = channel;
        this.size = channel.size();
        this.windowLimit = windowLimit;
        if (size < 4) {
            throw new IOException(path + ": not a pcap or pcapng file (only " + size + " bytes)");
        }
        ensure(0, (int) Math.min(size, 32));
        int magic = window.order(ByteOrder.BIG_ENDIAN).getInt(0);
        if (magic == PCAPNG_SHB) {
            pcapng = true;
            if (size < 28) {
                throw new IOException(path + ": pcapng file too short for a section header (" + size + " bytes)");
            }
            ByteOrder bo = sectionOrder(0);
            if (bo == null) {
                throw new IOException(path + ": pcapng section header has no valid byte-order magic");
            }
            order = bo;
            window.order(order);
            pos = 0;
        } else {
            pcapng = false;
            ByteOrder bo;
            int m;
            if (magic == PCAP_US_MAGIC || magic == PCAP_NS_MAGIC || magic == PCAP_KUZNETZOV_MAGIC) {
                bo = ByteOrder.BIG_ENDIAN;
                m = magic;
            } else {
                m = Integer.reverseBytes(magic);
                if (m != PCAP_US_MAGIC && m != PCAP_NS_MAGIC && m != PCAP_KUZNETZOV_MAGIC) {
                    throw new IOException(path + ": not a pcap or pcapng file (magic 0x"
                            + String.format("%08x", magic)
                            + ((magic >>> 16) == 0x1f8b ? ", gzip-compressed: decompress it first" : "") + ")");
                }
                bo = ByteOrder.LITTLE_ENDIAN;
            }
            if (size < 24) {
                throw new IOException(path + ": pcap file too short for its 24-byte header (" + size + " bytes)");
            }
            order = bo;
            window.order(order);
            boolean nanos = m == PCAP_NS_MAGIC;
            fracToNanos = nanos ? 1 : 1000;
            fracLimit = nanos ? 1_000_000_000L : 1_000_000L;
            recordHeader = m == PCAP_KUZNETZOV_MAGIC ? 24 : 16;
            int snaplen = window.getInt(16);
            fileLinkType = window.getInt(20) & 0x03FFFFFF;
            maxCaplen = snaplen <= 0 || snaplen > MAX_RECORD ? MIN_MAX_CAPLEN : Math.max(snaplen, MIN_MAX_CAPLEN);
            pos = 24;
        }
    }

    /**
     * Opens a pcap or pcapng file.
     *
     * @throws IOException when the file cannot be read or is neither pcap nor pcapng (the message
     *     names the file and what was found)
     */
    public static PcapReader open(Path file) throws IOException {
        return open(file, DEFAULT_WINDOW);
    }

    static PcapReader open(Path file, int windowLimit) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new PcapReader(file, ch, windowLimit);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** True when the file is pcapng, false for classic pcap. */
    public boolean isPcapng() {
        return pcapng;
    }

    /**
     * Advances to the next packet.
     *
     * @return false at the end of the file or at a truncated tail (which is counted in {@link
     *     #truncated()})
     */
    public boolean next() {
        current = false;
        try {
            return pcapng ? nextPcapng() : nextPcap();
        } catch (IOException e) {
            // the file could not be read any further (it shrank, or a read failed): count and stop
            truncated++;
            pos = size;
            return false;
        }
    }

    /** Epoch nanoseconds of the current packet. */
    public long timestampNanos() {
        return timestamp;
    }

    /** The {@code LINKTYPE_*} value of the current packet (see {@link LinkTypes}). */
    public int linkType() {
        return linkType;
    }

    /** Bytes of the current packet present in the file. */
    public int capturedLength() {
        return capturedLength;
    }

    /** Length of the current packet on the wire. */
    public int originalLength() {
        return originalLength;
    }

    /**
     * A read-only, big-endian view with position on the current packet's first captured byte and
     * limit after its last; valid until the next call of {@link #next()}. The same object is
     * returned for every packet while the window does not move.
     */
    public ByteBuffer packet() {
        if (!current) {
            throw new IllegalStateException("no current packet");
        }
        return view;
    }

    /** Packets returned so far. */
    public long packets() {
        return packets;
    }

    /** Damaged or truncated records skipped. */
    public long truncated() {
        return truncated;
    }

    /** File offset of the next record, for progress. */
    public long position() {
        return pos;
    }

    /** File size in bytes. */
    public long size() {
        return size;
    }

    /** The file being read. */
    public Path path() {
        return path;
    }

    @Override
    public void close() {
        window = null;
        view = null;
        current = false;
        try {
            channel.close();
        } catch (IOException e) {
            // nothing is left to release
        }
    }

    // ------------------------------------------------------------------ classic pcap

    private boolean nextPcap() throws IOException {
        while (true) {
            if (pos + recordHeader > size) {
                return endOfFile();
            }
            ensure(pos, recordHeader);
            int i = (int) (pos - windowStart);
            long seconds = window.getInt(i) & 0xffffffffL;
            long frac = window.getInt(i + 4) & 0xffffffffL;
            long incl = window.getInt(i + 8) & 0xffffffffL;
            long orig = window.getInt(i + 12) & 0xffffffffL;
            if (incl > maxCaplen) {
                truncated++;
                if (!resyncPcap()) {
                    pos = size;
                    return false;
                }
                continue;
            }
            long end = pos + recordHeader + incl;
            if (end > size) {
                return endOfFile();
            }
            ensure(pos, (int) (recordHeader + incl));
            int start = (int) (pos + recordHeader - windowStart);
            setCurrent(seconds * 1_000_000_000L + frac * fracToNanos, fileLinkType, start, (int) incl,
                    (int) Math.min(orig, Integer.MAX_VALUE));
            lastSeconds = seconds;
            pos = end;
            return true;
        }
    }

    private boolean endOfFile() {
        if (pos < size) {
            truncated++;
            pos = size;
        }
        return false;
    }

    private boolean resyncPcap() throws IOException {
        long limit = Math.min(size, pos + RESYNC_LIMIT);
        for (long at = pos + 1; at + recordHeader <= limit; at++) {
            long len = plausiblePcapRecord(at);
            if (len < 0) {
                continue;
            }
            long nextAt = at + recordHeader + len;
            if (nextAt == size || plausiblePcapRecord(nextAt) >= 0) {
                pos = at;
                return true;
            }
        }
        return false;
    }

    /** The captured length of a plausible record header at {@code at}, or -1. */
    private long plausiblePcapRecord(long at) throws IOException {
        if (at + recordHeader > size) {
            return -1;
        }
        ensure(at, recordHeader);
        int i = (int) (at - windowStart);
        long seconds = window.getInt(i) & 0xffffffffL;
        long frac = window.getInt(i + 4) & 0xffffffffL;
        long incl = window.getInt(i + 8) & 0xffffffffL;
        long orig = window.getInt(i + 12) & 0xffffffffL;
        if (frac >= fracLimit || incl > maxCaplen || incl > orig || orig > MAX_PLAUSIBLE_ORIG) {
            return -1;
        }
        if (lastSeconds >= 0 && Math.abs(seconds - lastSeconds) > 86_400) {
            return -1;
        }
        if (at + recordHeader + incl > size) {
            return -1;
        }
        return incl;
    }

    // ------------------------------------------------------------------ pcapng

    private boolean nextPcapng() throws IOException {
        while (true) {
            if (pos + 12 > size) {
                return endOfFile();
            }
            ensure(pos, 12);
            int i = (int) (pos - windowStart);
            int type = window.getInt(i);
            if (type == PCAPNG_SHB) {
                ByteOrder bo = sectionOrder(pos);
                if (bo == null) {
                    if (!damagedPcapng()) {
                        return false;
                    }
                    continue;
                }
                order = bo;
                window.order(order);
            }
            long blockLength = window.getInt(i + 4) & 0xffffffffL;
            if (blockLength < 12 || (blockLength & 3) != 0) {
                if (!damagedPcapng()) {
                    return false;
                }
                continue;
            }
            if (pos + blockLength > size) {
                return endOfFile();
            }
            long blockStart = pos;
            switch (type) {
                case PCAPNG_SHB:
                    if (!checkTrailer(blockStart, blockLength)) {
                        continue;
                    }
                    interfaces = 0;
                    pos += blockLength;
                    continue;
                case BLOCK_IDB:
                    if (!checkTrailer(blockStart, blockLength)) {
                        continue;
                    }
                    readInterface(blockStart, (int) blockLength);
                    pos += blockLength;
                    continue;
                case BLOCK_EPB:
                case BLOCK_PB:
                    if (!checkTrailer(blockStart, blockLength)) {
                        continue;
                    }
                    if (readEnhanced(blockStart, blockLength, type == BLOCK_PB)) {
                        pos = blockStart + blockLength;
                        return true;
                    }
                    truncated++;
                    pos = blockStart + blockLength;
                    continue;
                case BLOCK_SPB:
                    if (!checkTrailer(blockStart, blockLength)) {
                        continue;
                    }
                    if (readSimple(blockStart, blockLength)) {
                        pos = blockStart + blockLength;
                        return true;
                    }
                    truncated++;
                    pos = blockStart + blockLength;
                    continue;
                default:
                    // name resolution, statistics, decryption secrets, custom and unknown blocks
                    pos += blockLength;
            }
        }
    }

    /** Byte order of a section header at file offset {@code at}, or null when its magic is wrong. */
    private ByteOrder sectionOrder(long at) throws IOException {
        if (at + 12 > size) {
            return null;
        }
        ensure(at, 12);
        int i = (int) (at - windowStart);
        int m = window.order(ByteOrder.BIG_ENDIAN).getInt(i + 8);
        window.order(order == null ? ByteOrder.BIG_ENDIAN : order);
        if (m == PCAPNG_BYTE_ORDER_MAGIC) {
            return ByteOrder.BIG_ENDIAN;
        }
        if (Integer.reverseBytes(m) == PCAPNG_BYTE_ORDER_MAGIC) {
            return ByteOrder.LITTLE_ENDIAN;
        }
        return null;
    }

    /** Checks the trailing copy of the block length; on mismatch counts damage and resyncs. */
    private boolean checkTrailer(long blockStart, long blockLength) throws IOException {
        long trailerAt = blockStart + blockLength - 4;
        ensure(trailerAt, 4);
        long trailer = window.getInt((int) (trailerAt - windowStart)) & 0xffffffffL;
        if (trailer == blockLength) {
            return true;
        }
        if (!damagedPcapng()) {
            pos = size;
        }
        return false;
    }

    /** Counts a damaged block and moves to the next plausible block; false when none was found. */
    private boolean damagedPcapng() throws IOException {
        truncated++;
        long limit = Math.min(size, pos + RESYNC_LIMIT);
        for (long at = pos + 1; at + 12 <= limit; at++) {
            if (plausibleBlock(at)) {
                pos = at;
                return true;
            }
        }
        pos = size;
        return false;
    }

    private boolean plausibleBlock(long at) throws IOException {
        ensure(at, 12);
        int i = (int) (at - windowStart);
        int type = window.getInt(i);
        if (type == PCAPNG_SHB) {
            ByteOrder bo = sectionOrder(at);
            if (bo == null) {
                return false;
            }
            long blockLength = window.duplicate().order(bo).getInt((int) (at - windowStart) + 4) & 0xffffffffL;
            return blockLength >= 28 && (blockLength & 3) == 0 && at + blockLength <= size;
        }
        if (type != BLOCK_IDB && type != BLOCK_EPB && type != BLOCK_SPB && type != BLOCK_ISB
                && type != BLOCK_NRB && type != BLOCK_PB && type != BLOCK_DSB) {
            return false;
        }
        long blockLength = window.getInt(i + 4) & 0xffffffffL;
        if (blockLength < 12 || (blockLength & 3) != 0 || blockLength > MAX_RECORD || at + blockLength > size) {
            return false;
        }
        ensure(at + blockLength - 4, 4);
        return (window.getInt((int) (at + blockLength - 4 - windowStart)) & 0xffffffffL) == blockLength;
    }

    private void readInterface(long blockStart, int blockLength) throws IOException {
        if (blockLength < 20) {
            truncated++;
            return;
        }
        if (interfaces >= MAX_INTERFACES) {
            truncated++;
            return;
        }
        if (blockLength > MAX_RECORD) {
            truncated++;
            return;
        }
        ensure(blockStart, blockLength);
        int b = (int) (blockStart - windowStart);
        int link = window.getShort(b + 8) & 0xffff;
        int snap = window.getInt(b + 12);
        long unitsPerSecond = 1_000_000L;
        long offsetNanos = 0;
        int o = b + 16;
        int end = b + blockLength - 4;
        while (o + 4 <= end) {
            int code = window.getShort(o) & 0xffff;
            int len = window.getShort(o + 2) & 0xffff;
            if (code == 0 || o + 4 + len > end) {
                break;
            }
            if (code == 9 && len >= 1) {
                int v = window.get(o + 4) & 0xff;
                if ((v & 0x80) == 0) {
                    if (v <= 18) {
                        long u = 1;
                        for (int k = 0; k < v; k++) {
                            u *= 10;
                        }
                        unitsPerSecond = u;
                    }
                } else if ((v & 0x7f) <= 62) {
                    unitsPerSecond = 1L << (v & 0x7f);
                }
            } else if (code == 14 && len >= 8) {
                long seconds = window.getLong(o + 4);
                if (Math.abs(seconds) < 1L << 32) {
                    offsetNanos = seconds * 1_000_000_000L;
                }
            }
            o += 4 + ((len + 3) & ~3);
        }
        if (interfaces == ifLinkType.length) {
            int n = interfaces * 2;
            ifLinkType = java.util.Arrays.copyOf(ifLinkType, n);
            ifSnaplen = java.util.Arrays.copyOf(ifSnaplen, n);
            ifUnitsPerSecond = java.util.Arrays.copyOf(ifUnitsPerSecond, n);
            ifOffsetNanos = java.util.Arrays.copyOf(ifOffsetNanos, n);
        }
        ifLinkType[interfaces] = link;
        ifSnaplen[interfaces] = snap;
        ifUnitsPerSecond[interfaces] = unitsPerSecond;
        ifOffsetNanos[interfaces] = offsetNanos;
        interfaces++;
    }

    private boolean readEnhanced(long blockStart, long blockLength, boolean obsolete) throws IOException {
        if (blockLength < 32 || blockLength > MAX_RECORD) {
            return false;
        }
        ensure(blockStart, (int) blockLength);
        int b = (int) (blockStart - windowStart);
        int iface = obsolete ? window.getShort(b + 8) & 0xffff : window.getInt(b + 8);
        if (iface < 0 || iface >= interfaces) {
            return false;
        }
        long ts = ((long) window.getInt(b + 12) << 32) | (window.getInt(b + 16) & 0xffffffffL);
        long cap = window.getInt(b + 20) & 0xffffffffL;
        long orig = window.getInt(b + 24) & 0xffffffffL;
        if (cap > blockLength - 32) {
            return false;
        }
        setCurrent(toNanos(iface, ts), ifLinkType[iface], b + 28, (int) cap, (int) Math.min(orig, Integer.MAX_VALUE));
        return true;
    }

    private boolean readSimple(long blockStart, long blockLength) throws IOException {
        if (blockLength < 16 || blockLength > MAX_RECORD || interfaces == 0) {
            return false;
        }
        ensure(blockStart, (int) blockLength);
        int b = (int) (blockStart - windowStart);
        long orig = window.getInt(b + 8) & 0xffffffffL;
        long cap = Math.min(orig, blockLength - 16);
        if (ifSnaplen[0] > 0) {
            cap = Math.min(cap, ifSnaplen[0]);
        }
        // a simple packet block has no timestamp: it keeps the previous packet's
        setCurrent(timestamp, ifLinkType[0], b + 12, (int) cap, (int) Math.min(orig, Integer.MAX_VALUE));
        return true;
    }

    private long toNanos(int iface, long ts) {
        long ups = ifUnitsPerSecond[iface];
        long nanos;
        if (ups == 1_000_000L) {
            nanos = ts * 1000L;
        } else if (ups == 1_000_000_000L) {
            nanos = ts;
        } else {
            long seconds = Long.divideUnsigned(ts, ups);
            long frac = Long.remainderUnsigned(ts, ups);
            long fracNanos = ups <= 1L << 33 ? frac * 1_000_000_000L / ups
                    : (long) (frac * (1_000_000_000.0 / ups));
            nanos = seconds * 1_000_000_000L + fracNanos;
        }
        return nanos + ifOffsetNanos[iface];
    }

    // ------------------------------------------------------------------ window

    private void setCurrent(long ts, int link, int start, int cap, int orig) {
        timestamp = ts;
        linkType = link;
        capturedLength = cap;
        originalLength = orig;
        view.clear();
        view.limit(start + cap);
        view.position(start);
        current = true;
        packets++;
    }

    /** Makes bytes [off, off+len) of the file addressable in {@link #window}. */
    private void ensure(long off, int len) throws IOException {
        if (window != null && off >= windowStart && off + len <= windowStart + windowLength) {
            return;
        }
        if (off + len > size) {
            throw new IOException("read past the end of " + path);
        }
        long remaining = size - off;
        if (mapped) {
            int length = (int) Math.min(remaining, Math.max(windowLimit, len));
            try {
                load(channel.map(FileChannel.MapMode.READ_ONLY, off, length), off, length);
                return;
            } catch (IOException | UnsupportedOperationException e) {
                mapped = false;
            }
        }
        int length = (int) Math.min(remaining, Math.max(Math.min(windowLimit, HEAP_WINDOW), len));
        ByteBuffer heap = window != null && !window.isDirect() && window.capacity() >= length
                ? window.clear() : ByteBuffer.allocate(length);
        heap.limit(length);
        int read = 0;
        while (read < length) {
            int n = channel.read(heap, off + read);
            if (n < 0) {
                throw new IOException("unexpected end of " + path);
            }
            read += n;
        }
        heap.clear();
        load(heap, off, length);
    }

    private void load(ByteBuffer buffer, long off, int length) {
        window = buffer;
        window.order(order == null ? ByteOrder.BIG_ENDIAN : order);
        windowStart = off;
        windowLength = length;
        view = buffer.asReadOnlyBuffer().order(ByteOrder.BIG_ENDIAN);
        view.limit(length);
    }
}
