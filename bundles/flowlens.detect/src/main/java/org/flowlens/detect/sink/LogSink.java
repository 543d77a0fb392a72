package org.flowlens.detect.sink;

import java.util.Map;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEvents;
import org.flowlens.api.alert.AlertTopics;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.detect.engine.Units;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes alert events to the log (logger {@code flowlens.alerts}): raised alerts as warnings,
 * critical ones as errors, the rest as information.
 */
@Component(service = {EventHandler.class, ConfigurationCheck.class}, configurationPid = LogSink.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {EventConstants.EVENT_TOPIC + "=" + AlertTopics.ALL, ConfigurationCheck.PID + "=" + LogSink.PID})
@Designate(ocd = LogSink.Config.class)
public class LogSink implements EventHandler, ConfigurationCheck {
    static final String PID = "flowlens.detect.logsink";
    private static final Logger LOG = LoggerFactory.getLogger(LogSink.class);

    @ObjectClassDefinition(name = "Flowlens alert log", description = "Writes alerts to the log (logger flowlens.alerts).")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Switches the log of alerts on or off live.")
        boolean enabled() default true;

        @AttributeDefinition(name = "States", description = "Which events to log: RAISED, ONGOING, RESOLVED, ACKNOWLEDGED "
                + "(comma separated).")
        String[] states() default {"RAISED", "ONGOING", "RESOLVED", "ACKNOWLEDGED"};

        @AttributeDefinition(name = "Lowest severity", description = "INFO, WARNING or CRITICAL.")
        String minSeverity() default "INFO";

        @AttributeDefinition(name = "Detectors", description = "Only these detectors' alerts (comma separated); empty for all.")
        String[] detectors() default {};
    }

    private static final Logger OUT = LoggerFactory.getLogger("flowlens.alerts");

    private volatile boolean enabled;
    private volatile SinkFilter filter;

    @Activate
    void activate(Config c) {
        if (!apply(c)) {
            apply(Configs.defaults(Config.class));
        }
    }

    @Modified
    void modified(Config c) {
        apply(c);
    }

    private boolean apply(Config c) {
        try {
            filter = SinkFilter.parse(c.states(), c.minSeverity(), c.detectors());
            enabled = c.enabled();
            return true;
        } catch (IllegalArgumentException e) {
            LOG.error("Alert log configuration refused, keeping the last good one: {}", e.getMessage());
            return false;
        }
    }

    @Override
    public void handleEvent(Event event) {
        String line = line(event);
        if (line == null) {
            return;
        }
        Alert a = AlertEvents.alert(event);
        if (a.state() == Alert.State.RAISED && !AlertTopics.ACKNOWLEDGED.equals(event.getTopic())) {
            if (a.severity() == Alert.Severity.CRITICAL) {
                OUT.error(line);
            } else {
                OUT.warn(line);
            }
        } else {
            OUT.info(line);
        }
    }

    /** The line an event is logged as, or null when it is not logged. */
    String line(Event event) {
        if (!enabled) {
            return null;
        }
        Alert a = AlertEvents.alert(event);
        if (a == null || !filter.accepts(event.getTopic(), a)) {
            return null;
        }
        String what = AlertTopics.ACKNOWLEDGED.equals(event.getTopic())
                ? "ACKNOWLEDGED by " + event.getProperty(AlertTopics.ACKNOWLEDGED_BY) : a.state().name();
        return "Alert " + what + " [" + a.severity() + "] " + a.detector() + " " + a.key() + ": " + a.message()
                + " (value " + Units.si(a.value()).trim() + ", threshold " + Units.si(a.threshold()).trim() + ", id "
                + a.id() + ")";
    }

    /** Whether {@code modified} would take these properties. */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        Config c = Configs.of(Config.class, properties);
        return ConfigurationCheck.problem(() -> SinkFilter.parse(c.states(), c.minSeverity(), c.detectors()));
    }
}
