package org.flowlens.system;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns Flowlens' logging configuration (level, format, per-logger levels) into the log4j2
 * configuration of Pax Logging, live. The debug switch ({@code -Dflowlens.debug=true} or
 * {@code FLOWLENS_DEBUG=1}) forces the debug level.
 */
@Component(service = {LoggingConfigurator.class, ConfigurationCheck.class}, immediate = true, configurationPid = LoggingConfigurator.PID,
        property = ConfigurationCheck.PID + "=" + LoggingConfigurator.PID)
@Designate(ocd = LoggingConfigurator.Config.class)
public class LoggingConfigurator implements ConfigurationCheck {
    static final String PID = "flowlens.logging";
    static final String PAX_PID = "org.ops4j.pax.logging";
    private static final Logger LOG = LoggerFactory.getLogger(LoggingConfigurator.class);
    private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error");

    static final String TEXT_PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5p [%t] %c{1.} - %m%n";
    static final String JSON_PATTERN = "{\"time\":\"%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX}\",\"level\":\"%p\",\"thread\":\"%enc{%t}{JSON}\","
            + "\"logger\":\"%c\",\"message\":\"%enc{%m}{JSON}\",\"exception\":\"%enc{%ex}{JSON}\"}%n";

    @ObjectClassDefinition(name = "Flowlens logging", description = "Log level and format, applied live.")
    public @interface Config {
        @AttributeDefinition(name = "Level", options = {@Option(label = "debug", value = "debug"), @Option(label = "info", value = "info"),
                @Option(label = "warn", value = "warn"), @Option(label = "error", value = "error")})
        String level() default "info";

        @AttributeDefinition(name = "Format", description = "text: one readable line per event; json: one JSON object per line.",
                options = {@Option(label = "text", value = "text"), @Option(label = "json", value = "json")})
        String format() default "text";

        @AttributeDefinition(name = "Logger levels", description = "Levels of single loggers, as logger=level, e.g. org.flowlens.pipeline=debug.")
        String[] loggers() default {};
    }

    private final ConfigurationAdmin configAdmin;
    private final boolean debugSwitch;
    private Config last;

    @Activate
    public LoggingConfigurator(@Reference ConfigurationAdmin configAdmin, BundleContext context, Config config) throws IOException {
        this.configAdmin = configAdmin;
        this.debugSwitch = DebugSwitch.on(context);
        modified(config);
    }

    @Modified
    synchronized void modified(Config config) throws IOException {
        String problem = validate(config);
        if (problem != null) {
            LOG.error("Refused logging configuration: {}; keeping the last good one", problem);
            if (last != null) {
                return;
            }
            config = null;
        }
        last = config;
        String level = debugSwitch ? "debug" : config != null ? config.level().trim().toLowerCase(Locale.ROOT) : "info";
        String format = config != null ? config.format().trim().toLowerCase(Locale.ROOT) : "text";
        Configuration pax = configAdmin.getConfiguration(PAX_PID, "?");
        pax.update(log4j2(level, format, config != null ? config.loggers() : new String[0]));
        LOG.info("Logging at level {} in {} format", level, format);
    }

    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return check(properties);
    }

    static String check(Map<String, Object> properties) {
        return validate(Configs.of(Config.class, properties));
    }

    static String validate(Config config) {
        if (!LEVELS.contains(config.level().trim().toLowerCase(Locale.ROOT))) {
            return "level must be one of debug, info, warn, error; got '" + config.level() + "'";
        }
        String f = config.format().trim().toLowerCase(Locale.ROOT);
        if (!f.equals("text") && !f.equals("json")) {
            return "format must be text or json; got '" + config.format() + "'";
        }
        for (String l : config.loggers()) {
            int eq = l.indexOf('=');
            if (eq <= 0 || !LEVELS.contains(l.substring(eq + 1).trim().toLowerCase(Locale.ROOT))) {
                return "logger levels must look like org.flowlens.pipeline=debug; got '" + l + "'";
            }
        }
        return null;
    }

    static Dictionary<String, Object> log4j2(String level, String format, String[] loggers) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("log4j2.appender.console.type", "Console");
        p.put("log4j2.appender.console.name", "console");
        p.put("log4j2.appender.console.layout.type", "PatternLayout");
        p.put("log4j2.appender.console.layout.pattern", format.equals("json") ? JSON_PATTERN : TEXT_PATTERN);
        p.put("log4j2.rootLogger.level", level.toUpperCase(Locale.ROOT));
        p.put("log4j2.rootLogger.appenderRef.console.ref", "console");
        // Jetty and the framework's own chatter stays at info even when Flowlens debugs
        p.put("log4j2.logger.jetty.name", "org.eclipse.jetty");
        p.put("log4j2.logger.jetty.level", level.equals("debug") || level.equals("trace") ? "INFO" : level.toUpperCase(Locale.ROOT));
        // pcap4j reports every capture loop at info
        p.put("log4j2.logger.pcap4j.name", "org.pcap4j");
        p.put("log4j2.logger.pcap4j.level", "WARN");
        int i = 0;
        for (String l : loggers) {
            int eq = l.indexOf('=');
            String id = "custom" + i++;
            p.put("log4j2.logger." + id + ".name", l.substring(0, eq).trim());
            p.put("log4j2.logger." + id + ".level", l.substring(eq + 1).trim().toUpperCase(Locale.ROOT));
        }
        return p;
    }
}
