package org.flowlens.sink.prometheus;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;

/**
 * A buffered UTF-8 writer for one response, used by one thread. The client library's text writers
 * emit label values one character at a time ({@code append(char)}); through an
 * {@link java.io.OutputStreamWriter} every character is a synchronized call into a charset encoder,
 * which was most of a large scrape's time. Here a character is a store into a byte array. Unpaired
 * surrogates are written as {@code '?'}, as the JDK's encoder replaces them.
 */
final class Utf8Writer extends Writer {
    private final OutputStream out;
    private final byte[] buf;
    private int pos;
    /** A high surrogate waiting for its low half (write(int) may split a pair), or 0. */
    private char high;
    private boolean closed;

    Utf8Writer(OutputStream out, int bufferSize) {
        this.out = out;
        this.buf = new byte[Math.max(16, bufferSize)];
    }

    @Override
    public void write(int c) throws IOException {
        char ch = (char) c;
        if (ch < 0x80 && high == 0) {
            if (pos == buf.length) {
                drain();
            }
            buf[pos++] = (byte) ch;
        } else {
            encode(ch);
        }
    }

    @Override
    public Writer append(char c) throws IOException {
        write(c);
        return this;
    }

    @Override
    public Writer append(CharSequence csq) throws IOException {
        String s = String.valueOf(csq);
        write(s, 0, s.length());
        return this;
    }

    @Override
    public void write(String s) throws IOException {
        write(s, 0, s.length());
    }

    @Override
    public void write(String s, int off, int len) throws IOException {
        int end = off + len;
        int i = off;
        while (i < end) {
            if (high == 0) {
                // ASCII run: one store per character
                int room = buf.length - pos;
                int stop = Math.min(end, i + room);
                byte[] b = buf;
                int p = pos;
                char c;
                while (i < stop && (c = s.charAt(i)) < 0x80) {
                    b[p++] = (byte) c;
                    i++;
                }
                pos = p;
                if (i == end) {
                    return;
                }
                if (pos == buf.length) {
                    drain();
                    continue;
                }
            }
            encode(s.charAt(i++));
        }
    }

    @Override
    public void write(char[] cbuf, int off, int len) throws IOException {
        int end = off + len;
        for (int i = off; i < end; i++) {
            write(cbuf[i]);
        }
    }

    private void encode(char c) throws IOException {
        if (buf.length - pos < 4) {
            drain();
        }
        if (high != 0) {
            char h = high;
            high = 0;
            if (Character.isLowSurrogate(c)) {
                int cp = Character.toCodePoint(h, c);
                buf[pos++] = (byte) (0xF0 | (cp >>> 18));
                buf[pos++] = (byte) (0x80 | ((cp >>> 12) & 0x3F));
                buf[pos++] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
                buf[pos++] = (byte) (0x80 | (cp & 0x3F));
                return;
            }
            buf[pos++] = '?';
            // c is still to be written
        }
        if (c < 0x80) {
            buf[pos++] = (byte) c;
        } else if (c < 0x800) {
            buf[pos++] = (byte) (0xC0 | (c >>> 6));
            buf[pos++] = (byte) (0x80 | (c & 0x3F));
        } else if (Character.isHighSurrogate(c)) {
            high = c;
        } else if (Character.isLowSurrogate(c)) {
            buf[pos++] = '?';
        } else {
            buf[pos++] = (byte) (0xE0 | (c >>> 12));
            buf[pos++] = (byte) (0x80 | ((c >>> 6) & 0x3F));
            buf[pos++] = (byte) (0x80 | (c & 0x3F));
        }
    }

    private void drain() throws IOException {
        if (pos > 0) {
            out.write(buf, 0, pos);
            pos = 0;
        }
    }

    @Override
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (high != 0) {
                high = 0;
                if (pos == buf.length) {
                    drain();
                }
                buf[pos++] = '?';
            }
            drain();
        } finally {
            // also when the client went away: a compressor below releases its native memory here
            out.close();
        }
    }
}
