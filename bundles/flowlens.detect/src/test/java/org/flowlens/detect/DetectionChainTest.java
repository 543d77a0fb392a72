package org.flowlens.detect;

import static org.flowlens.detect.Flows.syn;
import static org.flowlens.detect.Flows.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEntry;
import org.flowlens.api.alert.AlertTopics;
import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.detect.alerts.AlertManagerAccess;
import org.junit.jupiter.api.Test;

/** Detectors, Event Admin, the alert service and the log sink together, as wired in the runtime. */
class DetectionChainTest {
    @Test
    void alertsFlowFromDetectorsToTheAlertServiceAndBack() {
        Harness h = new Harness();
        var manager = AlertManagerAccess.start(h.metrics, h.events, 500);
        h.events.handler(manager);
        PortScanDetector scans = h.wire(new PortScanDetector());
        scans.activate(Configs.of(PortScanDetector.Config.class, Map.of("window", "10s", "quietPeriod", "5s")));
        FloodDetector floods = h.wire(new FloodDetector());
        floods.activate(Configs.defaults(FloodDetector.Config.class));
        AlertManagerAccess.bind(manager, scans);
        AlertManagerAccess.bind(manager, floods);

        FlowBatch b = new FlowBatch();
        for (int p = 1; p <= 200; p++) {
            syn(b, v4("10.0.0.66"), v4("10.0.0.5"), 40000, p);
        }
        scans.accept(b);
        floods.accept(b);
        h.ticker.advance(1_000);

        List<AlertEntry> active = manager.active();
        assertEquals(1, active.size());
        Alert a = active.get(0).alert();
        assertEquals("portscan", a.detector());
        assertEquals(List.of("flood", "portscan"), manager.detectors());

        manager.acknowledge(a.id(), "alice", "known pentest");
        assertEquals(AlertTopics.ACKNOWLEDGED, h.events.events().get(h.events.events().size() - 1).getTopic());
        assertTrue(manager.get(a.id()).orElseThrow().acknowledged());

        h.ticker.advance(20_000);
        assertTrue(manager.active().isEmpty());
        AlertEntry done = manager.history("portscan", 5).get(0);
        assertEquals(Alert.State.RESOLVED, done.alert().state());
        assertEquals("alice", done.acknowledgement().by(), "the acknowledgement outlives the alert");
        scans.deactivate(Harness.DISABLED);
        floods.deactivate(Harness.DISABLED);
    }
}
