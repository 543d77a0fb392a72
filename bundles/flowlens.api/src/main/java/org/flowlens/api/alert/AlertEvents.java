package org.flowlens.api.alert;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.event.Event;

/**
 * Alerts to Event Admin events and back, as {@link AlertTopics} describes them: what the alert
 * service publishes and what sinks, stores and the console read.
 */
public final class AlertEvents {
    private AlertEvents() {}

    public static String topic(Alert.State state) {
        return switch (state) {
            case RAISED -> AlertTopics.RAISED;
            case ONGOING -> AlertTopics.ONGOING;
            case RESOLVED -> AlertTopics.RESOLVED;
        };
    }

    /** The event of an alert's state, with the alert and its fields as plain properties. */
    public static Event event(Alert a) {
        return new Event(topic(a.state()), properties(a));
    }

    /** The event of an acknowledgement. */
    public static Event acknowledged(Alert a, Acknowledgement ack) {
        Map<String, Object> p = properties(a);
        p.put(AlertTopics.ACKNOWLEDGED_BY, ack.by());
        p.put(AlertTopics.ACKNOWLEDGED_NOTE, ack.note());
        p.put(AlertTopics.ACKNOWLEDGED_MILLIS, ack.millis());
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
        p.put(AlertTopics.EVIDENCE, a.evidence() == null ? List.of() : a.evidence());
        return p;
    }

    /**
     * The alert an event carries: the {@link AlertTopics#ALERT} property when it holds one, else one
     * rebuilt from the plain properties (events posted by code that does not share the type); null
     * when the event is not an alert.
     */
    @SuppressWarnings("unchecked")
    public static Alert alert(Event e) {
        Object o = e.getProperty(AlertTopics.ALERT);
        if (o instanceof Alert a) {
            return a;
        }
        try {
            Object id = e.getProperty(AlertTopics.ID);
            if (id == null) {
                return null;
            }
            Object ev = e.getProperty(AlertTopics.EVIDENCE);
            return new Alert(id.toString(), str(e, AlertTopics.DETECTOR), str(e, AlertTopics.KEY),
                    Alert.Severity.valueOf(str(e, AlertTopics.SEVERITY)), Alert.State.valueOf(str(e, AlertTopics.STATE)),
                    num(e, AlertTopics.FIRST_MILLIS).longValue(), num(e, AlertTopics.LAST_MILLIS).longValue(),
                    num(e, AlertTopics.VALUE).doubleValue(), num(e, AlertTopics.THRESHOLD).doubleValue(),
                    str(e, AlertTopics.MESSAGE), ev instanceof List<?> l ? (List<Map<String, Object>>) l : List.of());
        } catch (RuntimeException ex) {
            return null;
        }
    }

    private static String str(Event e, String name) {
        Object o = e.getProperty(name);
        return o == null ? "" : o.toString();
    }

    /** A number property, 0 when absent or not a number. */
    private static Number num(Event e, String name) {
        Object o = e.getProperty(name);
        if (o instanceof Number n) {
            return n;
        }
        if (o == null) {
            return 0;
        }
        try {
            return Double.parseDouble(o.toString());
        } catch (NumberFormatException ex) {
            return 0;
        }
    }

    /**
     * The acknowledgement an {@link AlertTopics#ACKNOWLEDGED} event carries (its time the alert's
     * last update when absent); null for other events.
     */
    public static Acknowledgement acknowledgement(Event e, Alert a) {
        if (!AlertTopics.ACKNOWLEDGED.equals(e.getTopic())) {
            return null;
        }
        Object millis = e.getProperty(AlertTopics.ACKNOWLEDGED_MILLIS);
        Object by = e.getProperty(AlertTopics.ACKNOWLEDGED_BY);
        Object note = e.getProperty(AlertTopics.ACKNOWLEDGED_NOTE);
        return new Acknowledgement(by == null ? "" : by.toString(), note == null ? "" : note.toString(),
                millis instanceof Number n ? n.longValue() : a.lastMillis());
    }
}
