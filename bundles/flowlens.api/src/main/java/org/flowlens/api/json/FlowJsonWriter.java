package org.flowlens.api.json;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;

/**
 * Writes flow records as JSON objects into a growing byte buffer (UTF-8), straight from the
 * record's fields: no intermediate strings for numbers, IPv4 addresses or names, no allocation per
 * record once the buffer has grown to size. Not thread-safe; keep one per thread and {@link #reset()}.
 *
 * <p>The fields are those of {@code POST /ingest} ({@link #FIELDS}): {@code timestamp} (receive
 * time), {@code start}, {@code end} (epoch milliseconds), {@code router}, {@code src_ip},
 * {@code dst_ip}, {@code next_hop} (address text), {@code protocol} (upper-case name, or the
 * number when it has none), {@code direction} ({@code in} or {@code out}, absent when unknown),
 * {@code src_domain}, {@code dst_domain} (absent when unknown) and numbers for the rest. With
 * enrichment on, the {@link #ENRICHMENT_FIELDS} follow when known.
 */
public final class FlowJsonWriter {
    /** The fields of the ingest format, in the order they are written. */
    public static final String[] FIELDS = {"timestamp", "start", "end", "router", "src_ip", "src_port", "dst_ip", "dst_port",
            "protocol", "bytes", "packets", "in_if", "out_if", "tcp_flags", "tos", "src_as", "dst_as", "vlan", "direction",
            "sampling_rate", "src_mask", "dst_mask", "next_hop", "src_domain", "dst_domain", "observation_domain"};
    /** Fields added when enrichment is on: where the record came from and what enrichers found. */
    public static final String[] ENRICHMENT_FIELDS = {"format", "src_country", "dst_country", "src_city", "dst_city",
            "src_as_name", "dst_as_name", "in_if_name", "out_if_name"};

    private static final byte[][] KEYS = keys(FIELDS, true);
    private static final byte[][] ENRICHMENT_KEYS = keys(ENRICHMENT_FIELDS, false);
    private static final byte[][] PROTOCOL_NAMES = new byte[256][];
    private static final byte[] IN = "\"in\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OUT = "\"out\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MIN_LONG = Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);

    static {
        for (int p = 0; p < 256; p++) {
            String name = Protocols.name(p);
            if (!name.equals(Integer.toString(p))) {
                PROTOCOL_NAMES[p] = ('"' + name + '"').getBytes(StandardCharsets.US_ASCII);
            }
        }
    }

    private final boolean enrichment;
    private byte[] buf;
    private int size;
    private boolean comma;

    /** A writer of the ingest fields only. */
    public FlowJsonWriter() {
        this(512, false);
    }

    /**
     * @param initialCapacity bytes to start with; the buffer doubles when needed
     * @param enrichment whether to add the {@link #ENRICHMENT_FIELDS}
     */
    public FlowJsonWriter(int initialCapacity, boolean enrichment) {
        this.buf = new byte[Math.max(64, initialCapacity)];
        this.enrichment = enrichment;
    }

    /** Empties the buffer (keeping its capacity). */
    public FlowJsonWriter reset() {
        size = 0;
        comma = false;
        return this;
    }

    /** Starts a JSON array; records written until {@link #endArray()} are separated by commas. */
    public FlowJsonWriter beginArray() {
        put((byte) '[');
        comma = false;
        return this;
    }

    public FlowJsonWriter endArray() {
        put((byte) ']');
        comma = true;
        return this;
    }

    /** Appends one record as a JSON object (preceded by a comma inside an array). */
    public FlowJsonWriter write(FlowRecord r) {
        ensure(1024);
        if (comma) {
            buf[size++] = ',';
        }
        buf[size++] = '{';
        number(0, r.receivedMillis());
        number(1, r.startMillis());
        number(2, r.endMillis());
        address(3, r.exporterHi(), r.exporterLo());
        address(4, r.srcHi(), r.srcLo());
        number(5, r.srcPort());
        address(6, r.dstHi(), r.dstLo());
        number(7, r.dstPort());
        key(8);
        int p = r.protocol();
        if (p >= 0 && p < 256 && PROTOCOL_NAMES[p] != null) {
            raw(PROTOCOL_NAMES[p]);
        } else {
            digits(p);
        }
        number(9, r.bytes());
        number(10, r.packets());
        number(11, Integer.toUnsignedLong(r.inIf()));
        number(12, Integer.toUnsignedLong(r.outIf()));
        number(13, r.tcpFlags());
        number(14, r.tos());
        number(15, r.srcAs());
        number(16, r.dstAs());
        number(17, r.vlan());
        if (r.direction() == FlowRecord.DIRECTION_INGRESS || r.direction() == FlowRecord.DIRECTION_EGRESS) {
            key(18);
            raw(r.direction() == FlowRecord.DIRECTION_INGRESS ? IN : OUT);
        }
        number(19, r.samplingRate());
        number(20, r.srcMask());
        number(21, r.dstMask());
        if (r.nextHopHi() != 0 || r.nextHopLo() != 0) {
            address(22, r.nextHopHi(), r.nextHopLo());
        }
        text(KEYS[23], r.srcDomain());
        text(KEYS[24], r.dstDomain());
        number(25, r.observationDomain());
        if (enrichment) {
            text(ENRICHMENT_KEYS[0], r.format());
            text(ENRICHMENT_KEYS[1], r.srcCountry());
            text(ENRICHMENT_KEYS[2], r.dstCountry());
            text(ENRICHMENT_KEYS[3], r.srcCity());
            text(ENRICHMENT_KEYS[4], r.dstCity());
            text(ENRICHMENT_KEYS[5], r.srcAsName());
            text(ENRICHMENT_KEYS[6], r.dstAsName());
            text(ENRICHMENT_KEYS[7], r.inIfName());
            text(ENRICHMENT_KEYS[8], r.outIfName());
        }
        put((byte) '}');
        comma = true;
        return this;
    }

    /** Bytes written so far. */
    public int size() {
        return size;
    }

    /** The backing buffer; bytes {@code 0} to {@link #size()} are the JSON written. */
    public byte[] buffer() {
        return buf;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    public void writeTo(OutputStream out) throws IOException {
        out.write(buf, 0, size);
    }

    @Override
    public String toString() {
        return new String(buf, 0, size, StandardCharsets.UTF_8);
    }

    // --- field writers; KEYS[0] has no leading comma, the others do

    private void key(int field) {
        raw(KEYS[field]);
    }

    private void number(int field, long v) {
        raw(KEYS[field]);
        digits(v);
    }

    private void address(int field, long hi, long lo) {
        raw(KEYS[field]);
        ensure(48);
        buf[size++] = '"';
        if (IpAddresses.isV4(hi, lo)) {
            int v = (int) lo;
            for (int shift = 24; shift >= 0; shift -= 8) {
                digits((v >>> shift) & 0xFF);
                buf[size++] = '.';
            }
            size--;
        } else {
            String text = IpAddresses.format(hi, lo);
            for (int i = 0; i < text.length(); i++) {
                buf[size++] = (byte) text.charAt(i);
            }
        }
        buf[size++] = '"';
    }

    private void text(byte[] key, String s) {
        if (s == null) {
            return;
        }
        raw(key);
        ensure(s.length() * 6 + 2);
        buf[size++] = '"';
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                if (c == '"' || c == '\\') {
                    buf[size++] = '\\';
                }
                buf[size++] = (byte) c;
            } else if (c < 0x20 || c == 0x7F) {
                switch (c) {
                    case '\n' -> { buf[size++] = '\\'; buf[size++] = 'n'; }
                    case '\r' -> { buf[size++] = '\\'; buf[size++] = 'r'; }
                    case '\t' -> { buf[size++] = '\\'; buf[size++] = 't'; }
                    default -> {
                        buf[size++] = '\\';
                        buf[size++] = 'u';
                        buf[size++] = '0';
                        buf[size++] = '0';
                        buf[size++] = HEX[(c >> 4) & 0xF];
                        buf[size++] = HEX[c & 0xF];
                    }
                }
            } else if (c < 0x800) {
                buf[size++] = (byte) (0xC0 | (c >> 6));
                buf[size++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                buf[size++] = (byte) (0xF0 | (cp >> 18));
                buf[size++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                buf[size++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                buf[size++] = (byte) (0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                // a lone surrogate is not text: U+FFFD
                buf[size++] = (byte) 0xEF;
                buf[size++] = (byte) 0xBF;
                buf[size++] = (byte) 0xBD;
            } else {
                buf[size++] = (byte) (0xE0 | (c >> 12));
                buf[size++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buf[size++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        buf[size++] = '"';
    }

    private void digits(long v) {
        ensure(20);
        if (v == Long.MIN_VALUE) {
            raw(MIN_LONG);
            return;
        }
        if (v < 0) {
            buf[size++] = '-';
            v = -v;
        }
        if (v < 10) {
            buf[size++] = (byte) ('0' + v);
            return;
        }
        int n = 1;
        for (long t = v / 10; t > 0; t /= 10) {
            n++;
        }
        int end = size + n;
        for (int i = end - 1; i >= size; i--) {
            buf[i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        size = end;
    }

    private void raw(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }

    private void put(byte b) {
        ensure(1);
        buf[size++] = b;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    private static byte[][] keys(String[] names, boolean firstBare) {
        byte[][] keys = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            String prefix = firstBare && i == 0 ? "" : ",";
            keys[i] = (prefix + '"' + names[i] + "\":").getBytes(StandardCharsets.US_ASCII);
        }
        return keys;
    }
}
