package org.flowlens.detect.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;

import org.flowlens.api.alert.Acknowledgement;
import org.flowlens.api.alert.Alert.Severity;
import org.flowlens.api.alert.Alert.State;
import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEvents;
import org.flowlens.api.config.Configs;
import org.junit.jupiter.api.Test;

class LogSinkTest {
    private static Alert alert(Severity severity, State state) {
        return new Alert("portscan-1-2", "portscan", "10.0.0.66", severity, state, 1, 2, 150, 100,
                "10.0.0.66 probed 150 distinct ports", List.of());
    }

    @Test
    void linesAndFilters() {
        LogSink s = new LogSink();
        s.activate(Configs.of(LogSink.Config.class, Map.of("minSeverity", "WARNING", "states", new String[] {"RAISED,RESOLVED,ACKNOWLEDGED"})));
        assertEquals("Alert RAISED [WARNING] portscan 10.0.0.66: 10.0.0.66 probed 150 distinct ports (value 150, "
                + "threshold 100, id portscan-1-2)", s.line(AlertEvents.event(alert(Severity.WARNING, State.RAISED))));
        assertNull(s.line(AlertEvents.event(alert(Severity.INFO, State.RAISED))), "under the lowest severity");
        assertNull(s.line(AlertEvents.event(alert(Severity.WARNING, State.ONGOING))), "state not listed");
        String ack = s.line(AlertEvents.acknowledged(alert(Severity.CRITICAL, State.ONGOING), new Acknowledgement("bob", "", 3)));
        assertEquals("Alert ACKNOWLEDGED by bob [CRITICAL] portscan 10.0.0.66: 10.0.0.66 probed 150 distinct ports "
                + "(value 150, threshold 100, id portscan-1-2)", ack);
        s.modified(Configs.of(LogSink.Config.class, Map.of("enabled", false)));
        assertNull(s.line(AlertEvents.event(alert(Severity.CRITICAL, State.RAISED))));
        // an invalid change keeps the last good one
        s.modified(Configs.of(LogSink.Config.class, Map.of("minSeverity", "LOUD")));
        assertNull(s.line(AlertEvents.event(alert(Severity.CRITICAL, State.RAISED))));
    }
}
