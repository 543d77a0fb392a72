package org.flowlens.detect.sink;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.flowlens.api.alert.Acknowledgement;
import org.flowlens.api.alert.Alert;
import org.flowlens.detect.engine.Units;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

/**
 * The JSON bodies webhooks receive: the alert itself (generic), or a message in the form a chat
 * tool's incoming webhook expects (Slack, WeCom group robots, DingTalk custom robots).
 */
enum Templates {
    /** The alert's fields as a JSON object, with ISO times beside the epoch milliseconds. */
    GENERIC {
        @Override
        String body(Alert a, Acknowledgement ack) {
            JsonObject o = new JsonObject();
            o.addProperty("id", a.id());
            o.addProperty("detector", a.detector());
            o.addProperty("key", a.key());
            o.addProperty("severity", a.severity().name());
            o.addProperty("state", ack != null ? "ACKNOWLEDGED" : a.state().name());
            o.addProperty("firstMillis", a.firstMillis());
            o.addProperty("lastMillis", a.lastMillis());
            o.addProperty("first", Instant.ofEpochMilli(a.firstMillis()).toString());
            o.addProperty("last", Instant.ofEpochMilli(a.lastMillis()).toString());
            o.addProperty("value", a.value());
            o.addProperty("threshold", a.threshold());
            o.addProperty("message", a.message());
            o.add("evidence", evidence(a.evidence()));
            if (ack != null) {
                JsonObject k = new JsonObject();
                k.addProperty("by", ack.by());
                k.addProperty("note", ack.note());
                k.addProperty("millis", ack.millis());
                o.add("acknowledgement", k);
            }
            return GSON.toJson(o);
        }
    },
    /** Slack incoming webhook: {@code {"text": ...}} with Slack's mrkdwn. */
    SLACK {
        @Override
        String body(Alert a, Acknowledgement ack) {
            StringBuilder t = new StringBuilder();
            t.append('*').append(title(a, ack)).append("*\n").append(a.message());
            appendEvidence(t, a, "\n• ");
            JsonObject o = new JsonObject();
            o.addProperty("text", t.toString());
            return GSON.toJson(o);
        }
    },
    /** WeCom (WeChat Work) group robot: markdown message. */
    WECOM {
        @Override
        String body(Alert a, Acknowledgement ack) {
            String color = a.state() == Alert.State.RESOLVED ? "info" : a.severity() == Alert.Severity.CRITICAL
                    ? "warning" : "comment";
            StringBuilder t = new StringBuilder();
            t.append("**<font color=\"").append(color).append("\">").append(title(a, ack)).append("</font>**\n")
                    .append("> ").append(a.message());
            appendEvidence(t, a, "\n> ");
            JsonObject md = new JsonObject();
            md.addProperty("content", t.toString());
            JsonObject o = new JsonObject();
            o.addProperty("msgtype", "markdown");
            o.add("markdown", md);
            return GSON.toJson(o);
        }
    },
    /** DingTalk custom robot: markdown message with a title. */
    DINGTALK {
        @Override
        String body(Alert a, Acknowledgement ack) {
            StringBuilder t = new StringBuilder();
            t.append("### ").append(title(a, ack)).append("\n\n").append(a.message());
            appendEvidence(t, a, "\n\n- ");
            JsonObject md = new JsonObject();
            md.addProperty("title", title(a, ack));
            md.addProperty("text", t.toString());
            JsonObject o = new JsonObject();
            o.addProperty("msgtype", "markdown");
            o.add("markdown", md);
            return GSON.toJson(o);
        }
    };

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    abstract String body(Alert a, Acknowledgement ack);

    static Templates of(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("template must be generic, slack, wecom or dingtalk: " + name);
        }
    }

    /** {@code [CRITICAL] portscan RAISED: 192.0.2.9}. */
    static String title(Alert a, Acknowledgement ack) {
        String state = ack != null ? "ACKNOWLEDGED by " + ack.by() : a.state().name();
        return "[" + a.severity() + "] " + a.detector() + " " + state + ": " + a.key();
    }

    private static void appendEvidence(StringBuilder t, Alert a, String bullet) {
        List<Map<String, Object>> ev = a.evidence();
        if (ev == null) {
            return;
        }
        for (Map<String, Object> m : ev) {
            t.append(bullet);
            boolean first = true;
            for (Map.Entry<String, Object> e : m.entrySet()) {
                if (!first) {
                    t.append(", ");
                }
                first = false;
                Object v = e.getValue();
                t.append(e.getKey()).append(' ').append(v instanceof Number n && !(v instanceof Long || v instanceof Integer)
                        ? Units.si(n.doubleValue()).trim() : String.valueOf(v));
            }
        }
    }

    private static JsonArray evidence(List<Map<String, Object>> ev) {
        JsonArray arr = new JsonArray();
        if (ev == null) {
            return arr;
        }
        for (Map<String, Object> m : ev) {
            JsonObject o = new JsonObject();
            for (Map.Entry<String, Object> e : m.entrySet()) {
                o.add(e.getKey(), json(e.getValue()));
            }
            arr.add(o);
        }
        return arr;
    }

    private static JsonElement json(Object v) {
        if (v instanceof Number n) {
            return new JsonPrimitive(n);
        }
        if (v instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        return new JsonPrimitive(String.valueOf(v));
    }
}
