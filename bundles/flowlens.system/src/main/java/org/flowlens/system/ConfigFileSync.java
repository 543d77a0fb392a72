package org.flowlens.system;

import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.flowlens.api.config.ConfigurationCheck;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code config/<pid>.cfg} in step with edits made elsewhere (the Felix Web Console, the
 * Flowlens console), so that an edit survives a restart instead of being overwritten by the
 * file. Only values that differ are rewritten; comments, order and {@code $[env:...]} /
 * {@code $[secret:...]} placeholders are kept. An edit the component refuses (its
 * {@link ConfigurationCheck} says why) is not saved: the file keeps the configuration the component
 * runs on, so that a restart starts it on that rather than on its defaults.
 */
@Component(immediate = true)
public class ConfigFileSync implements ConfigurationListener {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigFileSync.class);
    private static final String FILEINSTALL_FILENAME = "felix.fileinstall.filename";
    private static final Set<String> SKIP = Set.of(Constants.SERVICE_PID, FILEINSTALL_FILENAME, ConfigurationAdmin.SERVICE_FACTORYPID,
            ConfigurationAdmin.SERVICE_BUNDLELOCATION);

    private final ConfigurationAdmin configAdmin;
    private final List<Path> dirs = new ArrayList<>();
    /** The checks components offer, with the PIDs each answers for. */
    private final Map<ConfigurationCheck, List<String>> checks = new ConcurrentHashMap<>();

    @Activate
    public ConfigFileSync(@Reference ConfigurationAdmin configAdmin, BundleContext context) {
        this.configAdmin = configAdmin;
        String watched = context.getProperty("felix.fileinstall.dir");
        if (watched != null) {
            for (String d : watched.split(",")) {
                if (!d.isBlank()) {
                    dirs.add(Paths.get(d.trim()));
                }
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindCheck(ConfigurationCheck check, Map<String, Object> properties) {
        Object pids = properties.get(ConfigurationCheck.PID);
        checks.put(check, pids instanceof String[] a ? List.of(a) : pids == null ? List.of() : List.of(pids.toString()));
    }

    void unbindCheck(ConfigurationCheck check) {
        checks.remove(check);
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (event.getType() != ConfigurationEvent.CM_UPDATED) {
            return;
        }
        String fileName = fileName(event.getPid(), event.getFactoryPid());
        if (fileName == null) {
            return;
        }
        for (Path dir : dirs) {
            Path file = dir.resolve(fileName);
            if (Files.isRegularFile(file)) {
                try {
                    Configuration c = configAdmin.getConfiguration(event.getPid(), "?");
                    Dictionary<String, Object> props = c.getProperties();
                    // FileInstall marks what it applies from a file; only other edits go back to the file
                    if (props == null || props.get(FILEINSTALL_FILENAME) != null) {
                        return;
                    }
                    String refused = refusal(checks, event.getPid(), event.getFactoryPid(), props);
                    if (refused != null) {
                        LOG.warn("Not saving the configuration of {} to {}: the component refuses it ({}); the file keeps the "
                                + "configuration it runs on", event.getPid(), file, refused);
                    } else if (writeBack(file, props)) {
                        LOG.info("Saved the new configuration of {} to {}", event.getPid(), file);
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.warn("Could not save the configuration of {} to {}: {}", event.getPid(), file, e.toString());
                }
                return;
            }
        }
    }

    /** Why the component configured by {@code pid} (or a factory's) would refuse these properties; null when it takes them or offers no check. */
    static String refusal(Map<ConfigurationCheck, List<String>> checks, String pid, String factoryPid, Dictionary<String, Object> props) {
        Map<String, Object> values = new HashMap<>();
        for (Enumeration<String> keys = props.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            values.put(k, props.get(k));
        }
        for (Map.Entry<ConfigurationCheck, List<String>> e : checks.entrySet()) {
            if (e.getValue().contains(pid) || factoryPid != null && e.getValue().contains(factoryPid)) {
                return e.getKey().problem(pid, Map.copyOf(values));
            }
        }
        return null;
    }

    /**
     * The file FileInstall reads a configuration from: {@code pid.cfg}, or {@code factoryPid-name.cfg}
     * for a named factory configuration ({@code factoryPid~name}); null for unnamed factory ones.
     */
    static String fileName(String pid, String factoryPid) {
        if (factoryPid == null) {
            return pid + ".cfg";
        }
        String prefix = factoryPid + "~";
        return pid.startsWith(prefix) && pid.length() > prefix.length() ? factoryPid + "-" + pid.substring(prefix.length()) + ".cfg" : null;
    }

    /** Rewrites the lines whose values differ; returns whether the file changed. */
    static boolean writeBack(Path file, Dictionary<String, Object> props) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, Object> values = new TreeMap<>();
        for (Enumeration<String> keys = props.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            if (!SKIP.contains(k) && !k.startsWith(":") && !k.startsWith(".")) {
                values.put(k, props.get(k));
            }
        }
        boolean changed = false;
        List<String> out = new ArrayList<>(lines.size() + 4);
        for (String line : lines) {
            String t = line.trim();
            int eq = t.indexOf('=');
            if (t.isEmpty() || t.startsWith("#") || t.startsWith("!") || eq <= 0) {
                out.add(line);
                continue;
            }
            String key = t.substring(0, eq).trim();
            String raw = t.substring(eq + 1).trim();
            Object v = values.remove(key);
            if (v == null || raw.contains("$[")) {
                out.add(line);
                continue;
            }
            String encoded = encode(v);
            if (!encoded.equals(raw)) {
                out.add(key + "=" + encoded);
                changed = true;
            } else {
                out.add(line);
            }
        }
        for (Map.Entry<String, Object> e : values.entrySet()) {
            out.add(e.getKey() + "=" + encode(e.getValue()));
            changed = true;
        }
        if (changed) {
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.write(tmp, out, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return changed;
    }

    /**
     * The typed form FileInstall reads back: {@code I"3"}, {@code B"true"}, {@code "text"},
     * {@code ["a","b"]}; decimals as text ({@code "0.5"}), which components convert.
     */
    static String encode(Object v) {
        if (v.getClass().isArray()) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < Array.getLength(v); i++) {
                sb.append(i > 0 ? "," : "").append(encode(Array.get(v, i)));
            }
            return sb.append(']').toString();
        }
        if (v instanceof Collection<?> c) {
            return encode(c.toArray());
        }
        if (v instanceof Integer) {
            return "I\"" + v + "\"";
        }
        if (v instanceof Long) {
            return "L\"" + v + "\"";
        }
        if (v instanceof Boolean) {
            return "B\"" + v + "\"";
        }
        // decimals stay text: FileInstall would read D"..." and F"..." as raw IEEE bits
        String s = v.toString();
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                sb.append('\\');
            }
            sb.append(ch);
        }
        return sb.append('"').toString();
    }
}
