package org.flowlens.enrich.geoip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.flowlens.api.flow.IpAddresses;

/**
 * Reads the CSV range files of {@code @ip-location-db/asn} (and any file of the same shape): one
 * range per line, {@code start,end,as_number,organisation}, no header, ends inclusive; addresses
 * as IPv4 or IPv6 text or as decimal numbers (the {@code -num} files); the organisation is quoted
 * when it holds commas or quotes, a quote inside doubled. Blank lines and lines starting with
 * {@code #} are skipped; any other line that does not parse is counted, never fatal.
 */
final class AsnCsv {
    private static final long MAX_V4 = 0xFFFF_FFFFL;

    /** What one file gave. */
    record Result(long lines, long added, long bad) {}

    private AsnCsv() {}

    /**
     * Adds the ranges of a file to the builder.
     *
     * @throws IOException when the file cannot be read, or when it is not such a file at all (no
     *         line parses, or most lines do not)
     */
    static Result read(Path file, AsnTable.Builder into) throws IOException {
        byte[] data = Files.readAllBytes(file);
        Result r = parse(data, into);
        if (r.added() == 0) {
            throw new IOException(file + " holds no range (" + r.bad() + " of " + r.lines() + " lines unreadable)");
        }
        if (r.bad() * 10 > r.lines()) {
            throw new IOException(file + " is not an ASN range file: " + r.bad() + " of " + r.lines() + " lines unreadable");
        }
        return r;
    }

    static Result parse(byte[] data, AsnTable.Builder into) {
        long lines = 0, added = 0, bad = 0;
        int n = data.length;
        int pos = 0;
        if (n >= 3 && (data[0] & 0xFF) == 0xEF && (data[1] & 0xFF) == 0xBB && (data[2] & 0xFF) == 0xBF) {
            pos = 3; // UTF-8 byte order mark
        }
        long[] start = new long[2], end = new long[2];
        StringBuilder quoted = new StringBuilder();
        while (pos < n) {
            int eol = pos;
            while (eol < n && data[eol] != '\n') {
                eol++;
            }
            int lineEnd = eol > pos && data[eol - 1] == '\r' ? eol - 1 : eol;
            int lineStart = pos;
            pos = eol + 1;
            if (lineEnd == lineStart || data[lineStart] == '#') {
                continue;
            }
            lines++;
            int c1 = indexOf(data, lineStart, lineEnd, (byte) ',');
            int c2 = c1 < 0 ? -1 : indexOf(data, c1 + 1, lineEnd, (byte) ',');
            int c3 = c2 < 0 ? -1 : indexOf(data, c2 + 1, lineEnd, (byte) ',');
            int asEnd = c3 < 0 ? lineEnd : c3;
            if (c2 < 0 || !address(data, lineStart, c1, start) || !address(data, c1 + 1, c2, end)) {
                bad++;
                continue;
            }
            long asn = number(data, c2 + 1, asEnd);
            if (asn < 0 || asn > MAX_V4) {
                bad++;
                continue;
            }
            String name = c3 < 0 ? null : organisation(data, c3 + 1, lineEnd, quoted);
            if (c3 >= 0 && name == null) {
                bad++;
                continue;
            }
            if (into.add(start[0], start[1], end[0], end[1], asn, name)) {
                added++;
            } else {
                bad++;
            }
        }
        return new Result(lines, added, bad);
    }

    private static int indexOf(byte[] data, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** The organisation field: plain, or quoted with doubled quotes inside; null when malformed. */
    private static String organisation(byte[] data, int from, int to, StringBuilder buf) {
        while (from < to && data[from] == ' ') {
            from++;
        }
        if (from == to) {
            return "";
        }
        if (data[from] != '"') {
            return new String(data, from, to - from, StandardCharsets.UTF_8).trim();
        }
        int i = from + 1;
        int runStart = i;
        boolean escaped = false;
        while (i < to) {
            if (data[i] == '"') {
                if (i + 1 < to && data[i + 1] == '"') {
                    escaped = true;
                    i += 2;
                    continue;
                }
                // closing quote: only blanks may follow
                for (int j = i + 1; j < to; j++) {
                    if (data[j] != ' ') {
                        return null;
                    }
                }
                String s = new String(data, runStart, i - runStart, StandardCharsets.UTF_8);
                if (!escaped) {
                    return s;
                }
                buf.setLength(0);
                for (int k = 0; k < s.length(); k++) {
                    char c = s.charAt(k);
                    buf.append(c);
                    if (c == '"') {
                        k++; // skip the second quote of a doubled pair
                    }
                }
                return buf.toString();
            }
            i++;
        }
        return null; // unterminated
    }

    /** A decimal number of up to 18 digits, or -1. */
    private static long number(byte[] data, int from, int to) {
        while (from < to && data[from] == ' ') {
            from++;
        }
        while (to > from && data[to - 1] == ' ') {
            to--;
        }
        if (from == to || to - from > 18) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = data[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    /** Reads an address field (IPv4 or IPv6 text, or a decimal number) into out; false when it is none. */
    static boolean address(byte[] data, int from, int to, long[] out) {
        while (from < to && data[from] == ' ') {
            from++;
        }
        while (to > from && data[to - 1] == ' ') {
            to--;
        }
        if (from >= to || to - from > 45) {
            return false;
        }
        boolean colon = false, dot = false;
        for (int i = from; i < to; i++) {
            byte b = data[i];
            if (b == ':') {
                colon = true;
            } else if (b == '.') {
                dot = true;
            }
        }
        if (colon) {
            try {
                long[] a = IpAddresses.parse(new String(data, from, to - from, StandardCharsets.US_ASCII));
                out[0] = a[0];
                out[1] = a[1];
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        if (dot) {
            int v = 0, parts = 0, i = from;
            while (parts < 4) {
                int s = i, octet = 0;
                while (i < to && data[i] >= '0' && data[i] <= '9' && i - s < 3) {
                    octet = octet * 10 + (data[i] - '0');
                    i++;
                }
                if (i == s || octet > 255) {
                    return false;
                }
                v = (v << 8) | octet;
                parts++;
                if (parts < 4) {
                    if (i >= to || data[i] != '.') {
                        return false;
                    }
                    i++;
                }
            }
            if (i != to) {
                return false;
            }
            out[0] = 0;
            out[1] = IpAddresses.v4Lo(v);
            return true;
        }
        // decimal, up to 39 digits (128 bits)
        long hi = 0, lo = 0;
        for (int i = from; i < to; i++) {
            int d = data[i] - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            // (hi, lo) = (hi, lo) * 10 + d, refusing overflow past 128 bits
            long loHigh = Math.multiplyHigh(lo, 10) + ((lo >> 63) & 10);
            long newLo = lo * 10;
            if (Math.multiplyHigh(hi, 10) + ((hi >> 63) & 10) != 0) {
                return false;
            }
            long newHi = hi * 10 + loHigh;
            if (Long.compareUnsigned(newHi, hi * 10) < 0) {
                return false;
            }
            long sum = newLo + d;
            if (Long.compareUnsigned(sum, newLo) < 0) {
                newHi++;
                if (newHi == 0) {
                    return false;
                }
            }
            hi = newHi;
            lo = sum;
        }
        if (hi == 0 && Long.compareUnsigned(lo, MAX_V4) <= 0) {
            out[0] = 0;
            out[1] = IpAddresses.v4Lo((int) lo);
        } else {
            out[0] = hi;
            out[1] = lo;
        }
        return true;
    }
}
