package org.flowlens.decoder.ipfix;

import java.nio.ByteBuffer;

/** Builds NetFlow v9 and IPFIX datagrams for tests: a header, then sets of raw fields. */
final class Msg {
    private final ByteBuffer b = ByteBuffer.allocate(70_000);
    private final boolean ipfix;
    private int setStart = -1;
    private int records;

    private Msg(boolean ipfix) {
        this.ipfix = ipfix;
    }

    static Msg ipfix(long exportSeconds, int sequence, long domain) {
        Msg m = new Msg(true);
        m.b.putShort((short) 10).putShort((short) 0).putInt((int) exportSeconds).putInt(sequence).putInt((int) domain);
        return m;
    }

    static Msg v9(int uptime, long exportSeconds, int sequence, long sourceId) {
        Msg m = new Msg(false);
        m.b.putShort((short) 9).putShort((short) 0).putInt(uptime).putInt((int) exportSeconds).putInt(sequence).putInt((int) sourceId);
        return m;
    }

    /** Starts a set (closing the previous one). */
    Msg set(int id) {
        close();
        setStart = b.position();
        b.putShort((short) id).putShort((short) 0);
        return this;
    }

    /** A template record header: id and field count (IPFIX and v9 data templates). */
    Msg template(int id, int fields) {
        records++;
        return u16(id).u16(fields);
    }

    /** An IPFIX options template record header. */
    Msg optionsTemplate(int id, int fields, int scopes) {
        records++;
        return u16(id).u16(fields).u16(scopes);
    }

    /** A NetFlow v9 options template record header (lengths in bytes). */
    Msg v9OptionsTemplate(int id, int scopeBytes, int optionBytes) {
        records++;
        return u16(id).u16(scopeBytes).u16(optionBytes);
    }

    Msg field(int ie, int length) {
        return u16(ie).u16(length);
    }

    /** An IPFIX enterprise-specific field. */
    Msg enterpriseField(int ie, int length, int pen) {
        return u16(0x8000 | ie).u16(length).u32(pen);
    }

    Msg u8(int v) {
        b.put((byte) v);
        return this;
    }

    Msg u16(int v) {
        b.putShort((short) v);
        return this;
    }

    Msg u32(long v) {
        b.putInt((int) v);
        return this;
    }

    Msg u64(long v) {
        b.putLong(v);
        return this;
    }

    Msg ip4(String dotted) {
        for (String part : dotted.split("\\.")) {
            b.put((byte) Integer.parseInt(part));
        }
        return this;
    }

    Msg bytes(byte[] v) {
        b.put(v);
        return this;
    }

    Msg zeros(int n) {
        b.put(new byte[n]);
        return this;
    }

    /** Overrides the length of the current set (for broken input). */
    Msg setLength(int length) {
        b.putShort(setStart + 2, (short) length);
        setStart = -1;
        return this;
    }

    private void close() {
        if (setStart >= 0) {
            b.putShort(setStart + 2, (short) (b.position() - setStart));
            setStart = -1;
        }
    }

    ByteBuffer build() {
        close();
        ByteBuffer out = ByteBuffer.allocate(b.position());
        out.put(b.array(), 0, b.position());
        if (ipfix) {
            out.putShort(2, (short) b.position());
        } else {
            out.putShort(2, (short) records);
        }
        return out.flip();
    }
}
