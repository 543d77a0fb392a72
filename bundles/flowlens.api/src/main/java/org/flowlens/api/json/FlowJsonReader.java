package org.flowlens.api.json;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;

/**
 * Reads the JSON form of one flow record (what {@link FlowJsonWriter} writes and
 * {@code POST /ingest} takes) straight from UTF-8 bytes. Strict JSON; unknown fields are skipped
 * and counted; {@code null} means absent. Field rules:
 * <ul>
 * <li>{@code router}, {@code src_ip}, {@code dst_ip}: required IPv4 or IPv6 text; {@code next_hop} optional.</li>
 * <li>{@code timestamp}, {@code start}, {@code end}: epoch milliseconds (seconds below 10^11) as a
 * number or numeric text, or ISO-8601 text; {@code end} defaults to {@code timestamp} (itself
 * defaulting to the receive time), {@code start} to {@code end}; start after end is invalid.</li>
 * <li>{@code protocol}: a name such as {@code TCP} (any case) or a number 0-255.</li>
 * <li>{@code direction}: {@code in}/{@code ingress}/{@code 0} or {@code out}/{@code egress}/{@code 1}.</li>
 * <li>Numbers (whole, as numbers or text): ports 0-65535, interfaces, AS numbers and observation
 * domain 0-2^32-1, {@code tcp_flags} 0-65535, {@code tos} 0-255, masks 0-128, {@code vlan} 0-4095,
 * {@code bytes} and {@code packets} from 0, {@code sampling_rate} from 1.</li>
 * <li>Text of at most 1024 characters (names from the network, such as TLS server names, are not
 * bound by the 253 of DNS): domains and the {@link FlowJsonWriter#ENRICHMENT_FIELDS};
 * {@code format} is 1-32 of {@code a-z 0-9 _} and defaults to {@code json}.</li>
 * </ul>
 * Bad input never throws anything but {@link FieldException}, never loops and never allocates more
 * than the input's size. Not thread-safe: keep one per thread.
 */
public final class FlowJsonReader {
    /** Why a record was refused: the field at fault ({@code ""} for malformed JSON) and a sentence. */
    public static final class FieldException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String field;

        public FieldException(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    private static final int MAX_DEPTH = 64;
    private static final int MAX_TEXT = 1024;
    private static final long SECONDS_BELOW = 100_000_000_000L;

    private static final byte NONE = 0, STRING = 1, NUMBER = 2, TRUE = 3, FALSE = 4, NULL = 5, OBJECT = 6, ARRAY = 7;

    // slot indexes: the ingest fields, then the enrichment fields
    private static final String[] NAMES = concat(FlowJsonWriter.FIELDS, FlowJsonWriter.ENRICHMENT_FIELDS);
    private static final byte[][] NAME_BYTES = new byte[NAMES.length][];
    private static final int TIMESTAMP = 0, START = 1, END = 2, ROUTER = 3, SRC_IP = 4, SRC_PORT = 5, DST_IP = 6,
            DST_PORT = 7, PROTOCOL = 8, BYTES = 9, PACKETS = 10, IN_IF = 11, OUT_IF = 12, TCP_FLAGS = 13, TOS = 14,
            SRC_AS = 15, DST_AS = 16, VLAN = 17, DIRECTION = 18, SAMPLING_RATE = 19, SRC_MASK = 20, DST_MASK = 21,
            NEXT_HOP = 22, SRC_DOMAIN = 23, DST_DOMAIN = 24, OBSERVATION_DOMAIN = 25, FORMAT = 26, SRC_COUNTRY = 27,
            DST_COUNTRY = 28, SRC_CITY = 29, DST_CITY = 30, SRC_AS_NAME = 31, DST_AS_NAME = 32, IN_IF_NAME = 33,
            OUT_IF_NAME = 34;

    static {
        for (int i = 0; i < NAMES.length; i++) {
            NAME_BYTES[i] = NAMES[i].getBytes(StandardCharsets.US_ASCII);
        }
    }

    private final byte[] type = new byte[NAMES.length];
    private final int[] from = new int[NAMES.length];
    private final int[] to = new int[NAMES.length];
    private final boolean[] escaped = new boolean[NAMES.length];
    private final long[] address = new long[2];
    private final StringBuilder chars = new StringBuilder(64);
    private byte[] in;
    private int pos;
    private int end;
    // set by string(): whether the last string scanned had escapes
    private boolean lastEscaped;

    /**
     * Fills {@code r} from one JSON object in {@code data[offset, offset + length)}.
     *
     * @param nowMillis the receive time to record, and the default for missing times
     * @return how many unknown fields were ignored
     * @throws FieldException when the JSON is malformed or a field is invalid; {@code r} may then
     *     be partly filled and should be discarded
     */
    public int read(byte[] data, int offset, int length, FlowRecord r, long nowMillis) throws FieldException {
        if (data == null || offset < 0 || length < 0 || offset + length > data.length) {
            throw new FieldException("", "no data");
        }
        in = data;
        pos = offset;
        end = offset + length;
        try {
            java.util.Arrays.fill(type, NONE);
            int unknown = parseObject();
            apply(r, nowMillis);
            return unknown;
        } finally {
            in = null;
        }
    }

    /** Told about each invalid item of an array: its index and why. */
    @FunctionalInterface
    public interface InvalidItem {
        void item(int index, FieldException problem);
    }

    /**
     * Reads a JSON array of record objects, or a single object, appending a new record to
     * {@code into} for each valid item. Invalid items are reported and skipped; the others are
     * still taken.
     *
     * @return how many unknown fields were ignored over all items
     * @throws FieldException when the input is not a JSON array or object at all (nothing is
     *     appended then)
     */
    public int readAll(byte[] data, int offset, int length, FlowBatch into, long nowMillis, InvalidItem invalid) throws FieldException {
        if (data == null || offset < 0 || length < 0 || offset + length > data.length) {
            throw new FieldException("", "no data");
        }
        in = data;
        pos = offset;
        end = offset + length;
        try {
            skipSpace();
            if (pos < end && in[pos] == '{') {
                FlowRecord r = new FlowRecord();
                int unknown = read(data, offset, length, r, nowMillis);
                into.add(r);
                return unknown;
            }
            if (pos >= end || in[pos] != '[') {
                throw malformed("expected a JSON array or object");
            }
            // find every item's extent first, so a malformed array adds nothing
            int[] bounds = new int[16];
            int items = 0;
            pos++;
            skipSpace();
            if (pos < end && in[pos] == ']') {
                pos++;
            } else {
                while (true) {
                    skipSpace();
                    if (pos >= end) {
                        throw malformed("unexpected end of input");
                    }
                    int s = pos;
                    value();
                    if (2 * items + 2 > bounds.length) {
                        bounds = java.util.Arrays.copyOf(bounds, bounds.length * 2);
                    }
                    bounds[2 * items] = s;
                    bounds[2 * items + 1] = pos;
                    items++;
                    skipSpace();
                    if (pos < end && in[pos] == ',') {
                        pos++;
                        continue;
                    }
                    if (pos < end && in[pos] == ']') {
                        pos++;
                        break;
                    }
                    throw malformed("expected ',' or ']'");
                }
            }
            skipSpace();
            if (pos != end) {
                throw malformed("unexpected content after the JSON array");
            }
            int unknown = 0;
            for (int i = 0; i < items; i++) {
                FlowRecord r = new FlowRecord();
                try {
                    unknown += read(data, bounds[2 * i], bounds[2 * i + 1] - bounds[2 * i], r, nowMillis);
                    into.add(r);
                } catch (FieldException e) {
                    invalid.item(i, e);
                }
            }
            return unknown;
        } finally {
            in = null;
        }
    }

    // --- structure

    private int parseObject() throws FieldException {
        skipSpace();
        if (pos >= end || in[pos] != '{') {
            throw malformed(pos >= end ? "empty input, expected a JSON object" : "expected a JSON object");
        }
        pos++;
        int unknown = 0;
        skipSpace();
        if (pos < end && in[pos] == '}') {
            pos++;
        } else {
            while (true) {
                skipSpace();
                if (pos >= end || in[pos] != '"') {
                    throw malformed("expected a field name");
                }
                int ks = ++pos;
                string();
                int ke = pos - 1;
                int slot = lastEscaped ? slotOf(decode(ks, ke, true)) : slotOf(ks, ke);
                skipSpace();
                if (pos >= end || in[pos] != ':') {
                    throw malformed("expected ':'");
                }
                pos++;
                skipSpace();
                if (pos >= end) {
                    throw malformed("unexpected end of input");
                }
                int vs = pos;
                byte t = value();
                if (slot < 0) {
                    unknown++;
                } else if (t == STRING) {
                    type[slot] = STRING;
                    from[slot] = vs + 1;
                    to[slot] = pos - 1;
                    escaped[slot] = lastEscaped;
                } else {
                    type[slot] = t;
                    from[slot] = vs;
                    to[slot] = pos;
                    escaped[slot] = false;
                }
                skipSpace();
                if (pos < end && in[pos] == ',') {
                    pos++;
                    continue;
                }
                if (pos < end && in[pos] == '}') {
                    pos++;
                    break;
                }
                throw malformed("expected ',' or '}'");
            }
        }
        skipSpace();
        if (pos != end) {
            throw malformed("unexpected content after the JSON object");
        }
        return unknown;
    }

    /** Scans one value at pos and returns its type; nested objects and arrays are skipped. */
    private byte value() throws FieldException {
        byte c = in[pos];
        switch (c) {
            case '"':
                pos++;
                string();
                return STRING;
            case '{':
            case '[':
                skipNested();
                return c == '{' ? OBJECT : ARRAY;
            case 't':
                literal("true");
                return TRUE;
            case 'f':
                literal("false");
                return FALSE;
            case 'n':
                literal("null");
                return NULL;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    number();
                    return NUMBER;
                }
                throw malformed("unexpected character");
        }
    }

    /** Skips an object or array, checking bracket pairs, strings and nesting depth (at most 64). */
    private void skipNested() throws FieldException {
        long objects = 0; // bit i set: level i is an object
        int depth = 0;
        while (pos < end) {
            byte c = in[pos];
            if (c == '{' || c == '[') {
                if (depth == MAX_DEPTH) {
                    throw malformed("nested deeper than " + MAX_DEPTH + " levels");
                }
                objects = c == '{' ? objects | (1L << depth) : objects & ~(1L << depth);
                depth++;
                pos++;
            } else if (c == '}' || c == ']') {
                if (depth == 0 || ((objects >>> (depth - 1)) & 1) != (c == '}' ? 1 : 0)) {
                    throw malformed("mismatched bracket");
                }
                depth--;
                pos++;
                if (depth == 0) {
                    return;
                }
            } else if (c == '"') {
                pos++;
                string();
            } else if (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                value();
            }
        }
        throw malformed("unexpected end of input");
    }

    /** Scans a string body from pos (after the opening quote) to after its closing quote. */
    private void string() throws FieldException {
        boolean esc = false;
        while (pos < end) {
            byte c = in[pos++];
            if (c == '"') {
                lastEscaped = esc;
                return;
            }
            if (c == '\\') {
                esc = true;
                if (pos >= end) {
                    break;
                }
                byte e = in[pos++];
                if (e == 'u') {
                    if (pos + 4 > end) {
                        break;
                    }
                    for (int i = 0; i < 4; i++) {
                        if (hex(in[pos++]) < 0) {
                            throw malformed("bad \\u escape");
                        }
                    }
                } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
                    throw malformed("bad escape");
                }
            } else if ((c & 0xFF) < 0x20) {
                throw malformed("control character in a string");
            }
        }
        throw malformed("unterminated string");
    }

    private void number() throws FieldException {
        if (in[pos] == '-') {
            pos++;
        }
        int digits = digitRun();
        if (digits == 0) {
            throw malformed("bad number");
        }
        if (pos < end && in[pos] == '.') {
            pos++;
            if (digitRun() == 0) {
                throw malformed("bad number");
            }
        }
        if (pos < end && (in[pos] == 'e' || in[pos] == 'E')) {
            pos++;
            if (pos < end && (in[pos] == '+' || in[pos] == '-')) {
                pos++;
            }
            if (digitRun() == 0) {
                throw malformed("bad number");
            }
        }
    }

    private int digitRun() {
        int start = pos;
        while (pos < end && in[pos] >= '0' && in[pos] <= '9') {
            pos++;
        }
        return pos - start;
    }

    private void literal(String word) throws FieldException {
        if (pos + word.length() > end) {
            throw malformed("unexpected end of input");
        }
        for (int i = 0; i < word.length(); i++) {
            if (in[pos + i] != word.charAt(i)) {
                throw malformed("unexpected character");
            }
        }
        pos += word.length();
    }

    private void skipSpace() {
        while (pos < end) {
            byte c = in[pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private FieldException malformed(String what) {
        return new FieldException("", "malformed JSON at byte " + Math.min(pos, end) + ": " + what);
    }

    private static int slotOf(String key) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(key)) {
                return i;
            }
        }
        return -1;
    }

    private int slotOf(int s, int e) {
        int n = e - s;
        for (int i = 0; i < NAME_BYTES.length; i++) {
            byte[] name = NAME_BYTES[i];
            if (name.length == n && in[s] == name[0]) {
                int k = 1;
                while (k < n && in[s + k] == name[k]) {
                    k++;
                }
                if (k == n) {
                    return i;
                }
            }
        }
        return -1;
    }

    // --- fields

    private void apply(FlowRecord r, long nowMillis) throws FieldException {
        requiredAddress(ROUTER);
        r.exporter(address[0], address[1]);
        requiredAddress(SRC_IP);
        r.src(address[0], address[1]);
        requiredAddress(DST_IP);
        r.dst(address[0], address[1]);
        r.receivedMillis(nowMillis);
        long ts = time(TIMESTAMP, nowMillis);
        long endMillis = time(END, ts);
        long startMillis = time(START, endMillis);
        if (startMillis > endMillis) {
            throw new FieldException("start", "start is after end");
        }
        r.startMillis(startMillis).endMillis(endMillis);
        r.srcPort((int) number(SRC_PORT, 0, 65535, 0)).dstPort((int) number(DST_PORT, 0, 65535, 0));
        r.protocol(protocol());
        r.bytes(number(BYTES, 0, Long.MAX_VALUE, 0)).packets(number(PACKETS, 0, Long.MAX_VALUE, 0));
        r.inIf((int) number(IN_IF, 0, 0xFFFFFFFFL, 0)).outIf((int) number(OUT_IF, 0, 0xFFFFFFFFL, 0));
        r.tcpFlags((int) number(TCP_FLAGS, 0, 0xFFFF, 0)).tos((int) number(TOS, 0, 255, 0));
        r.srcAs(number(SRC_AS, 0, 0xFFFFFFFFL, 0)).dstAs(number(DST_AS, 0, 0xFFFFFFFFL, 0));
        r.srcMask((int) number(SRC_MASK, 0, 128, 0)).dstMask((int) number(DST_MASK, 0, 128, 0));
        r.vlan((int) number(VLAN, 0, 4095, 0)).samplingRate(number(SAMPLING_RATE, 1, Long.MAX_VALUE, 1));
        r.observationDomain(number(OBSERVATION_DOMAIN, 0, 0xFFFFFFFFL, 0));
        r.direction(direction());
        if (present(NEXT_HOP)) {
            requiredAddress(NEXT_HOP);
            r.nextHop(address[0], address[1]);
        }
        r.srcDomain(text(SRC_DOMAIN)).dstDomain(text(DST_DOMAIN));
        String format = text(FORMAT);
        if (format == null) {
            r.format("json");
        } else if (validFormat(format)) {
            r.format(format);
        } else {
            throw new FieldException("format", "format must be 1 to 32 of a-z, 0-9 and _, got " + clip(format));
        }
        r.srcCountry(text(SRC_COUNTRY)).dstCountry(text(DST_COUNTRY));
        r.srcCity(text(SRC_CITY)).dstCity(text(DST_CITY));
        r.srcAsName(text(SRC_AS_NAME)).dstAsName(text(DST_AS_NAME));
        r.inIfName(text(IN_IF_NAME)).outIfName(text(OUT_IF_NAME));
    }

    private boolean present(int slot) {
        return type[slot] != NONE && type[slot] != NULL;
    }

    private FieldException wrongType(int slot, String expected) {
        String got = switch (type[slot]) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case TRUE, FALSE -> "a boolean";
            case OBJECT -> "an object";
            default -> "an array";
        };
        return new FieldException(NAMES[slot], NAMES[slot] + " must be " + expected + ", got " + got);
    }

    private void requiredAddress(int slot) throws FieldException {
        if (!present(slot)) {
            throw new FieldException(NAMES[slot], NAMES[slot] + " is required");
        }
        if (type[slot] != STRING) {
            throw wrongType(slot, "an IP address as text");
        }
        if (!escaped[slot] && v4(from[slot], to[slot])) {
            return;
        }
        String text = decode(from[slot], to[slot], escaped[slot]);
        try {
            long[] a = IpAddresses.parse(text);
            address[0] = a[0];
            address[1] = a[1];
        } catch (IllegalArgumentException e) {
            throw new FieldException(NAMES[slot], NAMES[slot] + " is not an IPv4 or IPv6 address: " + clip(text));
        }
    }

    /** Dotted-quad fast path without allocation; false when the text is anything else. */
    private boolean v4(int s, int e) {
        int value = 0;
        int parts = 0;
        int i = s;
        while (parts < 4) {
            int start = i;
            int octet = 0;
            while (i < e && in[i] >= '0' && in[i] <= '9' && i - start < 3) {
                octet = octet * 10 + (in[i] - '0');
                i++;
            }
            if (i == start || octet > 255) {
                return false;
            }
            value = (value << 8) | octet;
            parts++;
            if (parts < 4) {
                if (i >= e || in[i] != '.') {
                    return false;
                }
                i++;
            }
        }
        if (i != e) {
            return false;
        }
        address[0] = 0;
        address[1] = IpAddresses.v4Lo(value);
        return true;
    }

    private long number(int slot, long min, long max, long absent) throws FieldException {
        if (!present(slot)) {
            return absent;
        }
        if (type[slot] != NUMBER && type[slot] != STRING) {
            throw wrongType(slot, "a whole number");
        }
        int s = from[slot];
        int e = to[slot];
        if (type[slot] == STRING) {
            if (escaped[slot]) {
                return checkRange(slot, parseText(slot, decode(s, e, true).trim()), min, max);
            }
            while (s < e && in[s] == ' ') {
                s++;
            }
            while (e > s && in[e - 1] == ' ') {
                e--;
            }
        }
        long v = 0;
        boolean negative = s < e && in[s] == '-';
        int i = negative ? s + 1 : s;
        boolean plain = i < e;
        for (int k = i; k < e && plain; k++) {
            byte c = in[k];
            if (c < '0' || c > '9') {
                plain = false;
            } else {
                if (v > (Long.MAX_VALUE - (c - '0')) / 10) {
                    throw new FieldException(NAMES[slot], NAMES[slot] + " is too large");
                }
                v = v * 10 + (c - '0');
            }
        }
        if (!plain) {
            v = parseText(slot, new String(in, s, e - s, StandardCharsets.UTF_8));
        } else if (negative) {
            v = -v;
        }
        return checkRange(slot, v, min, max);
    }

    private long checkRange(int slot, long v, long min, long max) throws FieldException {
        if (v < min || v > max) {
            throw new FieldException(NAMES[slot], NAMES[slot] + " must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }

    /** Numbers with a fraction or exponent (accepted when whole) and anything else as text. */
    private static long parseText(int slot, String s) throws FieldException {
        try {
            if (s.indexOf('.') >= 0 || s.indexOf('e') >= 0 || s.indexOf('E') >= 0) {
                double d = Double.parseDouble(s);
                if (d != Math.rint(d) || Double.isInfinite(d) || Math.abs(d) > 9.0e15) {
                    throw new FieldException(NAMES[slot], NAMES[slot] + " must be a whole number, got " + clip(s));
                }
                return (long) d;
            }
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new FieldException(NAMES[slot], NAMES[slot] + " must be a whole number, got " + clip(s));
        }
    }

    private long time(int slot, long absent) throws FieldException {
        if (!present(slot)) {
            return absent;
        }
        if (type[slot] == STRING) {
            int s = from[slot];
            int e = to[slot];
            boolean iso = escaped[slot] || (s < e && (in[s] < '0' || in[s] > '9'));
            for (int i = s + 1; i < e && !iso; i++) {
                iso = in[i] == 'T';
            }
            if (iso) {
                String text = decode(s, e, escaped[slot]).trim();
                try {
                    return Instant.parse(text).toEpochMilli();
                } catch (DateTimeParseException | ArithmeticException ex) {
                    throw new FieldException(NAMES[slot], NAMES[slot] + " must be epoch milliseconds or ISO-8601 time, got " + clip(text));
                }
            }
        }
        long v = number(slot, 0, Long.MAX_VALUE, absent);
        return v < SECONDS_BELOW ? v * 1000 : v;
    }

    private int protocol() throws FieldException {
        if (!present(PROTOCOL)) {
            return 0;
        }
        int s = from[PROTOCOL];
        int e = to[PROTOCOL];
        if (type[PROTOCOL] == NUMBER || (type[PROTOCOL] == STRING && !escaped[PROTOCOL])) {
            if (equalsIgnoreCase(s, e, "TCP")) {
                return Protocols.TCP;
            }
            if (equalsIgnoreCase(s, e, "UDP")) {
                return Protocols.UDP;
            }
            if (equalsIgnoreCase(s, e, "ICMP")) {
                return Protocols.ICMP;
            }
        } else if (type[PROTOCOL] != STRING) {
            throw wrongType(PROTOCOL, "a name such as TCP, UDP, ICMP or a number 0-255");
        }
        String text = decode(s, e, escaped[PROTOCOL]);
        int n = Protocols.number(text);
        if (n < 0) {
            throw new FieldException("protocol", "protocol must be a name such as TCP, UDP, ICMP or a number 0-255, got " + clip(text));
        }
        return n;
    }

    private int direction() throws FieldException {
        if (!present(DIRECTION)) {
            return FlowRecord.DIRECTION_UNKNOWN;
        }
        if (type[DIRECTION] != STRING && type[DIRECTION] != NUMBER) {
            throw wrongType(DIRECTION, "in or out");
        }
        String text = decode(from[DIRECTION], to[DIRECTION], escaped[DIRECTION]).trim();
        if (text.equalsIgnoreCase("in") || text.equalsIgnoreCase("ingress") || text.equals("0")) {
            return FlowRecord.DIRECTION_INGRESS;
        }
        if (text.equalsIgnoreCase("out") || text.equalsIgnoreCase("egress") || text.equals("1")) {
            return FlowRecord.DIRECTION_EGRESS;
        }
        throw new FieldException("direction", "direction must be in or out, got " + clip(text));
    }

    private String text(int slot) throws FieldException {
        if (!present(slot)) {
            return null;
        }
        if (type[slot] != STRING && type[slot] != NUMBER) {
            throw wrongType(slot, "text");
        }
        String s = decode(from[slot], to[slot], escaped[slot]);
        if (s.length() > MAX_TEXT) {
            throw new FieldException(NAMES[slot], NAMES[slot] + " is longer than " + MAX_TEXT + " characters");
        }
        return s;
    }

    private boolean equalsIgnoreCase(int s, int e, String word) {
        if (e - s != word.length()) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            int c = in[s + i];
            if (c >= 'a' && c <= 'z') {
                c -= 32;
            }
            if (c != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The text of a scanned string body (already validated), escapes resolved. */
    private String decode(int s, int e, boolean hasEscapes) {
        if (!hasEscapes) {
            boolean ascii = true;
            for (int i = s; i < e && ascii; i++) {
                ascii = in[i] >= 0;
            }
            return new String(in, s, e - s, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        }
        chars.setLength(0);
        int i = s;
        while (i < e) {
            int run = i;
            while (i < e && in[i] != '\\') {
                i++;
            }
            if (i > run) {
                chars.append(new String(in, run, i - run, StandardCharsets.UTF_8));
            }
            if (i >= e) {
                break;
            }
            byte x = in[i + 1];
            i += 2;
            switch (x) {
                case 'b' -> chars.append('\b');
                case 'f' -> chars.append('\f');
                case 'n' -> chars.append('\n');
                case 'r' -> chars.append('\r');
                case 't' -> chars.append('\t');
                case 'u' -> {
                    chars.append((char) ((hex(in[i]) << 12) | (hex(in[i + 1]) << 8) | (hex(in[i + 2]) << 4) | hex(in[i + 3])));
                    i += 4;
                }
                default -> chars.append((char) x);
            }
        }
        return chars.toString();
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static boolean validFormat(String s) {
        if (s.isEmpty() || s.length() > 32) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** Echoes at most 64 characters of bad input back. */
    static String clip(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
