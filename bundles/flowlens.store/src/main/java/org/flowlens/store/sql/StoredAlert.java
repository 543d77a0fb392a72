package org.flowlens.store.sql;

import org.flowlens.api.alert.Acknowledgement;
import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEvents;
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
        Alert a = AlertEvents.alert(e);
        if (a == null || a.id() == null || a.id().isEmpty()) {
            return null;
        }
        Acknowledgement ack = AlertEvents.acknowledgement(e, a);
        return new StoredAlert(event, ack == null ? a.lastMillis() : ack.millis(), sequence, a, ack);
    }
}
