package org.flowlens.detect.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.flowlens.api.alert.Alert.Severity;
import org.flowlens.api.alert.Alert.State;
import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEntry;
import org.flowlens.api.alert.AlertEvents;
import org.flowlens.api.alert.AlertTopics;
import org.flowlens.api.alert.Detector;
import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.detect.RecordingEventAdmin;
import org.flowlens.detect.TestMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.event.Event;

class AlertManagerTest {
    private final TestMetrics metrics = new TestMetrics();
    private final RecordingEventAdmin events = new RecordingEventAdmin();

    private AlertManager start(int historySize) {
        AlertManager m = new AlertManager();
        m.metrics = metrics;
        m.eventAdmin = events;
        m.clock = () -> 42_000L;
        m.activate(Configs.of(AlertManager.Config.class, Map.of("historySize", historySize)));
        return m;
    }

    private static Alert alert(String id, String detector, State state, long last) {
        return new Alert(id, detector, "k-" + id, Severity.WARNING, state, 1_000, last, 10, 5, "m " + id,
                List.of(Map.of("address", "192.0.2.1")));
    }

    @Test
    void keepsActiveAlertsAndHistoryNewestFirst() {
        AlertManager m = start(100);
        m.handleEvent(AlertEvents.event(alert("a", "portscan", State.RAISED, 1_000)));
        m.handleEvent(AlertEvents.event(alert("b", "flood", State.RAISED, 2_000)));
        m.handleEvent(AlertEvents.event(alert("a", "portscan", State.ONGOING, 3_000)));
        m.handleEvent(AlertEvents.event(alert("b", "flood", State.RESOLVED, 4_000)));

        List<AlertEntry> active = m.active();
        assertEquals(1, active.size());
        assertEquals("a", active.get(0).alert().id());
        assertEquals(State.ONGOING, active.get(0).alert().state());
        assertEquals(2, active.get(0).updates());
        assertEquals(List.of(State.RAISED, State.ONGOING), active.get(0).timeline().stream().map(Alert::state).toList());

        List<AlertEntry> history = m.history(null, 10);
        assertEquals(List.of("b", "a"), history.stream().map(e -> e.alert().id()).toList());
        assertEquals(List.of("a"), m.history("portscan", 10).stream().map(e -> e.alert().id()).toList());
        assertEquals(1, m.history("", 1).size());
        assertEquals(1.0, metrics.gauge("flowlens_alerts_active"));

        // a late ONGOING never takes a resolved alert back
        m.handleEvent(AlertEvents.event(alert("b", "flood", State.ONGOING, 3_500)));
        assertEquals(State.RESOLVED, m.get("b").orElseThrow().alert().state());
        assertEquals(1, m.active().size());
    }

    @Test
    void theTimelineKeepsTheFirstAndTheLatestEvents() {
        AlertManager m = start(100);
        m.handleEvent(AlertEvents.event(alert("a", "flood", State.RAISED, 1)));
        for (int i = 2; i <= 40; i++) {
            m.handleEvent(AlertEvents.event(alert("a", "flood", State.ONGOING, i)));
        }
        m.handleEvent(AlertEvents.event(alert("a", "flood", State.RESOLVED, 41)));
        AlertEntry e = m.get("a").orElseThrow();
        assertEquals(41, e.updates());
        assertEquals(AlertEntry.TIMELINE, e.timeline().size());
        assertEquals(State.RAISED, e.timeline().get(0).state());
        assertEquals(27, e.timeline().get(1).lastMillis());
        assertEquals(State.RESOLVED, e.timeline().get(AlertEntry.TIMELINE - 1).state());
    }

    @Test
    void acknowledgingRecordsWhoAndPublishes() {
        AlertManager m = start(100);
        m.handleEvent(AlertEvents.event(alert("a", "portscan", State.RAISED, 1_000)));
        AlertEntry e = m.acknowledge("a", "alice", "looking into it").orElseThrow();
        assertTrue(e.acknowledged());
        assertEquals("alice", e.acknowledgement().by());
        assertEquals(42_000L, e.acknowledgement().millis());
        assertTrue(m.active().get(0).acknowledged());
        assertFalse(m.acknowledge("nope", "alice", "").isPresent());
        Event ack = events.events().get(0);
        assertEquals(AlertTopics.ACKNOWLEDGED, ack.getTopic());
        assertEquals("alice", ack.getProperty(AlertTopics.ACKNOWLEDGED_BY));
        assertEquals("a", ack.getProperty(AlertTopics.ID));
        assertEquals(1, metrics.value("flowlens_alerts_acknowledged_total"));
        // the acknowledgement stays through updates
        m.handleEvent(AlertEvents.event(alert("a", "portscan", State.ONGOING, 2_000)));
        assertTrue(m.get("a").orElseThrow().acknowledged());
    }

    @Test
    void theHistoryIsBoundedAndResolvedAlertsLeaveFirst() {
        AlertManager m = start(10);
        m.handleEvent(AlertEvents.event(alert("active-0", "x", State.RAISED, 0)));
        for (int i = 1; i <= 30; i++) {
            m.handleEvent(AlertEvents.event(alert("r" + i, "x", State.RESOLVED, i)));
        }
        assertEquals(10, m.history(null, 100).size());
        assertEquals(1, m.active().size(), "the old active alert is kept while resolved ones are evicted");
        assertEquals("r30", m.history(null, 1).get(0).alert().id());
        assertEquals(21, metrics.value("flowlens_alerts_evicted_total"));
    }

    @Test
    void eventsWithPlainPropertiesOnlyAreUnderstood() {
        AlertManager m = start(100);
        Map<String, Object> p = new java.util.HashMap<>();
        p.put(AlertTopics.ID, "ext-1");
        p.put(AlertTopics.DETECTOR, "external");
        p.put(AlertTopics.KEY, "k");
        p.put(AlertTopics.SEVERITY, "CRITICAL");
        p.put(AlertTopics.STATE, "RAISED");
        p.put(AlertTopics.FIRST_MILLIS, 5L);
        p.put(AlertTopics.LAST_MILLIS, 6L);
        p.put(AlertTopics.VALUE, 3.0);
        p.put(AlertTopics.THRESHOLD, 2);
        p.put(AlertTopics.MESSAGE, "from another bundle");
        m.handleEvent(new Event(AlertTopics.RAISED, p));
        m.handleEvent(new Event(AlertTopics.RAISED, Map.of("unrelated", 1)));
        assertEquals(1, m.active().size());
        assertEquals(Severity.CRITICAL, m.active().get(0).alert().severity());
    }

    @Test
    void learnsTheActiveAlertsOfDetectorsThatStartedFirst() {
        Detector d = new Detector() {
            @Override
            public void accept(FlowBatch batch) {
            }

            @Override
            public String name() {
                return "early";
            }

            @Override
            public List<Alert> active() {
                return List.of(alert("e1", "early", State.RAISED, 1));
            }
        };
        AlertManager m = new AlertManager();
        m.metrics = metrics;
        m.addDetector(d);
        m.activate(Configs.defaults(AlertManager.Config.class));
        assertEquals(List.of("early"), m.detectors());
        assertEquals("e1", m.active().get(0).alert().id());
        m.removeDetector(d);
        assertTrue(m.detectors().isEmpty());
    }

    /** A detector holding the given alerts. */
    private static Detector holding(String name, Alert... active) {
        return new Detector() {
            @Override
            public void accept(FlowBatch batch) {
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public List<Alert> active() {
                return List.of(active);
            }
        };
    }

    @Test
    void theAlertsAndTheirAcknowledgementsSurviveAnUpdateOfTheBundle(@TempDir Path dir) throws Exception {
        AlertManager m = start(100);
        m.savedState = dir.resolve("alerts.state");
        Alert a = alert("a", "portscan", State.RAISED, 1_000);
        m.handleEvent(AlertEvents.event(a));
        m.handleEvent(AlertEvents.event(alert("a", "portscan", State.ONGOING, 2_000)));
        m.handleEvent(AlertEvents.event(alert("b", "flood", State.RAISED, 1_500)));
        m.handleEvent(AlertEvents.event(alert("c", "flood", State.RAISED, 1_600)));
        m.handleEvent(AlertEvents.event(alert("c", "flood", State.RESOLVED, 1_700)));
        m.acknowledge("a", "alice", "looking at it");
        Map<String, AlertEntry> before = m.snapshot();
        m.deactivate();

        AlertManager next = new AlertManager();
        next.metrics = metrics;
        next.eventAdmin = events;
        next.clock = () -> 50_000L;
        next.savedState = dir.resolve("alerts.state");
        // the port scan detector came back holding its alert; the flood detector no longer holds b
        next.addDetector(holding("portscan", alert("a", "portscan", State.ONGOING, 2_000)));
        next.addDetector(holding("flood"));
        next.activate(Configs.of(AlertManager.Config.class, Map.of("historySize", 100)));
        assertFalse(Files.exists(dir.resolve("alerts.state")), "used once");

        AlertEntry ea = next.get("a").orElseThrow();
        assertEquals(before.get("a"), ea, "the same entry: alert, acknowledgement, updates, timeline");
        assertEquals("alice", ea.acknowledgement().by());
        assertEquals(before.get("c"), next.get("c").orElseThrow());
        AlertEntry eb = next.get("b").orElseThrow();
        assertEquals(State.RESOLVED, eb.alert().state(), "its detector no longer holds it");
        assertTrue(eb.alert().message().startsWith("Resolved (no longer held by its detector)"), eb.alert().message());
        assertEquals(List.of("a"), next.active().stream().map(e -> e.alert().id()).toList());
        assertEquals(1.0, metrics.gauge("flowlens_alerts_active"));
        assertEquals(List.of("b", "c", "a"), next.history(null, 10).stream().map(e -> e.alert().id()).toList());
    }

    @Test
    void aDamagedSavedStateStartsEmpty(@TempDir Path dir) throws Exception {
        AlertManager m = start(100);
        m.savedState = dir.resolve("alerts.state");
        m.handleEvent(AlertEvents.event(alert("a", "portscan", State.RAISED, 1_000)));
        m.deactivate();
        byte[] saved = Files.readAllBytes(dir.resolve("alerts.state"));
        for (int cut : new int[] {2, 10, saved.length - 1}) {
            Files.write(dir.resolve("alerts.state"), java.util.Arrays.copyOf(saved, cut));
            AlertManager next = new AlertManager();
            next.metrics = metrics;
            next.savedState = dir.resolve("alerts.state");
            next.activate(Configs.defaults(AlertManager.Config.class));
            assertTrue(next.snapshot().isEmpty(), "cut at " + cut);
            assertFalse(Files.exists(dir.resolve("alerts.state")));
            next.savedState = null;
            next.deactivate();
        }
    }
}
