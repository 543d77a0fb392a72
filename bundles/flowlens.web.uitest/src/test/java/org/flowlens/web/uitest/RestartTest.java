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
 * goes on from them, with the same start of counting and the flows counted before; the detectors
 * and the alert service save and restore theirs alike.
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

    private boolean logged(String line) {
        try {
            return flowlens.log().contains(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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
        assertEquals(200, flowlens.status("/api/alerts"), "the alert list, as the console shows it");

        int exit = flowlens.stop();
        String log = flowlens.log();
        assertTrue(log.contains("Stopping: the process was asked to end"), "SIGTERM stops the framework in order (exit " + exit + ")");
        assertTrue(log.contains("Aggregates saved for the next start"), "the aggregator saved its windows");
        assertTrue(log.contains("Detector portscan saved"), "the detectors saved their windows");
        assertTrue(log.contains("Alert service saved"), "the alert service saved its alerts");

        flowlens.start();
        flowlens.await("the aggregator again", 60_000, () -> flowlens.status("/api/windows") == 200);
        assertEquals(1000, flows(), "the flows counted before the stop");
        assertEquals(since, totals().get("since_millis").getAsLong(), "counted since the first start");
        assertTrue(flowlens.get("/api/top_ips").contains("\"address\""), "the windows hold the hosts seen before the stop");
        assertTrue(flowlens.log().contains("Aggregates restored as saved at"));
        flowlens.await("the detectors going on from their saved state", 30_000,
                () -> logged("Detector portscan goes on from its saved state"));
        assertTrue(flowlens.log().contains("Alert service goes on with"), "the alert service restored its alerts");
    }
}
