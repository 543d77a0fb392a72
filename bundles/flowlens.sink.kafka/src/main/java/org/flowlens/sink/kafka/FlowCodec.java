package org.flowlens.sink.kafka;

import java.util.Locale;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.json.FlowJsonReader;
import org.flowlens.api.json.FlowJsonWriter;

/**
 * One Kafka message per flow record, in one of Flowlens' two formats: the JSON object of the ingest
 * format, or goflow2's protobuf message. Not thread-safe: one per thread.
 */
final class FlowCodec {
    enum Format {
        JSON, PROTOBUF, AUTO;

        static Format parse(String text, boolean autoAllowed) {
            String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
            for (Format f : values()) {
                if (f.name().equals(t) && (autoAllowed || f != AUTO)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("format must be json or protobuf" + (autoAllowed ? " or auto" : "") + ", got " + text);
        }
    }

    /** What the message key is: partitions follow it, so each exporter's or host's records stay in order. */
    enum KeyBy {
        EXPORTER, SRC_ADDR, NONE;

        static KeyBy parse(String text) {
            String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
            for (KeyBy k : values()) {
                if (k.name().equals(t)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("keyBy must be exporter, src_addr or none, got " + text);
        }
    }

    private final Format format;
    private final KeyBy keyBy;
    private final FlowJsonWriter json;
    private final FlowJsonReader reader = new FlowJsonReader();
    private final GoflowProtobuf protobuf = new GoflowProtobuf();

    FlowCodec(Format format, KeyBy keyBy, boolean enrichment) {
        this.format = format;
        this.keyBy = keyBy;
        this.json = new FlowJsonWriter(1024, enrichment);
    }

    Format format() {
        return format;
    }

    byte[] value(FlowRecord r) {
        if (format == Format.PROTOBUF) {
            return protobuf.encode(r).toByteArray();
        }
        return json.reset().write(r).toByteArray();
    }

    /** The key: the exporter's or source's address (4 or 16 bytes), or null. */
    byte[] key(FlowRecord r) {
        return switch (keyBy) {
            case EXPORTER -> address(r.exporterHi(), r.exporterLo());
            case SRC_ADDR -> address(r.srcHi(), r.srcLo());
            case NONE -> null;
        };
    }

    static byte[] address(long hi, long lo) {
        if (IpAddresses.isV4(hi, lo)) {
            int v = (int) lo;
            return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        }
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[i + 8] = (byte) (lo >>> (56 - 8 * i));
        }
        return b;
    }

    /**
     * Reads one message into {@code r}; with {@link Format#AUTO} a message that starts with a JSON
     * object is JSON, anything else protobuf.
     *
     * @return null when read, else why not, prefixed by the format tried ({@code json: ...})
     */
    String decode(byte[] value, FlowRecord r, long nowMillis) {
        if (value == null || value.length == 0) {
            return "empty: no value";
        }
        Format f = format == Format.AUTO ? (looksLikeJson(value) ? Format.JSON : Format.PROTOBUF) : format;
        if (f == Format.JSON) {
            try {
                reader.read(value, 0, value.length, r, nowMillis);
                return null;
            } catch (FlowJsonReader.FieldException e) {
                return "json: " + e.getMessage();
            }
        }
        String problem = protobuf.decode(value, 0, value.length, r);
        if (problem != null) {
            return "protobuf: " + problem;
        }
        if (r.receivedMillis() == 0) {
            r.receivedMillis(nowMillis);
        }
        return null;
    }

    /** '{' then (after blanks) '"' or '}': a protobuf length prefix of 123 is followed by a field tag instead. */
    static boolean looksLikeJson(byte[] v) {
        int i = 0;
        while (i < v.length && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r')) {
            i++;
        }
        if (i >= v.length || v[i] != '{') {
            return false;
        }
        i++;
        while (i < v.length && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r')) {
            i++;
        }
        return i < v.length && (v[i] == '"' || v[i] == '}');
    }
}
