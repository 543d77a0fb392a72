package org.flowlens.api.alert;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The alerts of every detector as operators see them: those active now, the recent history
 * (bounded), and acknowledgements. It learns alerts from the {@link AlertTopics} events, so alerts
 * of detectors in any bundle appear. The web console and the REST API read it; sinks subscribe to
 * the events instead.
 */
@ProviderType
public interface AlertService {
    /** Alerts raised or ongoing, most recently updated first. */
    List<AlertEntry> active();

    /**
     * The most recent alerts in any state, most recently updated first.
     *
     * @param detector only this detector's alerts; null or empty for all
     * @param limit at most this many (the service keeps a bounded history)
     */
    List<AlertEntry> history(String detector, int limit);

    /** One alert by its {@link Alert#id()}, while it is still in the history. */
    Optional<AlertEntry> get(String id);

    /**
     * Acknowledges an alert: records who and why and publishes an {@link AlertTopics#ACKNOWLEDGED}
     * event. Acknowledging again replaces the earlier acknowledgement.
     *
     * @return the updated entry, or empty when no alert has that id
     */
    Optional<AlertEntry> acknowledge(String id, String by, String note);

    /** Names of the detectors running now (registered {@link Detector} services). */
    List<String> detectors();
}
