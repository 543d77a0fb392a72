package org.flowlens.detect.engine;

import org.flowlens.api.alert.Alert.Severity;

/**
 * The settings every detector shares, parsed and checked.
 *
 * @param enabled whether the detector reads records and evaluates
 * @param windowMillis the sliding window its measure covers
 * @param criticalFactor a value at or above threshold × factor is CRITICAL (0: never)
 * @param allowCidrs records from or to these networks are ignored
 * @param allowPorts records from or to these ports are ignored
 * @param lifecycle quiet period, cool-down, update interval, most active alerts
 * @param evaluationMillis how often the detector evaluates
 * @param maxKeys the most keys (hosts, pairs) it tracks at once
 */
public record Common(boolean enabled, long windowMillis, double criticalFactor, AddressSet allowCidrs,
        PortSet allowPorts, AlertTracker.Settings lifecycle, long evaluationMillis, int maxKeys) {

    /**
     * @throws IllegalArgumentException naming the first value out of range
     */
    public static Common parse(boolean enabled, String window, double criticalFactor, String[] allowCidrs,
            String[] allowPorts, String quietPeriod, String cooldown, String updateInterval, String evaluationInterval,
            int maxKeys, int maxActiveAlerts) {
        long w = Units.millis(window, "window");
        if (w < 1000 || w > 86_400_000L) {
            throw new IllegalArgumentException("window must be 1s..1d: " + window);
        }
        if (!(criticalFactor == 0 || criticalFactor >= 1) || Double.isNaN(criticalFactor)) {
            throw new IllegalArgumentException("criticalFactor must be 0 (off) or at least 1: " + criticalFactor);
        }
        long quiet = Units.millis(quietPeriod, "quietPeriod");
        long cool = cooldown == null || cooldown.isBlank() || cooldown.trim().equals("0") ? 0
                : Units.millis(cooldown, "cooldown");
        long update = Units.millis(updateInterval, "updateInterval");
        long eval = Units.millis(evaluationInterval, "evaluationInterval");
        if (eval < 100 || eval > 60_000) {
            throw new IllegalArgumentException("evaluationInterval must be 100ms..60s: " + evaluationInterval);
        }
        if (maxKeys < 16 || maxKeys > 4_194_304) {
            throw new IllegalArgumentException("maxKeys must be 16..4194304: " + maxKeys);
        }
        if (maxActiveAlerts < 1 || maxActiveAlerts > 100_000) {
            throw new IllegalArgumentException("maxActiveAlerts must be 1..100000: " + maxActiveAlerts);
        }
        return new Common(enabled, w, criticalFactor, AddressSet.parse(allowCidrs), PortSet.parse(allowPorts),
                new AlertTracker.Settings(quiet, cool, update, maxActiveAlerts), eval, maxKeys);
    }

    /** WARNING at the threshold, CRITICAL at threshold × criticalFactor. */
    public Severity severity(double value, double threshold) {
        return criticalFactor > 0 && value >= threshold * criticalFactor ? Severity.CRITICAL : Severity.WARNING;
    }
}
