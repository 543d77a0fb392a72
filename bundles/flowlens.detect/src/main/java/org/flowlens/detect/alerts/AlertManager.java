package org.flowlens.detect.alerts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

import org.flowlens.api.alert.Acknowledgement;
import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEntry;
import org.flowlens.api.alert.AlertEvents;
import org.flowlens.api.alert.AlertService;
import org.flowlens.api.alert.AlertTopics;
import org.flowlens.api.alert.Detector;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.detect.engine.AlertCodec;
import org.flowlens.detect.engine.DataArea;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the alerts of every detector, in any bundle, from their Event Admin events: the active
 * ones and a bounded history (resolved alerts leave first when it is full), and lets operators
 * acknowledge them. What it keeps survives an update or restart of its bundle: it is saved to the
 * bundle's data area when the service stops and read back by the next instance; an alert kept as
 * active that its detector no longer holds when the detector comes back is resolved then.
 */
@Component(service = {AlertService.class, EventHandler.class}, configurationPid = AlertManager.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = {
            EventConstants.EVENT_TOPIC + "=" + AlertTopics.RAISED,
            EventConstants.EVENT_TOPIC + "=" + AlertTopics.ONGOING,
            EventConstants.EVENT_TOPIC + "=" + AlertTopics.RESOLVED})
@Designate(ocd = AlertManager.Config.class)
public class AlertManager implements AlertService, EventHandler {
    static final String PID = "flowlens.detect.alerts";
    private static final Logger LOG = LoggerFactory.getLogger(AlertManager.class);

    @ObjectClassDefinition(name = "Flowlens alerts",
            description = "The active alerts and their history, as the console and the REST API show them.")
    public @interface Config {
        @AttributeDefinition(name = "History size", description = "Alerts kept, active and resolved (10-1000000); "
                + "when full, the oldest resolved alert leaves first.")
        int historySize() default 1000;
    }

    private static final class Kept {
        Alert alert;
        Acknowledgement ack;
        int updates;
        final List<Alert> timeline = new ArrayList<>(4);

        Kept(Alert alert) {
            this.alert = alert;
            this.updates = 1;
            timeline.add(alert);
        }

        void add(Alert a) {
            timeline.add(a);
            if (timeline.size() > AlertEntry.TIMELINE) {
                timeline.remove(1); // the first event stays
            }
        }

        AlertEntry entry() {
            return new AlertEntry(alert, ack, updates, List.copyOf(timeline));
        }
    }

    @Reference
    Metrics metrics;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile EventAdmin eventAdmin;

    /** The clock of acknowledgements; tests replace it. */
    LongSupplier clock = System::currentTimeMillis;
    /** Where the alerts are saved when the service stops; none outside a framework unless a test sets it. */
    Path savedState;

    private static final int SAVED_ALERTS = 0x464C414C; // "FLAL"

    private final List<Detector> detectors = new CopyOnWriteArrayList<>();
    /** By id, least recently updated first. */
    private final LinkedHashMap<String, Kept> alerts = new LinkedHashMap<>();
    private int historySize = 1000;
    private int active;
    private Counter received;
    private Counter acknowledged;
    private Counter evicted;

    @Activate
    void activate(Config config) {
        received = metrics.counter("flowlens_alerts_events_total", "Alert events the alert service received");
        acknowledged = metrics.counter("flowlens_alerts_acknowledged_total", "Alerts operators acknowledged");
        evicted = metrics.counter("flowlens_alerts_evicted_total", "Alerts that left the full history");
        metrics.gauge("flowlens_alerts_active", "Alerts raised or ongoing", this::activeCount);
        metrics.gauge("flowlens_alerts_kept", "Alerts in the history, active and resolved", this::keptCount);
        if (savedState == null) {
            savedState = DataArea.file(getClass(), "alerts.state");
        }
        apply(config);
        restore();
        for (Detector d : detectors) {
            learn(d);
        }
    }

    @Modified
    void modified(Config config) {
        apply(config);
    }

    private synchronized void apply(Config config) {
        if (config.historySize() < 10 || config.historySize() > 1_000_000) {
            LOG.error("Alert history size must be 10..1000000, got {}; keeping {}", config.historySize(), historySize);
            return;
        }
        historySize = config.historySize();
        trim();
    }

    @Deactivate
    void deactivate() {
        save();
        metrics.remove("flowlens_alerts_active");
        metrics.remove("flowlens_alerts_kept");
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDetector(Detector detector) {
        detectors.add(detector);
        if (received != null) {
            learn(detector);
        }
    }

    void removeDetector(Detector detector) {
        detectors.remove(detector);
    }

    /**
     * Takes in a detector's active alerts that were raised before this service listened, and
     * resolves those kept as active for it that it no longer holds (they ended while this service
     * was not listening, or with the detector's earlier instance).
     */
    private void learn(Detector d) {
        List<Alert> list;
        String name;
        try {
            list = d.active();
            name = d.name();
        } catch (RuntimeException e) {
            LOG.warn("Detector {} could not list its active alerts", d, e);
            return;
        }
        Set<String> held = list.stream().map(Alert::id).collect(Collectors.toSet());
        long now = clock.getAsLong();
        synchronized (this) {
            for (Kept k : new ArrayList<>(alerts.values())) {
                Alert a = k.alert;
                if (a.state() != Alert.State.RESOLVED && a.detector().equals(name) && !held.contains(a.id())) {
                    alerts.remove(a.id());
                    active--;
                    k.alert = new Alert(a.id(), a.detector(), a.key(), a.severity(), Alert.State.RESOLVED, a.firstMillis(),
                            Math.max(now, a.lastMillis()), a.value(), a.threshold(),
                            "Resolved (no longer held by its detector): " + a.message(), a.evidence());
                    k.updates++;
                    k.add(k.alert);
                    put(a.id(), k);
                }
            }
            for (Alert a : list) {
                if (!alerts.containsKey(a.id())) {
                    put(a.id(), new Kept(a));
                }
            }
        }
    }

    /** Saves what is kept for the next instance; the file is used once. */
    private synchronized void save() {
        if (savedState == null) {
            return;
        }
        try {
            DataArea.write(savedState, out -> {
                out.writeInt(SAVED_ALERTS);
                out.writeInt(alerts.size());
                for (Kept k : alerts.values()) {
                    AlertCodec.writeAlert(out, k.alert);
                    AlertCodec.writeAcknowledgement(out, k.ack);
                    out.writeInt(k.updates);
                    out.writeInt(k.timeline.size());
                    for (Alert a : k.timeline) {
                        AlertCodec.writeAlert(out, a);
                    }
                }
            });
            LOG.info("Alert service saved {} alerts for its next start", alerts.size());
        } catch (IOException | RuntimeException e) {
            LOG.warn("Alert service could not save its alerts to {}; the next start begins with none: {}", savedState,
                    e.toString());
        }
    }

    /** Goes on with the alerts a previous instance saved. */
    private synchronized void restore() {
        try {
            DataArea.readOnce(savedState, (in, size) -> {
                if (in.readInt() != SAVED_ALERTS) {
                    throw new IOException("not saved alerts");
                }
                int n = AlertCodec.count(in, 1_000_000, "alerts");
                List<Kept> read = new ArrayList<>();
                Set<String> ids = new HashSet<>();
                for (int i = 0; i < n; i++) {
                    Kept k = new Kept(AlertCodec.readAlert(in));
                    k.ack = AlertCodec.readAcknowledgement(in);
                    k.updates = in.readInt();
                    int t = AlertCodec.count(in, AlertEntry.TIMELINE, "timeline events");
                    k.timeline.clear();
                    for (int j = 0; j < t; j++) {
                        k.timeline.add(AlertCodec.readAlert(in));
                    }
                    if (!ids.add(k.alert.id())) {
                        throw new IOException("not saved alerts: " + k.alert.id() + " twice");
                    }
                    read.add(k);
                }
                for (Kept k : read) {
                    put(k.alert.id(), k);
                }
                LOG.info("Alert service goes on with {} saved alerts, {} active", read.size(), active);
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("Alert service did not restore its saved alerts from {}, starting with none: {}", savedState,
                    e.toString());
        }
    }

    @Override
    public void handleEvent(Event event) {
        Alert a = AlertEvents.alert(event);
        if (a == null) {
            return;
        }
        received.increment();
        synchronized (this) {
            Kept k = alerts.remove(a.id());
            if (k == null) {
                k = new Kept(a);
            } else {
                if (k.alert.state() != Alert.State.RESOLVED) {
                    active--;
                }
                // an event that arrives late never takes an alert back in time
                if (a.lastMillis() >= k.alert.lastMillis() || a.state() == Alert.State.RESOLVED) {
                    k.alert = a;
                }
                k.updates++;
                k.add(a);
            }
            put(a.id(), k);
        }
    }

    private void put(String id, Kept k) {
        alerts.put(id, k);
        if (k.alert.state() != Alert.State.RESOLVED) {
            active++;
        }
        trim();
    }

    private void trim() {
        while (alerts.size() > historySize) {
            Iterator<Kept> it = alerts.values().iterator();
            Kept victim = null;
            while (it.hasNext()) {
                Kept k = it.next();
                if (k.alert.state() == Alert.State.RESOLVED) {
                    victim = k;
                    it.remove();
                    break;
                }
            }
            if (victim == null) {
                Iterator<Kept> first = alerts.values().iterator();
                first.next();
                first.remove();
                active--;
            }
            evicted.increment();
        }
    }

    @Override
    public synchronized List<AlertEntry> active() {
        List<AlertEntry> out = new ArrayList<>(active);
        for (Kept k : alerts.values()) {
            if (k.alert.state() != Alert.State.RESOLVED) {
                out.add(k.entry());
            }
        }
        Collections.reverse(out);
        return out;
    }

    @Override
    public synchronized List<AlertEntry> history(String detector, int limit) {
        List<AlertEntry> out = new ArrayList<>();
        if (limit <= 0) {
            return out;
        }
        List<Kept> all = new ArrayList<>(alerts.values());
        for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
            Kept k = all.get(i);
            if (detector == null || detector.isEmpty() || detector.equals(k.alert.detector())) {
                out.add(k.entry());
            }
        }
        return out;
    }

    @Override
    public synchronized Optional<AlertEntry> get(String id) {
        Kept k = id == null ? null : alerts.get(id);
        return k == null ? Optional.empty() : Optional.of(k.entry());
    }

    @Override
    public Optional<AlertEntry> acknowledge(String id, String by, String note) {
        Acknowledgement ack = new Acknowledgement(by == null || by.isBlank() ? "unknown" : by.trim(),
                note == null ? "" : note.trim(), clock.getAsLong());
        Alert a;
        AlertEntry entry;
        synchronized (this) {
            Kept k = id == null ? null : alerts.get(id);
            if (k == null) {
                return Optional.empty();
            }
            k.ack = ack;
            a = k.alert;
            entry = k.entry();
        }
        acknowledged.increment();
        LOG.info("Alert {} ({} {}) acknowledged by {}{}", id, a.detector(), a.key(), ack.by(),
                ack.note().isEmpty() ? "" : ": " + ack.note());
        EventAdmin ea = eventAdmin;
        if (ea != null) {
            ea.postEvent(AlertEvents.acknowledged(a, ack));
        }
        return Optional.of(entry);
    }

    @Override
    public List<String> detectors() {
        List<String> names = new ArrayList<>();
        for (Detector d : detectors) {
            try {
                names.add(d.name());
            } catch (RuntimeException e) {
                LOG.debug("Detector {} has no name", d, e);
            }
        }
        Collections.sort(names);
        return names;
    }

    private synchronized double activeCount() {
        return active;
    }

    private synchronized double keptCount() {
        return alerts.size();
    }

    /** For tests: the alerts kept, least recently updated first. */
    synchronized Map<String, AlertEntry> snapshot() {
        Map<String, AlertEntry> m = new LinkedHashMap<>();
        alerts.forEach((id, k) -> m.put(id, k.entry()));
        return m;
    }
}
