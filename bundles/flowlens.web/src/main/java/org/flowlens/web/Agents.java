package org.flowlens.web;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * The agents this server has heard from: each one's name (the forwarder's {@code X-Flowlens-Agent}
 * header), address, first and last contact, what it sent to {@code /ingest}, and the last health
 * report it posted. Bounded: beyond {@link #MAX_AGENTS} names the one silent longest is forgotten.
 */
@Component(service = Agents.class)
public class Agents {
    /** Header naming the agent on every request of the forwarder. */
    static final String HEADER = "X-Flowlens-Agent";
    static final int MAX_AGENTS = 1000;
    /** An agent not heard from for this long is shown as silent (the forwarder reports every 30 s by default). */
    static final long SILENT_AFTER_MS = 120_000;
    /** Fields of the forwarder's health report that are kept and shown. */
    private static final String[] TEXT_FIELDS = {"state", "last_error"};
    private static final String[] NUMBER_FIELDS = {"time", "started", "last_success", "records_received", "records_sent", "records_spooled",
        "records_dropped", "queue_records", "spool_records", "spool_bytes", "spool_max_bytes"};
    private static final int MAX_TEXT = 512;

    private static final class Agent {
        final String name;
        String address;
        final long firstSeen;
        long lastContact;
        long lastIngest;
        long ingestRequests;
        long recordsAccepted;
        long recordsRejected;
        long healthAt;
        JsonObject health;

        Agent(String name, long now) {
            this.name = name;
            this.firstSeen = now;
        }
    }

    private final Map<String, Agent> agents = new HashMap<>();

    /** A valid agent name: 1-128 printable ASCII characters; anything else is not tracked. */
    static boolean validName(String name) {
        if (name == null || name.isEmpty() || name.length() > 128) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** A {@code POST /ingest} of an agent was answered: records taken and refused. */
    void ingested(String name, String address, int accepted, int rejected, long now) {
        if (!validName(name)) {
            return;
        }
        synchronized (agents) {
            Agent a = touch(name, address, now);
            a.lastIngest = now;
            a.ingestRequests++;
            a.recordsAccepted += accepted;
            a.recordsRejected += rejected;
        }
    }

    /** An agent's health report; only the known fields are kept. */
    void health(String name, String address, JsonObject report, long now) {
        if (!validName(name)) {
            return;
        }
        JsonObject kept = new JsonObject();
        for (String f : TEXT_FIELDS) {
            JsonElement e = report.get(f);
            if (e != null && e.isJsonPrimitive()) {
                String s = e.getAsString();
                kept.addProperty(f, s.length() > MAX_TEXT ? s.substring(0, MAX_TEXT) : s);
            }
        }
        for (String f : NUMBER_FIELDS) {
            JsonElement e = report.get(f);
            if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
                kept.addProperty(f, e.getAsLong());
            }
        }
        synchronized (agents) {
            Agent a = touch(name, address, now);
            a.healthAt = now;
            a.health = kept;
        }
    }

    private Agent touch(String name, String address, long now) {
        Agent a = agents.get(name);
        if (a == null) {
            if (agents.size() >= MAX_AGENTS) {
                Agent oldest = null;
                for (Agent x : agents.values()) {
                    if (oldest == null || x.lastContact < oldest.lastContact) {
                        oldest = x;
                    }
                }
                agents.remove(oldest.name);
            }
            a = new Agent(name, now);
            agents.put(name, a);
        }
        a.lastContact = now;
        a.address = address;
        return a;
    }

    /**
     * Every agent, by name, with its status: {@code silent} when not heard from for
     * {@link #SILENT_AFTER_MS}, else the state of its last health report ({@code ok},
     * {@code catching_up}, ...), else {@code sending}.
     */
    JsonArray list(long now) {
        List<Agent> copy;
        JsonArray out = new JsonArray();
        synchronized (agents) {
            copy = new ArrayList<>(agents.values());
            copy.sort((x, y) -> x.name.compareTo(y.name));
            for (Agent a : copy) {
                JsonObject o = new JsonObject();
                o.addProperty("agent", a.name);
                String reported = a.health != null && a.health.has("state") ? a.health.get("state").getAsString() : null;
                o.addProperty("status", now - a.lastContact > SILENT_AFTER_MS ? "silent" : reported != null && now - a.healthAt <= SILENT_AFTER_MS ? reported : "sending");
                o.addProperty("address", a.address);
                o.addProperty("first_seen", a.firstSeen);
                o.addProperty("last_contact", a.lastContact);
                o.addProperty("last_ingest", a.lastIngest);
                o.addProperty("ingest_requests", a.ingestRequests);
                o.addProperty("records_accepted", a.recordsAccepted);
                o.addProperty("records_rejected", a.recordsRejected);
                o.addProperty("health_at", a.healthAt);
                o.add("health", a.health == null ? new JsonObject() : a.health.deepCopy());
                out.add(o);
            }
        }
        return out;
    }
}
