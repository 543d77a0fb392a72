package org.flowlens.detect.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.Alert.Severity;
import org.flowlens.api.alert.Alert.State;
import org.flowlens.detect.TestMetrics;
import org.junit.jupiter.api.Test;

class AlertTrackerTest {
    private final TestMetrics metrics = new TestMetrics();
    private final List<Alert> out = new ArrayList<>();

    private AlertTracker tracker(long quiet, long cooldown, long update, int maxActive) {
        return new AlertTracker("test", new AlertTracker.Settings(quiet, cooldown, update, maxActive), out::add,
                metrics.counter("raised", ""), metrics.counter("resolved", ""), metrics.counter("cooldown", ""),
                metrics.counter("limit", ""));
    }

    private static Explanation says(String text) {
        return new Explanation() {
            @Override
            public String message() {
                return text;
            }

            @Override
            public List<Map<String, Object>> evidence() {
                return List.of(Map.of("address", "192.0.2.1", "bytes", 10L));
            }
        };
    }

    @Test
    void raisedOngoingResolvedThenCooledDown() {
        AlertTracker t = tracker(3_000, 10_000, 5_000, 10);
        long now = 1_000_000;
        for (int s = 0; s < 12; s++, now += 1000) {
            t.hit(now, "k", 100 + s, 50, s < 8 ? Severity.WARNING : Severity.CRITICAL, says("m" + s));
            t.sweep(now);
        }
        // raised at 0, updated at 5 s, escalated at 8 s, updated 5 s later would be 13 s
        assertEquals(List.of(State.RAISED, State.ONGOING, State.ONGOING), out.stream().map(Alert::state).toList());
        assertEquals(Severity.CRITICAL, out.get(2).severity());
        assertEquals("m8", out.get(2).message());
        assertEquals(1, t.active(now).size());
        assertEquals(111, t.active(now).get(0).value());

        // the last hit was at now - 1 s
        for (int s = 0; s < 2; s++, now += 1000) {
            t.sweep(now);
        }
        assertEquals(3, out.size(), "quiet for less than 3 s");
        t.sweep(now);
        assertEquals(State.RESOLVED, out.get(3).state());
        assertEquals(111, out.get(3).value(), "the peak");
        assertTrue(out.get(3).message().startsWith("Resolved (below the threshold for 3 s; peak 111): m8"));
        assertEquals(out.get(0).id(), out.get(3).id());
        assertEquals(0, t.activeCount());

        long resolvedAt = now;
        t.hit(now + 5_000, "k", 100, 50, Severity.WARNING, says("again"));
        assertEquals(4, out.size(), "cooling down");
        assertEquals(1, metrics.value("cooldown"));
        t.sweep(resolvedAt + 10_000);
        t.hit(resolvedAt + 10_000, "k", 100, 50, Severity.WARNING, says("again"));
        assertEquals(State.RAISED, out.get(4).state());
        assertNotEquals(out.get(0).id(), out.get(4).id());
        assertEquals(2, metrics.value("raised"));
        assertEquals(1, metrics.value("resolved"));
    }

    @Test
    void theMostActiveAlertsAreBounded() {
        AlertTracker t = tracker(3_000, 0, 5_000, 2);
        t.hit(0, "a", 1, 1, Severity.WARNING, says("a"));
        t.hit(0, "b", 1, 1, Severity.WARNING, says("b"));
        t.hit(0, "c", 1, 1, Severity.WARNING, says("c"));
        assertEquals(2, t.activeCount());
        assertEquals(1, metrics.value("limit"));
        t.resolveAll(10, "stopped");
        assertEquals(List.of(State.RAISED, State.RAISED, State.RESOLVED, State.RESOLVED),
                out.stream().map(Alert::state).toList());
        assertTrue(out.get(3).message().contains("stopped"));
    }

    @Test
    void idsAreStableAndSafeInUrls() {
        String a = AlertTracker.id("bandwidth-subnet", "10.0.0.0/24", 1_700_000_000_000L);
        assertEquals(a, AlertTracker.id("bandwidth-subnet", "10.0.0.0/24", 1_700_000_000_000L));
        assertNotEquals(a, AlertTracker.id("bandwidth-subnet", "10.0.1.0/24", 1_700_000_000_000L));
        assertTrue(a.matches("[A-Za-z0-9._-]+"), a);
        assertTrue(AlertTracker.id("a b/c", "2001:db8::1 syn", 1).matches("[A-Za-z0-9._-]+"));
    }
}
