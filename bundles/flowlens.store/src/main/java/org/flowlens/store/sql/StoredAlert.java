package org.flowlens.store.sql;

import java.util.List;
import java.util.Map;

import org.flowlens.api.alert.Acknowledgement;
import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertTopics;
import org.osgi.service.event.Event;

/**
 * One alert event as the store keeps it: a state change (raised, ongoing, resolved) or an
 * acknowledgement, with the alert as it was then.
 *
 * @param event {@code RAISED}, {@code ONGOING}, {@code RESOLVED} or {@code ACKNOWLEDGED}
 * @param eventMillis when it happened: the alert's last update, or the acknowledgement's time
 * @param sequence orders events of the same millisecond as they arrived
 * @param alert the alert as published with the event
 * @param acknowledgement on {@code ACKNOWLEDGED} events, otherwise null
 */
public record StoredAlert(String event, long eventMillis, long sequence, Alert alert, Acknowledgement acknowledgement) {
    public static final String ACKNOWLEDGED = "ACKNOWLEDGED";

    /**
     * The stored form of an Event Admin alert event: the {@link AlertTopics#ALERT} property when it
     * holds an {@link Alert}, else the alert rebuilt from the plain properties (publishers that do
     * not share the type); null when the event is not an alert event.
     */
    public static StoredAlert of(Event e, long sequence) {
        String topic = e.getTopic();
        String event;
        if (AlertTopics.RAISED.equals(topic)) {
            event = Alert.State.RAISED.name();
        } else if (AlertTopics.ONGOING.equals(topic)) {
            event = Alert.State.ONGOING.name();
        } else if (AlertTopics.RESOLVED.equals(topic)) {
            event = Alert.State.RESOLVED.name();
        } else if (AlertTopics.ACKNOWLEDGED.equals(topic)) {
            event = ACKNOWLEDGED;
        } else {
            return null;
        }
        Alert a = alert(e);
        if (a == null || a.id() == null || a.id().isEmpty()) {
            return null;
        }
        if (event.equals(ACKNOWLEDGED)) {
            Number millis = number(e.getProperty(AlertTopics.ACKNOWLEDGED_MILLIS));
            long at = millis == null ? a.lastMillis() : millis.longValue();
            Object by = e.getProperty(AlertTopics.ACKNOWLEDGED_BY);
            Object note = e.getProperty(AlertTopics.ACKNOWLEDGED_NOTE);
            return new StoredAlert(event, at, sequence, a,
                    new Acknowledgement(by == null ? "" : by.toString(), note == null ? "" : note.toString(), at));
        }
        return new StoredAlert(event, a.lastMillis(), sequence, a, null);
    }

    @SuppressWarnings("unchecked")
    private static Alert alert(Event e) {
        if (e.getProperty(AlertTopics.ALERT) instanceof Alert a) {
            return a;
        }
        try {
            Object id = e.getProperty(AlertTopics.ID);
            if (id == null) {
                return null;
            }
            Number first = number(e.getProperty(AlertTopics.FIRST_MILLIS));
            Number last = number(e.getProperty(AlertTopics.LAST_MILLIS));
            Number value = number(e.getProperty(AlertTopics.VALUE));
            Number threshold = number(e.getProperty(AlertTopics.THRESHOLD));
            Object evidence = e.getProperty(AlertTopics.EVIDENCE);
            return new Alert(id.toString(), text(e, AlertTopics.DETECTOR), text(e, AlertTopics.KEY),
                    Alert.Severity.valueOf(text(e, AlertTopics.SEVERITY)), Alert.State.valueOf(text(e, AlertTopics.STATE)),
                    first == null ? 0 : first.longValue(), last == null ? 0 : last.longValue(),
                    value == null ? 0 : value.doubleValue(), threshold == null ? 0 : threshold.doubleValue(),
                    text(e, AlertTopics.MESSAGE), evidence instanceof List<?> l ? (List<Map<String, Object>>) l : List.of());
        } catch (IllegalArgumentException ex) {
            return null; // an unknown severity or state
        }
    }

    private static String text(Event e, String name) {
        Object o = e.getProperty(name);
        return o == null ? "" : o.toString();
    }

    private static Number number(Object o) {
        if (o instanceof Number n) {
            return n;
        }
        if (o == null) {
            return null;
        }
        try {
            return Double.parseDouble(o.toString());
        } catch (NumberFormatException ex) {
            return null;
        }
    }
}
