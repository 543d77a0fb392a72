package org.flowlens.store.sql;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertTopics;
import org.osgi.service.event.Event;

/** Alert events as detectors and the alert service publish them on Event Admin. */
public final class Alerts {
    private Alerts() {}

    public static Alert alert(String id, String detector, String key, Alert.State state, long first, long last, double value) {
        List<Map<String, Object>> evidence = List.of(Map.of("address", key, "ports", 1200L + (long) value),
                Map.of("address", "192.0.2.99", "share", 0.25));
        return new Alert(id, detector, key, Alert.Severity.WARNING, state, first, last, value, 100,
                detector + " on " + key + ": it's \"odd\" \\ n\u00e4me", evidence);
    }

    public static Event event(Alert a) {
        String topic = switch (a.state()) {
            case RAISED -> AlertTopics.RAISED;
            case ONGOING -> AlertTopics.ONGOING;
            case RESOLVED -> AlertTopics.RESOLVED;
        };
        return new Event(topic, properties(a));
    }

    /** An event with the plain properties only, as publishers that do not share the type post them. */
    public static Event plainEvent(Alert a) {
        Map<String, Object> p = properties(a);
        p.remove(AlertTopics.ALERT);
        return new Event(event(a).getTopic(), p);
    }

    public static Event acknowledged(Alert a, String by, String note, long millis) {
        Map<String, Object> p = properties(a);
        p.put(AlertTopics.ACKNOWLEDGED_BY, by);
        p.put(AlertTopics.ACKNOWLEDGED_NOTE, note);
        p.put(AlertTopics.ACKNOWLEDGED_MILLIS, millis);
        return new Event(AlertTopics.ACKNOWLEDGED, p);
    }

    private static Map<String, Object> properties(Alert a) {
        Map<String, Object> p = new HashMap<>();
        p.put(AlertTopics.ALERT, a);
        p.put(AlertTopics.ID, a.id());
        p.put(AlertTopics.DETECTOR, a.detector());
        p.put(AlertTopics.KEY, a.key());
        p.put(AlertTopics.SEVERITY, a.severity().name());
        p.put(AlertTopics.STATE, a.state().name());
        p.put(AlertTopics.FIRST_MILLIS, a.firstMillis());
        p.put(AlertTopics.LAST_MILLIS, a.lastMillis());
        p.put(AlertTopics.VALUE, a.value());
        p.put(AlertTopics.THRESHOLD, a.threshold());
        p.put(AlertTopics.MESSAGE, a.message());
        p.put(AlertTopics.EVIDENCE, a.evidence());
        return p;
    }
}
