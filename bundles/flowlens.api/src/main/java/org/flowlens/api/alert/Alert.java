package org.flowlens.api.alert;

import java.util.List;
import java.util.Map;

/**
 * An alert as detectors publish it on the Event Admin topics of {@link AlertTopics}.
 *
 * @param id stable id of this alert instance (detector + key + first seen)
 * @param detector the detector's name, e.g. {@code portscan}
 * @param key what the alert is about, e.g. the source address
 * @param severity its severity
 * @param state where it is in its lifecycle
 * @param firstMillis when it was raised, epoch milliseconds
 * @param lastMillis when it was last updated
 * @param value the measured value that crossed the threshold
 * @param threshold the threshold in force
 * @param message a sentence for people
 * @param evidence top contributors, name → value
 */
public record Alert(String id, String detector, String key, Severity severity, State state, long firstMillis,
        long lastMillis, double value, double threshold, String message, List<Map<String, Object>> evidence) {

    public enum Severity { INFO, WARNING, CRITICAL }

    public enum State { RAISED, ONGOING, RESOLVED }
}
