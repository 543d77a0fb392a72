package org.flowlens.detect.alerts;

import java.util.Map;

import org.flowlens.api.alert.Detector;
import org.flowlens.api.config.Configs;
import org.flowlens.api.metrics.Metrics;
import org.osgi.service.event.EventAdmin;

/** Starts an alert manager for tests in other packages, as DS would. */
public final class AlertManagerAccess {
    private AlertManagerAccess() {}

    public static AlertManager start(Metrics metrics, EventAdmin events, int historySize) {
        AlertManager m = new AlertManager();
        m.metrics = metrics;
        m.eventAdmin = events;
        m.activate(Configs.of(AlertManager.Config.class, Map.of("historySize", historySize)));
        return m;
    }

    public static void bind(AlertManager m, Detector d) {
        m.addDetector(d);
    }
}
