package org.flowlens.detect.sink;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertTopics;
import org.flowlens.detect.engine.Units;

/**
 * Which alert events a sink passes on: the states (and acknowledgements), the lowest severity, and
 * optionally only some detectors.
 */
final class SinkFilter {
    private final EnumSet<Alert.State> states;
    private final boolean acknowledgements;
    private final Alert.Severity minSeverity;
    private final Set<String> detectors;

    private SinkFilter(EnumSet<Alert.State> states, boolean acknowledgements, Alert.Severity minSeverity,
            Set<String> detectors) {
        this.states = states;
        this.acknowledgements = acknowledgements;
        this.minSeverity = minSeverity;
        this.detectors = detectors;
    }

    /**
     * @param states RAISED, ONGOING, RESOLVED, ACKNOWLEDGED (any case, comma separated allowed)
     * @throws IllegalArgumentException naming what is not a state or severity
     */
    static SinkFilter parse(String[] states, String minSeverity, String[] detectors) {
        EnumSet<Alert.State> s = EnumSet.noneOf(Alert.State.class);
        boolean acks = false;
        for (String v : Units.split(states)) {
            String u = v.toUpperCase(Locale.ROOT);
            if (u.equals("ACKNOWLEDGED")) {
                acks = true;
                continue;
            }
            try {
                s.add(Alert.State.valueOf(u));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not an alert state: " + v + " (RAISED, ONGOING, RESOLVED, ACKNOWLEDGED)");
            }
        }
        Alert.Severity sev;
        try {
            sev = Alert.Severity.valueOf(minSeverity.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a severity: " + minSeverity + " (INFO, WARNING, CRITICAL)");
        }
        return new SinkFilter(s, acks, sev, new HashSet<>(Units.split(detectors)));
    }

    boolean accepts(String topic, Alert a) {
        if (a.severity().ordinal() < minSeverity.ordinal()) {
            return false;
        }
        if (!detectors.isEmpty() && !detectors.contains(a.detector())) {
            return false;
        }
        if (AlertTopics.ACKNOWLEDGED.equals(topic)) {
            return acknowledgements;
        }
        return states.contains(a.state());
    }
}
