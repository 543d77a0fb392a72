package org.flowlens.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEvents;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventHandler;

/**
 * Event Admin for tests: records every event and hands it to the registered handlers on the
 * posting thread, so a test sees the effect of an event as soon as the call returns.
 */
public final class RecordingEventAdmin implements EventAdmin {
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<EventHandler> handlers = new CopyOnWriteArrayList<>();

    public void handler(EventHandler h) {
        handlers.add(h);
    }

    @Override
    public void postEvent(Event event) {
        sendEvent(event);
    }

    @Override
    public void sendEvent(Event event) {
        events.add(event);
        for (EventHandler h : handlers) {
            h.handleEvent(event);
        }
    }

    public List<Event> events() {
        return new ArrayList<>(events);
    }

    /** The alerts of all events, in order. */
    public List<Alert> alerts() {
        List<Alert> out = new ArrayList<>();
        for (Event e : events) {
            Alert a = AlertEvents.alert(e);
            if (a != null) {
                out.add(a);
            }
        }
        return out;
    }

    public List<Alert> alerts(Predicate<Alert> p) {
        return alerts().stream().filter(p).toList();
    }

    public List<Alert> alerts(Alert.State state) {
        return alerts(a -> a.state() == state);
    }

    public void clear() {
        events.clear();
    }
}
