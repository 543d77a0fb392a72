package org.flowlens.sink.kafka;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.query.Group;
import org.flowlens.api.query.TopN;
import org.flowlens.api.query.WindowTotals;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

/** Alerts and window aggregates as JSON messages (Gson). */
final class Payloads {
    private static final Gson GSON = new Gson();

    private Payloads() {}

    /**
     * One alert event: {@code event} (RAISED, ONGOING, RESOLVED, ACKNOWLEDGED) and the alert's
     * fields in snake_case; acknowledgements add who, when and the note.
     */
    static byte[] alert(String event, Alert a, String acknowledgedBy, String note, Long acknowledgedMillis) {
        JsonObject o = new JsonObject();
        o.addProperty("event", event);
        o.addProperty("id", a.id());
        o.addProperty("detector", a.detector());
        o.addProperty("key", a.key());
        o.addProperty("severity", a.severity() == null ? null : a.severity().name());
        o.addProperty("state", a.state() == null ? null : a.state().name());
        o.addProperty("first", a.firstMillis());
        o.addProperty("last", a.lastMillis());
        o.addProperty("value", finite(a.value()));
        o.addProperty("threshold", finite(a.threshold()));
        o.addProperty("message", a.message());
        o.add("evidence", evidence(a.evidence()));
        if (acknowledgedBy != null) {
            o.addProperty("acknowledged_by", acknowledgedBy);
            o.addProperty("note", note);
            o.addProperty("acknowledged", acknowledgedMillis);
        }
        return bytes(o);
    }

    /** Totals and rates of one window, with distinct-count estimates. */
    static byte[] window(WindowTotals w) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "window");
        o.addProperty("window_seconds", w.window().toSeconds());
        o.addProperty("from", w.fromMillis());
        o.addProperty("to", w.toMillis());
        o.addProperty("at", w.atMillis());
        o.addProperty("bytes", w.bytes());
        o.addProperty("packets", w.packets());
        o.addProperty("flows", w.flows());
        o.addProperty("bits_per_second", finite(w.bitsPerSecond()));
        o.addProperty("packets_per_second", finite(w.packetsPerSecond()));
        o.addProperty("flows_per_second", finite(w.flowsPerSecond()));
        o.addProperty("distinct_sources", w.distinctSources());
        o.addProperty("distinct_destinations", w.distinctDestinations());
        o.addProperty("distinct_sessions", w.distinctSessions());
        o.addProperty("distinct_relative_error", finite(w.distinctRelativeError()));
        return bytes(o);
    }

    /** The heaviest groups of one dimension over one window; each group's key is an object of field → value. */
    static byte[] top(TopN t) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "top");
        o.addProperty("dimension", t.dimension());
        o.addProperty("window_seconds", t.window().toSeconds());
        o.addProperty("order", t.order().name().toLowerCase());
        o.addProperty("from", t.fromMillis());
        o.addProperty("to", t.toMillis());
        o.addProperty("at", t.atMillis());
        o.addProperty("total_bytes", t.totalBytes());
        o.addProperty("total_packets", t.totalPackets());
        o.addProperty("total_flows", t.totalFlows());
        JsonArray groups = new JsonArray();
        for (Group g : t.groups()) {
            JsonObject row = new JsonObject();
            JsonObject key = new JsonObject();
            for (int i = 0; i < t.fields().size() && i < g.key().size(); i++) {
                key.addProperty(t.fields().get(i), g.key().get(i));
            }
            row.add("key", key);
            row.addProperty("bytes", g.bytes());
            row.addProperty("packets", g.packets());
            row.addProperty("flows", g.flows());
            row.addProperty("bits_per_second", finite(g.bitsPerSecond()));
            row.addProperty("packets_per_second", finite(g.packetsPerSecond()));
            groups.add(row);
        }
        o.add("groups", groups);
        return bytes(o);
    }

    private static JsonElement evidence(List<?> evidence) {
        if (evidence == null) {
            return new JsonArray();
        }
        try {
            return GSON.toJsonTree(evidence);
        } catch (RuntimeException e) {
            // values Gson cannot reflect on (modules closed to it): their text instead
            JsonArray a = new JsonArray();
            for (Object item : evidence) {
                a.add(new JsonPrimitive(String.valueOf(item)));
            }
            return a;
        }
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static byte[] bytes(JsonObject o) {
        return GSON.toJson(o).getBytes(StandardCharsets.UTF_8);
    }
}
