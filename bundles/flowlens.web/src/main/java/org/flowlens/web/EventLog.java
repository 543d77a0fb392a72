package org.flowlens.web;

import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * The events log: system events (bundles installed, started, stopped, removed; configuration
 * changes) and operator actions (sign-ins, acknowledgements, capture start and stop), kept in memory
 * for searching and appended to a JSON-lines file that survives restarts.
 */
@Component(service = {EventLog.class, ConfigurationListener.class, ConfigurationCheck.class}, configurationPid = EventLog.PID,
        property = ConfigurationCheck.PID + "=" + EventLog.PID)
@Designate(ocd = EventLog.Config.class)
public class EventLog implements ConfigurationListener, BundleListener, ConfigurationCheck {
    static final String PID = "flowlens.web.events";
    private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);

    @ObjectClassDefinition(name = "Flowlens events log", description = "System events and operator actions shown on the console's Events page.")
    public @interface Config {
        @AttributeDefinition(name = "Events kept in memory", description = "The most recent events the console can search.")
        int capacity() default 10_000;

        @AttributeDefinition(name = "File", description = "JSON-lines file the events are appended to; empty for the bundle's data area.")
        String file() default "";

        @AttributeDefinition(name = "File size limit (MB)", description = "When the file grows past this it is rotated to a .1 file.")
        int maxFileMb() default 10;
    }

    /** One event. */
    record Event(long seq, long millis, String type, String message, String user) {}

    private final ArrayDeque<Event> events = new ArrayDeque<>();
    private final BundleContext context;
    private long seq;
    private int capacity;
    private Path file;
    private long maxFileBytes;

    @Activate
    public EventLog(BundleContext context, Config config) {
        this.context = context;
        configure(config);
        load();
        context.addBundleListener(this);
        record("system", "Flowlens web started", null);
    }

    @Modified
    void modified(Config config) {
        configure(config);
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(this);
    }

    private static String problem(Config config) {
        return config.capacity() < 10 || config.maxFileMb() < 1 ? "capacity must be at least 10 and the file limit at least 1 MB" : null;
    }

    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return problem(Configs.of(Config.class, properties));
    }

    private synchronized void configure(Config config) {
        String problem = problem(config);
        if (problem != null) {
            LOG.error("Events log configuration refused: {}", problem);
            if (file != null) {
                return;
            }
            capacity = 10_000;
            maxFileBytes = 10L << 20;
        } else {
            capacity = config.capacity();
            maxFileBytes = (long) config.maxFileMb() << 20;
        }
        File data = config.file().isBlank() ? context.getDataFile("events.jsonl") : new File(config.file());
        file = data == null ? null : data.toPath();
        while (events.size() > capacity) {
            events.removeFirst();
        }
    }

    private synchronized void load() {
        if (file == null || !Files.isReadable(file)) {
            return;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = Math.max(0, lines.size() - capacity); i < lines.size(); i++) {
                try {
                    JsonObject o = JsonParser.parseString(lines.get(i)).getAsJsonObject();
                    Event e = new Event(o.get("seq").getAsLong(), o.get("millis").getAsLong(), o.get("type").getAsString(),
                            o.get("message").getAsString(), o.has("user") ? o.get("user").getAsString() : null);
                    events.addLast(e);
                    seq = Math.max(seq, e.seq());
                } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
                    // a torn last line after a crash: skip it
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot read the events log {}: {}", file, e.getMessage());
        }
    }

    /** Records an event; {@code user} is who did it, null for system events. */
    void record(String type, String message, String user) {
        Event e;
        synchronized (this) {
            e = new Event(++seq, System.currentTimeMillis(), type, message, user);
            events.addLast(e);
            if (events.size() > capacity) {
                events.removeFirst();
            }
            append(e);
        }
    }

    void record(String type, String message) {
        record(type, message, null);
    }

    /**
     * Events newest first, filtered.
     *
     * @param text words that must all appear in the message, type or user (case-insensitive); null or empty for all
     */
    synchronized List<Event> search(String type, String text, long sinceMillis, long untilMillis, int offset, int limit, long[] total) {
        String[] words = text == null || text.isBlank() ? new String[0] : text.toLowerCase(Locale.ROOT).trim().split("\\s+");
        List<Event> out = new ArrayList<>();
        long matched = 0;
        for (Iterator<Event> it = events.descendingIterator(); it.hasNext();) {
            Event e = it.next();
            if (e.millis() < sinceMillis || e.millis() > untilMillis || type != null && !type.isEmpty() && !type.equals(e.type())) {
                continue;
            }
            String hay = (e.type() + " " + e.message() + " " + (e.user() == null ? "" : e.user())).toLowerCase(Locale.ROOT);
            boolean all = true;
            for (String w : words) {
                all &= hay.contains(w);
            }
            if (!all) {
                continue;
            }
            if (matched >= offset && out.size() < limit) {
                out.add(e);
            }
            matched++;
        }
        total[0] = matched;
        return out;
    }

    private void append(Event e) {
        if (file == null) {
            return;
        }
        JsonObject o = new JsonObject();
        o.addProperty("seq", e.seq());
        o.addProperty("millis", e.millis());
        o.addProperty("type", e.type());
        o.addProperty("message", e.message());
        if (e.user() != null) {
            o.addProperty("user", e.user());
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (Files.exists(file) && Files.size(file) > maxFileBytes) {
                Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
            }
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                w.write(JsonResponses.GSON.toJson(o));
                w.write('\n');
            }
        } catch (IOException ex) {
            LOG.warn("Cannot append to the events log {}: {}", file, ex.getMessage());
        }
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        String what = switch (event.getType()) {
            case BundleEvent.INSTALLED -> "installed";
            case BundleEvent.UNINSTALLED -> "removed";
            case BundleEvent.STARTED -> "started";
            case BundleEvent.STOPPED -> "stopped";
            case BundleEvent.UPDATED -> "updated";
            default -> null;
        };
        if (what != null) {
            Bundle b = event.getBundle();
            record("plugin", "bundle " + b.getSymbolicName() + " " + b.getVersion() + " " + what);
        }
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        String pid = event.getFactoryPid() != null ? event.getPid() + " (factory " + event.getFactoryPid() + ")" : event.getPid();
        switch (event.getType()) {
            case ConfigurationEvent.CM_UPDATED -> record("configuration", "configuration " + pid + " updated");
            case ConfigurationEvent.CM_DELETED -> record("configuration", "configuration " + pid + " deleted");
            default -> {
                // location changes are not interesting to operators
            }
        }
    }
}
