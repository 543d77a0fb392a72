package org.flowlens.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

class AgentsTest {
    @Test
    void ingestAndHealthReportsAddUpPerAgent() {
        Agents agents = new Agents();
        agents.ingested("edge-1", "192.0.2.1", 100, 2, 1_000);
        agents.ingested("edge-1", "192.0.2.1", 50, 0, 2_000);
        agents.health("edge-1", "192.0.2.1", JsonParser.parseString("{\"agent\":\"edge-1\",\"state\":\"catching_up\",\"records_sent\":150,"
                + "\"spool_records\":7,\"last_error\":\"HTTP 503\",\"password\":\"not kept\",\"records_dropped\":\"not a number\"}").getAsJsonObject(), 3_000);
        agents.ingested("core-2", "192.0.2.2", 5, 0, 2_500);
        JsonArray list = agents.list(4_000);
        assertEquals(2, list.size());
        JsonObject core = list.get(0).getAsJsonObject();
        assertEquals("core-2", core.get("agent").getAsString());
        assertEquals("sending", core.get("status").getAsString(), "no health report yet");
        JsonObject edge = list.get(1).getAsJsonObject();
        assertEquals("edge-1", edge.get("agent").getAsString());
        assertEquals("catching_up", edge.get("status").getAsString());
        assertEquals(2, edge.get("ingest_requests").getAsLong());
        assertEquals(150, edge.get("records_accepted").getAsLong());
        assertEquals(2, edge.get("records_rejected").getAsLong());
        assertEquals(1_000, edge.get("first_seen").getAsLong());
        assertEquals(3_000, edge.get("last_contact").getAsLong());
        assertEquals(2_000, edge.get("last_ingest").getAsLong());
        JsonObject health = edge.getAsJsonObject("health");
        assertEquals(150, health.get("records_sent").getAsLong());
        assertEquals(7, health.get("spool_records").getAsLong());
        assertEquals("HTTP 503", health.get("last_error").getAsString());
        assertFalse(health.has("password"), "only the report's known fields are kept");
        assertFalse(health.has("records_dropped"), "a field of the wrong type is not kept");
    }

    @Test
    void agentsNotHeardFromAreSilent() {
        Agents agents = new Agents();
        agents.health("edge-1", "192.0.2.1", JsonParser.parseString("{\"state\":\"ok\"}").getAsJsonObject(), 1_000);
        assertEquals("ok", agents.list(1_000 + Agents.SILENT_AFTER_MS).get(0).getAsJsonObject().get("status").getAsString());
        assertEquals("silent", agents.list(1_001 + Agents.SILENT_AFTER_MS).get(0).getAsJsonObject().get("status").getAsString());
    }

    @Test
    void namesAreCheckedAndTheListIsBounded() {
        Agents agents = new Agents();
        agents.ingested(null, "192.0.2.1", 1, 0, 1);
        agents.ingested("", "192.0.2.1", 1, 0, 1);
        agents.ingested("bad\nname", "192.0.2.1", 1, 0, 1);
        agents.ingested("x".repeat(129), "192.0.2.1", 1, 0, 1);
        assertEquals(0, agents.list(2).size());
        for (int i = 0; i < Agents.MAX_AGENTS + 10; i++) {
            agents.ingested(String.format("agent-%05d", i), "192.0.2.1", 1, 0, 10 + i);
        }
        JsonArray list = agents.list(20_000);
        assertEquals(Agents.MAX_AGENTS, list.size());
        assertEquals("agent-00010", list.get(0).getAsJsonObject().get("agent").getAsString(), "the ones silent longest were forgotten");
        assertTrue(Agents.validName("edge-1.example"));
    }
}
