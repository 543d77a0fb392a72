package org.flowlens.pcap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes classic pcap files (little-endian, microsecond or nanosecond timestamps). Not
 * thread-safe.
 */
public final class PcapWriter implements AutoCloseable {

    private final OutputStream out;
    private final boolean nanos;
    private final int snaplen;
    private final ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    private byte[] copy = new byte[2048];
    private long packets;

    private PcapWriter(OutputStream out, int linkType, int snaplen, boolean nanos) throws IOException {
        this.out = out;
        this.nanos = nanos;
        this.snaplen = snaplen;
        header.putInt(nanos ? 0xa1b23c4d : 0xa1b2c3d4).putShort((short) 2).putShort((short) 4)
                .putInt(0).putInt(0).putInt(snaplen).putInt(linkType);
        out.write(header.array(), 0, 24);
    }

    /**
     * Creates (or replaces) a pcap file.
     *
     * @param linkType the {@code LINKTYPE_*} of every packet (see {@link LinkTypes})
     * @param snaplen the snap length written in the header; longer packets are cut to it
     * @param nanos nanosecond timestamps when true, microseconds otherwise
     */
    public static PcapWriter create(Path file, int linkType, int snaplen, boolean nanos) throws IOException {
        if (snaplen <= 0) {
            throw new IllegalArgumentException("snaplen must be positive: " + snaplen);
        }
        return new PcapWriter(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16), linkType, snaplen, nanos);
    }

    /** Writes a packet whose bytes are {@code data[offset, offset+length)}, uncut on the wire. */
    public void write(long timestampNanos, byte[] data, int offset, int length) throws IOException {
        write(timestampNanos, data, offset, length, length);
    }

    /**
     * Writes a packet.
     *
     * @param originalLength the length on the wire (at least {@code length})
     */
    public void write(long timestampNanos, byte[] data, int offset, int length, int originalLength) throws IOException {
        int cap = Math.min(length, snaplen);
        long seconds = Math.floorDiv(timestampNanos, 1_000_000_000L);
        long frac = Math.floorMod(timestampNanos, 1_000_000_000L);
        header.clear();
        header.putInt((int) seconds).putInt((int) (nanos ? frac : frac / 1000)).putInt(cap)
                .putInt(Math.max(originalLength, length));
        out.write(header.array(), 0, 16);
        out.write(data, offset, cap);
        packets++;
    }

    /** Writes the remaining bytes of {@code packet} (its position is left unchanged). */
    public void write(long timestampNanos, ByteBuffer packet, int originalLength) throws IOException {
        int length = packet.remaining();
        if (copy.length < length) {
            copy = new byte[length];
        }
        packet.duplicate().get(copy, 0, length);
        write(timestampNanos, copy, 0, length, originalLength);
    }

    /** Packets written so far. */
    public long packets() {
        return packets;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
