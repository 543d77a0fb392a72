package org.flowlens.store.sql;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.flowlens.api.alert.Acknowledgement;
import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEvents;
import org.flowlens.api.alert.AlertTopics;
import org.osgi.service.event.Event;

/** Alerts for the store tests, and their events as the alert service publishes them ({@link AlertEvents}). */
public final class Alerts {
    private Alerts() {}

    public static Alert alert(String id, String detector, String key, Alert.State state, long first, long last, double value) {
        List<Map<String, Object>> evidence = List.of(Map.of("address", key, "ports", 1200L + (long) value),
                Map.of("address", "192.0.2.99", "share", 0.25));
        return new Alert(id, detector, key, Alert.Severity.WARNING, state, first, last, value, 100,
                detector + " on " + key + ": it's \"odd\" \\ n\u00e4me", evidence);
    }

    public static Event event(Alert a) {
        return AlertEvents.event(a);
    }

    /** An event with the plain properties only, as publishers that do not share the type post them. */
    public static Event plainEvent(Alert a) {
        Event e = AlertEvents.event(a);
        Map<String, Object> p = new HashMap<>();
        for (String name : e.getPropertyNames()) {
            if (!name.equals(AlertTopics.ALERT) && !name.equals("event.topics")) {
                p.put(name, e.getProperty(name));
            }
        }
        return new Event(e.getTopic(), p);
    }

    public static Event acknowledged(Alert a, String by, String note, long millis) {
        return AlertEvents.acknowledged(a, new Acknowledgement(by, note, millis));
    }
}
