package org.flowlens.web;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

/**
 * The JSON form of a flow record (the FlowSession object of {@code POST /ingest}): snake_case
 * fields, addresses as text, protocol as an upper-case name or a number, times as epoch
 * milliseconds (or seconds, below 10^11) or ISO-8601 text.
 */
final class FlowJson {
    static final Set<String> FIELDS = Set.of("timestamp", "start", "end", "router", "src_ip", "src_port", "dst_ip", "dst_port",
            "protocol", "bytes", "packets", "in_if", "out_if", "tcp_flags", "tos", "src_as", "dst_as", "vlan", "direction",
            "sampling_rate", "src_mask", "dst_mask", "next_hop", "src_domain", "dst_domain", "observation_domain");

    /** A field that made an item invalid. */
    static final class FieldException extends Exception {
        final String field;

        FieldException(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }
    }

    /** Longest text field taken (SNI names are not bound by the 253 characters of DNS). */
    static final int MAX_TEXT = 1024;

    private FlowJson() {}

    /**
     * Fills {@code r} from one JSON object.
     *
     * @return the number of unknown fields it ignored
     */
    static int read(JsonElement element, FlowRecord r, long nowMillis) throws FieldException {
        if (!element.isJsonObject()) {
            throw new FieldException("", "expected a JSON object, got " + kind(element));
        }
        JsonObject o = element.getAsJsonObject();
        long[] router = address(o, "router", true);
        long[] src = address(o, "src_ip", true);
        long[] dst = address(o, "dst_ip", true);
        r.format("json").receivedMillis(nowMillis).exporter(router[0], router[1]).src(src[0], src[1]).dst(dst[0], dst[1]);
        long ts = time(o, "timestamp", nowMillis);
        long end = time(o, "end", ts);
        r.startMillis(time(o, "start", end)).endMillis(end);
        if (r.startMillis() > r.endMillis()) {
            throw new FieldException("start", "start is after end");
        }
        r.srcPort((int) number(o, "src_port", 0, 65535, 0)).dstPort((int) number(o, "dst_port", 0, 65535, 0));
        r.protocol(protocol(o));
        r.bytes(number(o, "bytes", 0, Long.MAX_VALUE, 0)).packets(number(o, "packets", 0, Long.MAX_VALUE, 0));
        r.inIf((int) number(o, "in_if", 0, 0xFFFFFFFFL, 0)).outIf((int) number(o, "out_if", 0, 0xFFFFFFFFL, 0));
        r.tcpFlags((int) number(o, "tcp_flags", 0, 0xFFFF, 0)).tos((int) number(o, "tos", 0, 255, 0));
        r.srcAs(number(o, "src_as", 0, 0xFFFFFFFFL, 0)).dstAs(number(o, "dst_as", 0, 0xFFFFFFFFL, 0));
        r.srcMask((int) number(o, "src_mask", 0, 128, 0)).dstMask((int) number(o, "dst_mask", 0, 128, 0));
        r.vlan((int) number(o, "vlan", 0, 4095, 0)).samplingRate(number(o, "sampling_rate", 1, Long.MAX_VALUE, 1));
        r.observationDomain(number(o, "observation_domain", 0, 0xFFFFFFFFL, 0));
        r.direction(direction(o));
        long[] nextHop = address(o, "next_hop", false);
        if (nextHop != null) {
            r.nextHop(nextHop[0], nextHop[1]);
        }
        r.srcDomain(text(o, "src_domain")).dstDomain(text(o, "dst_domain"));
        int unknown = 0;
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            if (!FIELDS.contains(e.getKey())) {
                unknown++;
            }
        }
        return unknown;
    }

    static JsonObject write(FlowRecord r) {
        JsonObject o = new JsonObject();
        o.addProperty("start", r.startMillis());
        o.addProperty("end", r.endMillis());
        o.addProperty("router", IpAddresses.format(r.exporterHi(), r.exporterLo()));
        o.addProperty("src_ip", IpAddresses.format(r.srcHi(), r.srcLo()));
        o.addProperty("src_port", r.srcPort());
        o.addProperty("dst_ip", IpAddresses.format(r.dstHi(), r.dstLo()));
        o.addProperty("dst_port", r.dstPort());
        o.addProperty("protocol", Protocols.name(r.protocol()));
        o.addProperty("bytes", r.bytes());
        o.addProperty("packets", r.packets());
        o.addProperty("in_if", Integer.toUnsignedLong(r.inIf()));
        o.addProperty("out_if", Integer.toUnsignedLong(r.outIf()));
        o.addProperty("tcp_flags", r.tcpFlags());
        o.addProperty("format", r.format());
        o.addProperty("received", r.receivedMillis());
        text(o, "src_domain", r.srcDomain());
        text(o, "dst_domain", r.dstDomain());
        text(o, "src_country", r.srcCountry());
        text(o, "dst_country", r.dstCountry());
        text(o, "src_city", r.srcCity());
        text(o, "dst_city", r.dstCity());
        text(o, "src_as_name", r.srcAsName());
        text(o, "dst_as_name", r.dstAsName());
        text(o, "in_if_name", r.inIfName());
        text(o, "out_if_name", r.outIfName());
        if (r.srcAs() != 0) {
            o.addProperty("src_as", r.srcAs());
        }
        if (r.dstAs() != 0) {
            o.addProperty("dst_as", r.dstAs());
        }
        return o;
    }

    private static void text(JsonObject o, String field, String value) {
        if (value != null) {
            o.addProperty(field, value);
        }
    }

    private static String kind(JsonElement e) {
        if (e.isJsonArray()) {
            return "an array";
        }
        if (e.isJsonNull()) {
            return "null";
        }
        if (e.isJsonPrimitive()) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            return p.isString() ? "a string" : p.isNumber() ? "a number" : "a boolean";
        }
        return "an object";
    }

    private static JsonPrimitive primitive(JsonObject o, String field) throws FieldException {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive()) {
            throw new FieldException(field, field + " must be a string or number, got " + kind(e));
        }
        return e.getAsJsonPrimitive();
    }

    private static long[] address(JsonObject o, String field, boolean required) throws FieldException {
        JsonPrimitive p = primitive(o, field);
        if (p == null) {
            if (required) {
                throw new FieldException(field, field + " is required");
            }
            return null;
        }
        if (!p.isString()) {
            throw new FieldException(field, field + " must be an IP address as text");
        }
        try {
            return IpAddresses.parse(p.getAsString());
        } catch (IllegalArgumentException e) {
            throw new FieldException(field, field + " is not an IPv4 or IPv6 address: " + clip(p.getAsString()));
        }
    }

    private static long number(JsonObject o, String field, long min, long max, long absent) throws FieldException {
        JsonPrimitive p = primitive(o, field);
        if (p == null) {
            return absent;
        }
        long v;
        try {
            if (p.isNumber() || p.isString()) {
                String s = p.getAsString().trim();
                v = s.indexOf('.') >= 0 || s.indexOf('e') >= 0 || s.indexOf('E') >= 0 ? checkedWhole(Double.parseDouble(s), field) : Long.parseLong(s);
            } else {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new FieldException(field, field + " must be a whole number, got " + clip(p.getAsString()));
        }
        if (v < min || v > max) {
            throw new FieldException(field, field + " must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }

    private static long checkedWhole(double d, String field) throws FieldException {
        if (d != Math.rint(d) || Double.isInfinite(d) || Math.abs(d) > 9.0e15) {
            throw new FieldException(field, field + " must be a whole number, got " + d);
        }
        return (long) d;
    }

    private static long time(JsonObject o, String field, long absent) throws FieldException {
        JsonPrimitive p = primitive(o, field);
        if (p == null) {
            return absent;
        }
        if (p.isString() && !p.getAsString().isEmpty() && !Character.isDigit(p.getAsString().charAt(0))
                || p.isString() && p.getAsString().indexOf('T') > 0) {
            try {
                return Instant.parse(p.getAsString().trim()).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new FieldException(field, field + " must be epoch milliseconds or ISO-8601 time, got " + clip(p.getAsString()));
            }
        }
        long v = number(o, field, 0, Long.MAX_VALUE, absent);
        return v < 100_000_000_000L ? v * 1000 : v;
    }

    private static int protocol(JsonObject o) throws FieldException {
        JsonPrimitive p = primitive(o, "protocol");
        if (p == null) {
            return 0;
        }
        int n = Protocols.number(p.getAsString());
        if (n < 0) {
            throw new FieldException("protocol", "protocol must be a name such as TCP, UDP, ICMP or a number 0-255, got " + clip(p.getAsString()));
        }
        return n;
    }

    private static int direction(JsonObject o) throws FieldException {
        JsonPrimitive p = primitive(o, "direction");
        if (p == null) {
            return FlowRecord.DIRECTION_UNKNOWN;
        }
        switch (p.getAsString().trim().toLowerCase(Locale.ROOT)) {
            case "in", "ingress", "0":
                return FlowRecord.DIRECTION_INGRESS;
            case "out", "egress", "1":
                return FlowRecord.DIRECTION_EGRESS;
            default:
                throw new FieldException("direction", "direction must be in or out, got " + clip(p.getAsString()));
        }
    }

    private static String text(JsonObject o, String field) throws FieldException {
        JsonPrimitive p = primitive(o, field);
        if (p == null) {
            return null;
        }
        String s = p.getAsString();
        if (s.length() > MAX_TEXT) {
            throw new FieldException(field, field + " is longer than " + MAX_TEXT + " characters");
        }
        return s;
    }

    /** Echoes at most 64 characters of bad input back. */
    static String clip(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
