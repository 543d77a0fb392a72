package org.flowlens.pcap;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds pcapng files block by block in either byte order, for tests. */
final class PcapNgBuilder {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private ByteOrder order;

    PcapNgBuilder(ByteOrder order) {
        section(order);
    }

    PcapNgBuilder section(ByteOrder newOrder) {
        this.order = newOrder;
        ByteBuffer b = block(0x0A0D0D0A, 16);
        b.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1L);
        return end(b);
    }

    /** An interface; {@code tsresol} is the raw if_tsresol byte or -1 for the default (microseconds). */
    PcapNgBuilder iface(int linkType, int snaplen, int tsresol, long tsOffsetSeconds) {
        int options = (tsresol >= 0 ? 8 : 0) + (tsOffsetSeconds != 0 ? 12 : 0) + 4;
        ByteBuffer b = block(1, 8 + options);
        b.putShort((short) linkType).putShort((short) 0).putInt(snaplen);
        if (tsresol >= 0) {
            b.putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]);
        }
        if (tsOffsetSeconds != 0) {
            b.putShort((short) 14).putShort((short) 8).putLong(tsOffsetSeconds);
        }
        b.putInt(0); // opt_endofopt
        return end(b);
    }

    PcapNgBuilder epb(int iface, long ts, byte[] data, int captured, int original, boolean withComment) {
        int padded = (captured + 3) & ~3;
        int options = withComment ? 4 + 8 + 4 : 0;
        ByteBuffer b = block(6, 20 + padded + options);
        b.putInt(iface).putInt((int) (ts >>> 32)).putInt((int) ts).putInt(captured).putInt(original);
        b.put(data, 0, captured).put(new byte[padded - captured]);
        if (withComment) {
            b.putShort((short) 1).putShort((short) 5).put("hello".getBytes()).put(new byte[3]).putInt(0);
        }
        return end(b);
    }

    PcapNgBuilder spb(byte[] data, int original) {
        int padded = (data.length + 3) & ~3;
        ByteBuffer b = block(3, 4 + padded);
        b.putInt(original).put(data).put(new byte[padded - data.length]);
        return end(b);
    }

    PcapNgBuilder obsoletePacket(int iface, long ts, byte[] data) {
        int padded = (data.length + 3) & ~3;
        ByteBuffer b = block(2, 20 + padded);
        b.putShort((short) iface).putShort((short) 0).putInt((int) (ts >>> 32)).putInt((int) ts)
                .putInt(data.length).putInt(data.length).put(data).put(new byte[padded - data.length]);
        return end(b);
    }

    /** An interface statistics block and a custom block, both to be skipped by the reader. */
    PcapNgBuilder otherBlocks() {
        ByteBuffer b = block(5, 16);
        b.putInt(0).putInt(1).putInt(2).putInt(0);
        end(b);
        ByteBuffer c = block(0x00000BAD, 8);
        c.putInt(32473).putInt(0x01020304);
        return end(c);
    }

    PcapNgBuilder raw(byte[] bytes) {
        out.write(bytes, 0, bytes.length);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    private ByteBuffer block(int type, int bodyLength) {
        ByteBuffer b = ByteBuffer.allocate(12 + bodyLength).order(order);
        b.putInt(type).putInt(12 + bodyLength);
        return b;
    }

    private PcapNgBuilder end(ByteBuffer b) {
        b.putInt(b.capacity());
        out.write(b.array(), 0, b.capacity());
        return this;
    }
}
