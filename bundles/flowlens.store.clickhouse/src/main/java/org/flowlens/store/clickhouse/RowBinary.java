package org.flowlens.store.clickhouse;

import java.util.Arrays;

import org.flowlens.store.sql.Column;
import org.flowlens.store.sql.RowSink;

/**
 * Encodes rows of the raw table in ClickHouse's RowBinary format into one growing buffer:
 * little-endian integers of each column's width, Float32, and strings as a LEB128 length followed
 * by UTF-8 bytes. Absent text is the empty string. No allocation per value.
 */
final class RowBinary implements RowSink {
    private static final int[] WIDTHS = new int[Column.count()];

    static {
        Column[] all = Column.all();
        for (int i = 0; i < all.length; i++) {
            WIDTHS[i] = switch (all[i].clickHouseType()) {
                case "Int64", "UInt64" -> 8;
                case "Int32", "UInt32", "Float32" -> 4;
                case "UInt16" -> 2;
                case "Int8", "UInt8" -> 1;
                case "String" -> 0;
                default -> throw new IllegalStateException("no RowBinary width for " + all[i].clickHouseType());
            };
        }
    }

    private byte[] buf = new byte[1 << 16];
    private int len;
    private int column;
    private int rows;

    /** Starts a row: the next value is the first column's. */
    void beginRow() {
        column = 0;
    }

    /** Ends a row; checks that every column had a value. */
    void endRow() {
        if (column != WIDTHS.length) {
            throw new IllegalStateException("row of " + column + " values, the table has " + WIDTHS.length + " columns");
        }
        rows++;
    }

    int rows() {
        return rows;
    }

    /** The rows so far, as a chunk of exactly their bytes; the buffer starts afresh. */
    Encoded finish() {
        Encoded e = new Encoded(Arrays.copyOf(buf, len), rows);
        len = 0;
        rows = 0;
        column = 0;
        if (buf.length > 1 << 24) {
            buf = new byte[1 << 16];
        }
        return e;
    }

    /** Rows encoded for one insert. */
    record Encoded(byte[] bytes, int records) implements org.flowlens.store.sql.SqlEngine.Chunk {}

    private void ensure(int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
    }

    private void fixed(long value) {
        int width = WIDTHS[column++];
        ensure(width);
        for (int i = 0; i < width; i++) {
            buf[len++] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public void int64(long value) {
        fixed(value);
    }

    @Override
    public void int32(int value) {
        fixed(value);
    }

    @Override
    public void float32(float value) {
        column++;
        ensure(4);
        int bits = Float.floatToRawIntBits(value);
        buf[len++] = (byte) bits;
        buf[len++] = (byte) (bits >>> 8);
        buf[len++] = (byte) (bits >>> 16);
        buf[len++] = (byte) (bits >>> 24);
    }

    @Override
    public void string(String value) {
        column++;
        if (value == null || value.isEmpty()) {
            ensure(1);
            buf[len++] = 0;
            return;
        }
        int n = value.length();
        int bytes = 0;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        ensure(bytes + 5);
        int v = bytes;
        while ((v & ~0x7F) != 0) {
            buf[len++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[len++] = (byte) v;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                buf[len++] = (byte) c;
            } else if (c < 0x800) {
                buf[len++] = (byte) (0xC0 | (c >> 6));
                buf[len++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, value.charAt(++i));
                buf[len++] = (byte) (0xF0 | (cp >> 18));
                buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                buf[len++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                // a lone surrogate is written as U+FFFD, as String.getBytes would
                char out = Character.isSurrogate(c) ? '\uFFFD' : c;
                buf[len++] = (byte) (0xE0 | (out >> 12));
                buf[len++] = (byte) (0x80 | ((out >> 6) & 0x3F));
                buf[len++] = (byte) (0x80 | (out & 0x3F));
            }
        }
    }
}
