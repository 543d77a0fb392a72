package org.flowlens.web.uitest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The runtime jar stopped as {@code systemctl stop} stops it (SIGTERM) and started again in the same
 * directory: the framework stops in order, so the aggregator saves its windows and the next start
 * goes on from them, with the same start of counting and the flows counted before.
 */
class RestartTest {
    private FlowlensProcess flowlens;

    @AfterEach
    void stop() throws Exception {
        if (flowlens != null) {
            flowlens.stop();
        }
    }

    private JsonObject totals() {
        String body = flowlens.get("/api/windows");
        return body.isEmpty() ? new JsonObject() : JsonParser.parseString(body).getAsJsonObject().getAsJsonObject("totals");
    }

    private long flows() {
        JsonObject t = totals();
        return t.has("flows") ? t.get("flows").getAsLong() : -1;
    }

    @Test
    void aStoppedRuntimeGoesOnFromItsWindowsWhenStartedAgain() throws Exception {
        flowlens = new FlowlensProcess("restart");
        flowlens.start();
        flowlens.await("the aggregator", 60_000, () -> flowlens.status("/api/windows") == 200);
        for (int i = 0; i < 4; i++) {
            assertEquals(200, flowlens.post("/ingest", Traffic.batch(250, i).toString()).statusCode());
        }
        flowlens.await("1,000 flows counted", 30_000, () -> flows() == 1000);
        long since = totals().get("since_millis").getAsLong();

        int exit = flowlens.stop();
        String log = flowlens.log();
        assertTrue(log.contains("Stopping: the process was asked to end"), "SIGTERM stops the framework in order (exit " + exit + ")");
        assertTrue(log.contains("Aggregates saved for the next start"), "the aggregator saved its windows");

        flowlens.start();
        flowlens.await("the aggregator again", 60_000, () -> flowlens.status("/api/windows") == 200);
        assertEquals(1000, flows(), "the flows counted before the stop");
        assertEquals(since, totals().get("since_millis").getAsLong(), "counted since the first start");
        assertTrue(flowlens.get("/api/top_ips").contains("\"address\""), "the windows hold the hosts seen before the stop");
        assertTrue(flowlens.log().contains("Aggregates restored as saved at"));
    }
}
